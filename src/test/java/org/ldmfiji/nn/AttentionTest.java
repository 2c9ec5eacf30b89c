package org.ldmfiji.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.testing.ManagerPerClassTest;

/** Attention over blocks of queries gives what attention over all of them gives, and the blocks fit the budget. */
class AttentionTest extends ManagerPerClassTest {

	private static final long BATCH = 3;
	private static final long QUERIES = 50;
	private static final long KEYS = 33;
	private static final long DIM = 8;
	private static final long VALUE_DIM = 5;

	/** 7 and 49 do not divide 50 (a short last block); 1 is the extreme; 50 and more is one block. */
	@ParameterizedTest
	@CsvSource({"1", "7", "25", "49", "50", "64"})
	void blocksOfQueriesGiveWholeAttention(long block) {
		Inference.seed(7);
		NDArray q = manager.randomNormal(new Shape(BATCH, QUERIES, DIM));
		NDArray kT = manager.randomNormal(new Shape(BATCH, DIM, KEYS));
		NDArray v = manager.randomNormal(new Shape(BATCH, KEYS, VALUE_DIM));
		float scale = 0.3f;
		float[] expected = naive(q.toFloatArray(), kT.toFloatArray(), v.toFloatArray(), scale);
		try (NDArray out = Attention.attend(q, kT, v, scale, Precision.FP32, block)) {
			assertEquals(new Shape(BATCH, QUERIES, VALUE_DIM), out.getShape());
			assertArrayEquals(expected, out.toFloatArray(), 2e-6f);
		}
		try (NDArray whole = Attention.attend(q, kT, v, scale, Precision.FP32, QUERIES); NDArray blocked = Attention.attend(q, kT, v, scale, Precision.FP32, block)) {
			assertArrayEquals(whole.toFloatArray(), blocked.toFloatArray(), 1e-6f, "blocks of " + block + " vs one block");
		}
	}

	@ParameterizedTest
	@CsvSource({"1, 65536, 128", "8, 4096, 256", "1, 64, 131072", "20, 1024, 409", "1, 16777216, 1", "4, 16777216, 1"})
	void aBlockOfScoresFitsTheBudget(long batch, long keys, long expectedBlock) {
		long block = Attention.queryBlock(batch, keys);
		assertEquals(expectedBlock, block);
		assertTrue(block == 1 || 4 * batch * keys * block <= Attention.SCORE_BUDGET);
		assertTrue(4 * batch * keys * (block + 1) > Attention.SCORE_BUDGET, "the largest block that fits");
	}

	/** softmax(q·kᵀ·scale)·v in double precision, one row at a time. */
	private static float[] naive(float[] q, float[] kT, float[] v, float scale) {
		float[] out = new float[(int) (BATCH * QUERIES * VALUE_DIM)];
		for (int b = 0; b < BATCH; b++) {
			for (int i = 0; i < QUERIES; i++) {
				double[] s = new double[(int) KEYS];
				double max = Double.NEGATIVE_INFINITY;
				for (int j = 0; j < KEYS; j++) {
					double dot = 0;
					for (int d = 0; d < DIM; d++) dot += q[(int) ((b * QUERIES + i) * DIM + d)] * kT[(int) ((b * DIM + d) * KEYS + j)];
					s[j] = dot * scale;
					max = Math.max(max, s[j]);
				}
				double sum = 0;
				for (int j = 0; j < KEYS; j++) sum += s[j] = Math.exp(s[j] - max);
				for (int e = 0; e < VALUE_DIM; e++) {
					double acc = 0;
					for (int j = 0; j < KEYS; j++) acc += s[j] / sum * v[(int) ((b * KEYS + j) * VALUE_DIM + e)];
					out[(int) ((b * QUERIES + i) * VALUE_DIM + e)] = (float) acc;
				}
			}
		}
		return out;
	}
}
