package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.testing.ManagerPerClassTest;

class LevelMatchingTest extends ManagerPerClassTest {

	private static final Shape SHAPE = new Shape(1, 1, 96, 128);

	/** A smooth ramp 0.2..0.6 over the columns, the clean image. */
	private NDArray clean() {
		return manager.linspace(0.2f, 0.6f, 128).reshape(1, 1, 1, 128).broadcast(SHAPE);
	}

	/** The clean ramp with Gaussian noise of sd 0.05, the recorded image. */
	private NDArray image(long seed) {
		return clean().add(Inference.seeded(seed, () -> manager.randomNormal(SHAPE)).mul(0.05f));
	}

	/** The box rows [top, bottom) × columns [left, right), 1 = fill. */
	private NDArray box(int top, int bottom, int left, int right) {
		NDArray rows = manager.arange(96).reshape(1, 1, 96, 1), cols = manager.arange(128).reshape(1, 1, 1, 128);
		NDArray r = rows.gte(top).logicalAnd(rows.lt(bottom)), c = cols.gte(left).logicalAnd(cols.lt(right));
		return r.logicalAnd(c).toType(DataType.FLOAT32, false);
	}

	private static double meanIn(NDArray x, NDArray mask) {
		return (double) x.mul(mask).sum().getFloat() / mask.sum().getFloat();
	}

	/** The model's own fill and decoding, smooth and 0.04 too dark everywhere: the fill gets the kept pixels' level back. */
	@Test
	void aFillTooDarkTakesTheLevelAroundIt() {
		NDArray image = image(1), hole = box(30, 66, 40, 90);
		NDArray clean = clean();
		NDArray generated = clean.sub(0.04f);
		NDArray matched = LevelMatching.apply(generated, image, hole);
		assertEquals(-0.04, meanIn(generated.sub(clean), hole), 1e-6);
		assertEquals(0, meanIn(matched.sub(clean), hole), 0.004, "the fill's level after matching");
		double worst = matched.sub(clean).mul(hole).abs().max().getFloat();
		assertTrue(worst < 0.012, "no pixel of the fill is more than the noise's average off: " + worst);
		NDArray keep = hole.neg().add(1f);
		assertEquals(0, matched.sub(generated).mul(keep).abs().max().getFloat(), "outside the hole nothing changes");
	}

	/** A fill of the right level is left alone: the correction is the kept pixels' noise averaged, nothing more. */
	@Test
	void aFillOfTheRightLevelStays() {
		NDArray clean = clean();
		NDArray hole = box(10, 20, 100, 126);
		NDArray matched = LevelMatching.apply(clean, image(2), hole);
		assertTrue(matched.sub(clean).abs().max().getFloat() < 0.012, "the correction stays within the averaged noise");
	}

	/** Without a hole, or without a kept pixel, there is nothing to match. */
	@Test
	void noHoleOrNoKeptPixelChangesNothing() {
		NDArray image = image(3), generated = image.add(0.1f);
		assertArrayEquals(generated.toFloatArray(), LevelMatching.apply(generated, image, box(0, 0, 0, 0)).toFloatArray());
		assertArrayEquals(generated.clip(0f, 1f).toFloatArray(), LevelMatching.apply(generated, image, box(0, 96, 0, 128)).toFloatArray());
	}

	/** Two images of a batch with holes in different places: each is corrected from its own kept pixels. */
	@Test
	void eachImageOfABatchTakesItsOwnLevel() {
		NDArray clean = clean();
		NDArray image = image(4).concat(image(5), 0);
		NDArray hole = box(5, 25, 5, 35).concat(box(60, 90, 80, 120), 0);
		NDArray generated = clean.sub(0.05f).concat(clean.add(0.03f), 0);
		NDArray matched = LevelMatching.apply(generated, image, hole);
		NDArray truth = clean.concat(clean, 0);
		for (int b = 0; b < 2; b++) {
			NDArray h = hole.get(b), d = matched.sub(truth).get(b);
			assertEquals(0, meanIn(d, h), 0.004, "image " + b);
		}
	}
}
