package org.ldmfiji.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

class ImageQualityTest extends ManagerPerClassTest {

	private static final int H = 32, W = 40;

	/** a = 0.5 + 0.3 sin(0.35 x) cos(0.23 y); b = 0.8 a + 0.1 + 0.05 cos(0.9 x + 0.4 y). */
	private static NDArray pattern(boolean second) {
		float[] v = new float[H * W];
		for (int y = 0; y < H; y++) {
			for (int x = 0; x < W; x++) {
				double a = 0.5 + 0.3 * Math.sin(0.35 * x) * Math.cos(0.23 * y);
				v[y * W + x] = (float) (second ? 0.8 * a + 0.1 + 0.05 * Math.cos(0.9 * x + 0.4 * y) : a);
			}
		}
		return manager.create(v, new Shape(1, 1, H, W));
	}

	@Test
	void ssimAndPsnrMatchAnIndependentFloat64Computation() {
		// numpy, float64, explicit 11x11 Gaussian window (sigma 1.5) over valid positions, population statistics:
		// SSIM 0.873870182354, PSNR 26.606651169328 dB (the inputs here are float32, hence the tolerances)
		NDArray a = pattern(false), b = pattern(true);
		assertEquals(0.873870182354, ImageQuality.ssim(a, b, 1.0), 2e-6);
		assertEquals(0.873870182354, ImageQuality.ssim(b, a, 1.0), 2e-6);
		assertEquals(26.606651169328, ImageQuality.psnr(a, b, 1.0), 1e-4);
	}

	@Test
	void identicalImagesHaveInfinitePsnrAndSsimOne() {
		NDArray a = pattern(false);
		assertEquals(Double.POSITIVE_INFINITY, ImageQuality.psnr(a, a.duplicate(), 1.0));
		assertEquals(1.0, ImageQuality.ssim(a, a.duplicate(), 1.0), 1e-12);
	}

	@Test
	void psnrOfAConstantErrorIsKnownAndMasksSelectPixels() {
		NDArray a = manager.zeros(new Shape(1, 1, 16, 16));
		NDArray b = a.add(0.1f);
		assertEquals(20.0, ImageQuality.psnr(a, b, 1.0), 1e-5);
		// an error only inside the mask: PSNR inside it is the constant error's, SSIM outside it 1
		NDArray mask = manager.zeros(new Shape(1, 1, 16, 16));
		mask.set(new ai.djl.ndarray.index.NDIndex(":, :, 4:12, 4:12"), 1f);
		NDArray c = a.add(mask.mul(0.01f));
		assertEquals(40.0, ImageQuality.psnr(a, c, mask, 1.0), 1e-4);
		assertTrue(ImageQuality.ssim(pattern(false), pattern(true), manager.ones(new Shape(1, 1, H, W)), 1.0) < 0.9);
		assertThrows(IllegalArgumentException.class, () -> ImageQuality.ssim(a, manager.zeros(new Shape(1, 1, 16, 15)), 1.0));
	}
}
