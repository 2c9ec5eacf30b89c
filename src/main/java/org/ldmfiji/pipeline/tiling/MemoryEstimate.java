package org.ldmfiji.pipeline.tiling;

import org.ldmfiji.io.AutoencoderConfig;
import org.ldmfiji.io.UNetConfig;
import org.ldmfiji.nn.Attention;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Peak native memory of one network evaluation on a tile, derived from the model's config (float32).
 *
 * <p>How: the networks are walked level by level as they run, counting the float tensors alive at once. In the UNet
 * every input block's output stays alive for its skip connection, so the peak is the sum of those plus the largest
 * block's working set. A residual block holds its input, the normalised and activated copies and the convolutions'
 * outputs until it returns (about 4 tensors of its input's width and 9 of its output's, counting group
 * normalisation's temporaries); an attention layer holds the scores of one block of queries and their softmax
 * (bounded by {@link Attention#SCORE_BUDGET}, see {@link Attention}) besides a few token-wide tensors. The decoder
 * and encoder keep no skips: their peak is the largest block, a residual block at full image resolution or, for
 * small tiles, the mid-block's attention over every latent pixel. The sum is multiplied by {@link #OVERHEAD} for what the
 * count leaves out (allocator slack, libtorch's workspaces).
 *
 * <p>Checked against the process's resident-memory high-water mark in {@code bench --task sr --arch bsr_sr} runs
 * with one tile (2 cores, CPU), before attention ran over blocks of queries: growth over the memory with the model
 * made was 976 MiB at a 64² latent (estimate 680 MiB, decoder-bound), 1788 MiB at 96² (1530 MiB) and 3886 MiB at
 * 128² (4160 MiB, then the decoder's whole-image attention). The
 * gap at small tiles is a roughly fixed few hundred MiB of libtorch and allocator state that does not grow with the
 * tile, which is why the automatic budget ({@link #budget}) leaves room beside it.
 */
public final class MemoryEstimate {

	/** Factor on the counted tensors for what the count leaves out; see the class comment. */
	static final double OVERHEAD = 1.25;

	private static final long FLOAT = 4;

	private MemoryEstimate() {}

	/** One UNet evaluation on a {@code batch} of h×w latents. */
	public static long unet(UNetConfig u, long batch, long h, long w) {
		List<Integer> mult = u.channelMult;
		long mc = u.modelChannels;
		java.util.ArrayDeque<Long> skipChannels = new java.util.ArrayDeque<>();
		long skips = mc * pixels(h, w, 0) + (long) u.inChannels * pixels(h, w, 0);
		skipChannels.push(mc);
		long work = 0;
		long ch = mc;
		for (int level = 0; level < mult.size(); level++) {
			long px = pixels(h, w, level);
			for (int r = 0; r < u.numResBlocks; r++) {
				long out = mult.get(level) * mc;
				work = Math.max(work, residual(ch, out, px));
				ch = out;
				if (u.attentionResolutions.contains(1 << level)) work = Math.max(work, attention(u, (int) ch, false, px));
				skips += ch * px;
				skipChannels.push(ch);
			}
			if (level != mult.size() - 1) {
				long next = pixels(h, w, level + 1);
				work = Math.max(work, ch * (px + 2 * next));
				skips += ch * next;
				skipChannels.push(ch);
			}
		}
		int last = mult.size() - 1;
		long low = pixels(h, w, last);
		work = Math.max(work, Math.max(residual(ch, ch, low), attention(u, (int) ch, false, low)));
		for (int level = last; level >= 0; level--) {
			long px = pixels(h, w, level);
			for (int r = 0; r <= u.numResBlocks; r++) {
				long skip = skipChannels.pop();
				long out = mult.get(level) * mc;
				work = Math.max(work, residual(ch + skip, out, px));
				ch = out;
				if (u.attentionResolutions.contains(1 << level)) work = Math.max(work, attention(u, (int) ch, true, px));
				if (level > 0 && r == u.numResBlocks) work = Math.max(work, ch * (px + 2 * pixels(h, w, level - 1)));
			}
		}
		return bytes(batch, skips + work);
	}

	/** One decoder pass from a {@code batch} of h×w latents (to an image f times larger). */
	public static long decoder(AutoencoderConfig a, long batch, long h, long w) {
		int levels = a.chMult.size();
		long ch = (long) a.ch * a.chMult.get(levels - 1);
		long latent = h * w;
		long work = Math.max(residual(ch, ch, latent), autoencoderAttention(a, ch, latent));
		int res = a.resolution >> (levels - 1);
		for (int level = levels - 1; level >= 0; level--) {
			long px = latent << (2 * (levels - 1 - level));
			long out = (long) a.ch * a.chMult.get(level);
			for (int b = 0; b <= a.numResBlocks; b++) {
				work = Math.max(work, residual(ch, out, px));
				ch = out;
				if (a.attnResolutions.contains(res)) work = Math.max(work, autoencoderAttention(a, ch, px));
			}
			if (level != 0) {
				work = Math.max(work, ch * (px + 2 * 4 * px));
				res *= 2;
			}
		}
		long full = latent << (2 * (levels - 1));
		work = Math.max(work, 4 * ch * full);
		return bytes(batch, work);
	}

	/** One encoder pass over a {@code batch} of images that encode to h×w latents. */
	public static long encoder(AutoencoderConfig a, long batch, long h, long w) {
		int levels = a.chMult.size();
		long latent = h * w;
		long full = latent << (2 * (levels - 1));
		long ch = a.ch;
		long work = (a.inChannels + 2L * ch) * full;
		int res = a.resolution;
		for (int level = 0; level < levels; level++) {
			long px = latent << (2 * (levels - 1 - level));
			long out = (long) a.ch * a.chMult.get(level);
			for (int b = 0; b < a.numResBlocks; b++) {
				work = Math.max(work, residual(ch, out, px));
				ch = out;
				if (a.attnResolutions.contains(res)) work = Math.max(work, autoencoderAttention(a, ch, px));
			}
			if (level != levels - 1) {
				work = Math.max(work, ch * (2 * px + px / 4));
				res /= 2;
			}
		}
		work = Math.max(work, Math.max(residual(ch, ch, latent), autoencoderAttention(a, ch, latent)));
		return bytes(batch, work);
	}

	/**
	 * The budget for one tile's work: {@code maxMemoryMiB}, or where that is 0 an eighth of the machine's physical
	 * memory (at least 512 MiB), leaving room for the model's weights, the whole image's tensors and the JVM.
	 */
	public static long budget(long maxMemoryMiB) {
		if (maxMemoryMiB > 0) return maxMemoryMiB << 20;
		return Math.max(512L << 20, physicalMemory() / 8);
	}

	/** The machine's physical memory in bytes, or 8 GiB where the JVM cannot tell. */
	static long physicalMemory() {
		java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
		if (os instanceof com.sun.management.OperatingSystemMXBean) {
			@SuppressWarnings("deprecation") // getTotalMemorySize is Java 14+; this project targets 11
			long total = ((com.sun.management.OperatingSystemMXBean) os).getTotalPhysicalMemorySize();
			if (total > 0) return total;
		}
		return 8L << 30;
	}

	/** Pixels at a UNet level: the reference's downsampling rounds odd sides up (stride-2 conv with padding 1). */
	private static long pixels(long h, long w, int level) {
		long f = 1L << level;
		return ((h + f - 1) / f) * ((w + f - 1) / f);
	}

	/** A residual block's live tensors: its input and activations of it, the convolutions' outputs and their sums. */
	private static long residual(long in, long out, long px) {
		return (4 * in + 9 * out) * px;
	}

	private static long attention(UNetConfig u, int ch, boolean outputBlock, long tokens) {
		long heads = Math.max(1, u.attentionHeads(ch, outputBlock));
		// a SpatialTransformer adds a feed-forward of 4× width with a gated (2×) projection
		long wide = u.useSpatialTransformer ? 16 : 8;
		return scores(heads, tokens) + wide * ch * tokens;
	}

	private static long autoencoderAttention(AutoencoderConfig a, long ch, long tokens) {
		if ("none".equals(a.attnType)) return 0;
		return scores(1, tokens) + 8 * ch * tokens;
	}

	/** One block of queries' scores and their softmax, as {@link Attention} computes them. */
	private static long scores(long heads, long tokens) {
		return 2 * heads * Math.min(tokens, Attention.queryBlock(heads, tokens)) * tokens;
	}

	private static long bytes(long batch, long floats) {
		return (long) (OVERHEAD * FLOAT * batch * floats);
	}
}
