package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.Arrays;
import java.util.SplittableRandom;

class SrDegradationTest extends ManagerPerClassTest {

	@Test
	void withoutBlurAndNoiseEachLowResolutionPixelIsTheMeanOfItsBlock() {
		float[] hr = new float[8 * 8];
		for (int i = 0; i < hr.length; i++) hr[i] = (i % 8) / 8f + (i / 8) / 64f;
		SrDegradation.Result r = SrDegradation.fixed(4, 0, 0, 0).degrade(manager.create(hr, new Shape(1, 1, 8, 8)), new SplittableRandom(1));
		assertEquals(new Shape(1, 1, 2, 2), r.lowRes.getShape());
		float[] low = r.cleanLowRes.toFloatArray();
		for (int by = 0; by < 2; by++) {
			for (int bx = 0; bx < 2; bx++) {
				double sum = 0;
				for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) sum += hr[(by * 4 + y) * 8 + bx * 4 + x];
				assertEquals(sum / 16, low[by * 2 + bx], 1e-6);
			}
		}
		assertArrayEquals(low, r.lowRes.toFloatArray());
	}

	@Test
	void noiseIsSeededPerImageAndTheCleanImageHasNone() {
		SyntheticMicroscopy source = new SyntheticMicroscopy(MicroscopyConfig.training(), 64, 64);
		NDArray hr = manager.create(source.render(new SplittableRandom(2)).clean.pixels, new Shape(1, 1, 64, 64)).repeat(0, 2);
		SrDegradation d = SrDegradation.standard();
		SrDegradation.Result a = d.degrade(hr, new SplittableRandom(9));
		SrDegradation.Result b = d.degrade(hr, new SplittableRandom(9));
		assertArrayEquals(a.lowRes.toFloatArray(), b.lowRes.toFloatArray());
		assertEquals(new Shape(2, 1, 16, 16), a.lowRes.getShape());
		float[] noisy = a.lowRes.toFloatArray();
		float[] clean = a.cleanLowRes.toFloatArray();
		assertFalse(Arrays.equals(noisy, clean));
		// both images of the batch drew their own noise (and blur)
		assertFalse(Arrays.equals(Arrays.copyOf(noisy, 256), Arrays.copyOfRange(noisy, 256, 512)));
		// the clean image is the blurred high-resolution image, downsampled: its mean is the high-resolution mean
		assertEquals(hr.get(0).mean().getFloat(), a.cleanLowRes.get(0).mean().getFloat(), 1e-4);
	}

	@Test
	void sidesThatAreNoMultipleOfTheFactorAreRefused() {
		assertThrows(IllegalArgumentException.class, () -> SrDegradation.standard().degrade(manager.zeros(new Shape(1, 1, 10, 8)),
			new SplittableRandom(1)));
		assertThrows(IllegalArgumentException.class, () -> new SrDegradation(4, 2, 1, 0, 0, 0));
	}
}
