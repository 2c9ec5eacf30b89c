package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.evaluate.BoundaryGradient;
import org.ldmfiji.testing.ManagerPerClassTest;

class NoiseMatchingTest extends ManagerPerClassTest {

	/** Poisson–Gaussian noise of these parameters: variance A·s + B. */
	private static final float A = 0.004f, B = 0.0004f;

	/** A smooth ramp 0.1..0.9 over the columns, [1, 1, 96, 128]. */
	private NDArray smooth() {
		return manager.linspace(0.1f, 0.9f, 128).reshape(1, 1, 1, 128).broadcast(new Shape(1, 1, 96, 128)).duplicate();
	}

	private NDArray noisy(NDArray clean, long seed) {
		NDArray n = Inference.seeded(seed, () -> manager.randomNormal(clean.getShape()));
		return clean.add(clean.mul(A).add(B).sqrt().mul(n));
	}

	/** A box in the middle, 1 = fill. */
	private NDArray hole() {
		NDArray rows = manager.arange(96).reshape(1, 1, 96, 1), cols = manager.arange(128).reshape(1, 1, 1, 128);
		NDArray r = rows.gte(30).logicalAnd(rows.lt(66)), c = cols.gte(40).logicalAnd(cols.lt(90));
		return r.logicalAnd(c).toType(DataType.FLOAT32, false);
	}

	@Test
	void theNoiseModelIsFittedFromTheKeptPixels() {
		NDArray clean = smooth();
		NDArray sd = NoiseMatching.noiseModel(clean, noisy(clean, 3), hole());
		for (float s : new float[] {0.1f, 0.5f, 0.9f}) {
			int column = Math.round((s - 0.1f) / 0.8f * 127);
			float fitted = sd.getFloat(0, 0, 0, column), truth = (float) Math.sqrt(A * s + B);
			assertEquals(truth, fitted, 0.08f * truth, "noise sd at intensity " + s);
		}
	}

	/** A smooth fill next to noisy kept pixels shows its border; with the noise matched it does not. */
	@Test
	void theMatchedFillsBorderIsAsSmoothAsTheImage() {
		NDArray clean = smooth(), image = noisy(clean, 5), hole = hole();
		double plain = BoundaryGradient.ratio(Inpainting.composite(image, hole, clean), hole)[2];
		NDArray matched = NoiseMatching.apply(clean, image, hole, 1.0, 0);
		double ratio = BoundaryGradient.ratio(Inpainting.composite(image, hole, matched), hole)[2];
		assertTrue(plain < 0.8, "a smooth fill's border ratio " + plain);
		assertEquals(1.0, ratio, 0.1, "the matched fill's border ratio");
		double half = BoundaryGradient.ratio(Inpainting.composite(image, hole, NoiseMatching.apply(clean, image, hole, 0.5, 0)), hole)[2];
		assertTrue(half > plain && half < ratio, "strength 0.5 lies between: " + plain + " < " + half + " < " + ratio);
	}

	@Test
	void theSameSeedAddsTheSameNoiseAndStrengthZeroNone() {
		NDArray clean = smooth(), image = noisy(clean, 7), hole = hole();
		NDArray a = NoiseMatching.apply(clean, image, hole, 0.7, 11), b = NoiseMatching.apply(clean, image, hole, 0.7, 11);
		assertEquals(0f, a.sub(b).abs().max().getFloat(), "the same seed");
		assertTrue(a.sub(NoiseMatching.apply(clean, image, hole, 0.7, 12)).abs().max().getFloat() > 0.01f, "another seed");
		assertTrue(a.min().getFloat() >= 0f && a.max().getFloat() <= 1f, "in [0, 1]");
		assertEquals(0f, NoiseMatching.apply(clean, image, hole, 0, 11).sub(clean).abs().max().getFloat(), "strength 0");
	}

	/** An image without noise (or a hole over everything) gets none. */
	@Test
	void aCleanImageGetsNoNoise() {
		NDArray clean = smooth();
		assertEquals(0f, NoiseMatching.apply(clean, clean, hole(), 1.0, 0).sub(clean).abs().max().getFloat(), 1e-6f);
		NDArray everything = manager.ones(new Shape(1, 1, 96, 128));
		assertEquals(0f, NoiseMatching.apply(clean, noisy(clean, 1), everything, 1.0, 0).sub(clean).abs().max().getFloat(), 1e-6f);
	}

	@Test
	void aStrengthOutsideZeroToOneIsRefused() {
		NDArray clean = smooth();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseMatching.apply(clean, clean, hole(), 1.5, 0));
		assertEquals("the noise matching strength must lie in [0, 1], not 1.5", e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> SamplingSettings.builder().matchNoise(-0.2).build());
	}
}
