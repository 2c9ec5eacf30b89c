package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

class MeanPreservationTest extends ManagerPerClassTest {

	private static NDArray areaDown(NDArray x, int f) {
		return Pool.avgPool2d(x, new Shape(f, f), new Shape(f, f), new Shape(0, 0), false, true);
	}

	/** A result brighter than its input by a smooth drift comes back to the input's mean; its detail is left alone. */
	@Test
	void aDriftInBrightnessIsRemovedAndDetailKept() {
		NDArray input = manager.linspace(0.2f, 0.4f, 40 * 48).reshape(1, 1, 40, 48);
		NDArray sharp = input.repeat(2, 4).repeat(3, 4);
		// detail that averages to nothing over each low-resolution pixel: a checkerboard of +-0.05
		NDArray rows = manager.arange(160).reshape(1, 1, 160, 1), columns = manager.arange(192).reshape(1, 1, 1, 192);
		NDArray detail = rows.add(columns).mod(2).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mul(0.1f).sub(0.05f);
		NDArray drift = manager.linspace(0.01f, 0.03f, 192).reshape(1, 1, 1, 192).broadcast(new Shape(1, 1, 160, 192));
		NDArray result = sharp.add(detail).add(drift);
		NDArray kept = MeanPreservation.apply(result, input, 4);
		assertEquals(result.getShape(), kept.getShape());
		float before = areaDown(result, 4).sub(input).abs().mean().getFloat();
		float after = areaDown(kept, 4).sub(input).abs().mean().getFloat();
		assertTrue(before > 0.015f && after < 0.003f, "mean deviation from the input " + before + " -> " + after);
		// what changed is smooth: the correction is constant within every 4 x 4 block and varies slowly between them
		NDArray change = kept.sub(result);
		assertEquals(0f, change.sub(areaDown(change, 4).repeat(2, 4).repeat(3, 4)).abs().max().getFloat(), 1e-6f);
		assertEquals(0f, kept.sub(change).sub(result).abs().max().getFloat(), 1e-6f, "the detail itself is untouched");
	}

	/** The input's camera noise is averaged away, not copied into the result. */
	@Test
	void theInputsNoiseStaysOut() {
		NDArray clean = manager.full(new Shape(1, 1, 64, 64), 0.3f);
		NDArray noisy = clean.add(manager.randomNormal(0f, 0.05f, new Shape(1, 1, 64, 64), ai.djl.ndarray.types.DataType.FLOAT32));
		NDArray result = manager.full(new Shape(1, 1, 256, 256), 0.3f);
		float change = MeanPreservation.apply(result, noisy, 4).sub(result).abs().max().getFloat();
		assertTrue(change < 0.01f, "noise of sigma 0.05 moved the result by up to " + change);
	}

	@Test
	void aResultThatIsNoEnlargementOfTheInputIsRefused() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> MeanPreservation.apply(manager.zeros(new Shape(1, 1, 64, 64)), manager.zeros(new Shape(1, 1, 32, 32)), 4));
		assertTrue(e.getMessage().contains("is no 4x enlargement"), e.getMessage());
	}
}
