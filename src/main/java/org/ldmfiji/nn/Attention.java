package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import org.ldmfiji.engine.Scoped;

/**
 * Scaled dot-product attention, {@code softmax(q·kᵀ·scale)·v}, the core that the autoencoder's {@code AttnBlock} and
 * the UNet's {@code AttentionBlock} and {@code CrossAttention} share. It runs over a block of queries at a time so
 * that the {@code [batch, block, keys]} score matrix stays under {@link #SCORE_BUDGET}: the autoencoder's mid-block
 * attends over every latent pixel, and a whole score matrix grows with the fourth power of the side (16 GiB for a
 * 256² latent). Softmax rows are independent, so a block's output is exactly those rows of the whole.
 */
public final class Attention {

	/**
	 * Bytes one block's score matrix may take (float32). A block holds about twice this at once (the scores and
	 * their softmax). Below glibc's 64 MiB thread heaps, so the blocks are reused memory rather than fresh mappings
	 * that page-fault on every block (see {@code engine.NativeAllocator}); still large enough that each block does
	 * hundreds of multiply-adds per element it loads.
	 */
	public static final long SCORE_BUDGET = 32L << 20;

	private static final long FLOAT = 4;

	private Attention() {}

	/**
	 * @param q     the queries, [B, N, d]
	 * @param kT    the keys, transposed: [B, d, M]
	 * @param v     the values, [B, M, e]
	 * @param scale the factor on the scores before the softmax; 1 where the caller has scaled q and k itself
	 * @param precision the operands' precision; the softmax is computed in float32 in either
	 * @return [B, N, e]
	 */
	public static NDArray attend(NDArray q, NDArray kT, NDArray v, float scale, Precision precision) {
		return attend(q, kT, v, scale, precision, queryBlock(q.getShape().get(0), kT.getShape().get(2)));
	}

	/** As {@link #attend(NDArray, NDArray, NDArray, float, Precision)} with an explicit number of queries per block. */
	static NDArray attend(NDArray q, NDArray kT, NDArray v, float scale, Precision precision, long block) {
		long n = q.getShape().get(1);
		if (block >= n) return weighted(q, kT, v, scale, precision);
		NDList blocks = new NDList();
		for (long start = 0; start < n; start += block) {
			long from = start;
			long to = Math.min(n, start + block);
			// each block's scores are freed before the next block's are made
			blocks.add(Scoped.keep(q.getManager(), () -> weighted(q.get(new NDIndex(":, {}:{}", from, to)), kT, v, scale, precision)));
		}
		NDArray out = NDArrays.concat(blocks, 1);
		blocks.close();
		return out;
	}

	/** Queries per block so that a block's scores for {@code batch} rows of {@code keys} keys fit the budget. */
	public static long queryBlock(long batch, long keys) {
		return Math.max(1, SCORE_BUDGET / (FLOAT * batch * keys));
	}

	private static NDArray weighted(NDArray q, NDArray kT, NDArray v, float scale, Precision precision) {
		NDArray scores = q.batchMatMul(kT);
		if (scale != 1f) scores = Scoped.advance(scores, scores.mul(scale), null);
		NDArray p = Scoped.advance(scores, precision.softmax(scores, -1), null);
		return Scoped.advance(p, p.batchMatMul(v), null);
	}
}
