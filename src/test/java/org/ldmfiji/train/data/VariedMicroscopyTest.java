package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.SplittableRandom;

class VariedMicroscopyTest extends ManagerPerClassTest {

	/** Every configuration the ranges can give is a valid one, and they spread over the ranges. */
	@Test
	void drawsValidConfigurationsThatSpreadWidely() {
		SplittableRandom random = new SplittableRandom(1);
		double minBackground = 1, maxBackground = 0, minBlur = 99, maxBlur = 0, minPhotons = 1e9, maxPhotons = 0;
		for (int i = 0; i < 5000; i++) {
			MicroscopyConfig c = VariedMicroscopy.draw(random);
			minBackground = Math.min(minBackground, c.background);
			maxBackground = Math.max(maxBackground, c.background);
			minBlur = Math.min(minBlur, c.blurSigma);
			maxBlur = Math.max(maxBlur, c.blurSigma);
			minPhotons = Math.min(minPhotons, c.noise.photons);
			maxPhotons = Math.max(maxPhotons, c.noise.photons);
		}
		assertTrue(maxBackground / minBackground > 20, minBackground + ".." + maxBackground);
		assertTrue(maxBlur - minBlur > 1.5, minBlur + ".." + maxBlur);
		assertTrue(maxPhotons / minPhotons > 10, minPhotons + ".." + maxPhotons);
	}

	/** Seeded like the fixed generator; images differ in their statistics far more than the training population's do. */
	@Test
	void imagesAreSeededAndVaryMoreThanOneConfigurationsImages() {
		VariedMicroscopy varied = new VariedMicroscopy(64, 64);
		assertArrayEquals(varied.next(new SplittableRandom(4)).pixels, varied.next(new SplittableRandom(4)).pixels);
		SyntheticMicroscopy fixed = new SyntheticMicroscopy(MicroscopyConfig.training(), 64, 64);
		SplittableRandom a = new SplittableRandom(5), b = new SplittableRandom(5);
		double[] spreadVaried = new double[2], spreadFixed = new double[2];
		for (int i = 0; i < 16; i++) {
			LabelledImage v = varied.next(a.split());
			LabelledImage f = fixed.next(b.split());
			for (float p : v.pixels) assertTrue(p >= 0 && p <= 1, "pixel " + p);
			accumulate(spreadVaried, percentile(v.pixels, 0.1));
			accumulate(spreadFixed, percentile(f.pixels, 0.1));
		}
		assertTrue(std(spreadVaried, 16) > 3 * std(spreadFixed, 16), "spread of the background level: varied " + std(spreadVaried, 16)
			+ ", one configuration " + std(spreadFixed, 16));
	}

	private static double percentile(float[] pixels, double q) {
		float[] s = pixels.clone();
		java.util.Arrays.sort(s);
		return s[(int) (q * (s.length - 1))];
	}

	private static void accumulate(double[] sums, double v) {
		sums[0] += v;
		sums[1] += v * v;
	}

	private static double std(double[] sums, int n) {
		double mean = sums[0] / n;
		return Math.sqrt(Math.max(0, sums[1] / n - mean * mean));
	}
}
