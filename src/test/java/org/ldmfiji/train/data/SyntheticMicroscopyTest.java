package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.SplittableRandom;

class SyntheticMicroscopyTest extends ManagerPerClassTest {

	private static final int SIZE = 96;

	@Test
	void theSameSeedGivesTheSameImageAndAnotherSeedAnother() {
		SyntheticMicroscopy source = new SyntheticMicroscopy(MicroscopyConfig.training(), SIZE, SIZE);
		SyntheticMicroscopy.Sample a = source.render(new SplittableRandom(7));
		SyntheticMicroscopy.Sample b = source.render(new SplittableRandom(7));
		assertArrayEquals(a.noisy.pixels, b.noisy.pixels);
		assertArrayEquals(a.clean.pixels, b.clean.pixels);
		assertArrayEquals(a.noisy.labels, b.noisy.labels);
		LabelledImage c = source.next(new SplittableRandom(8));
		assertFalse(java.util.Arrays.equals(a.noisy.pixels, c.pixels));
	}

	@Test
	void imagesAreInTheUnitRangeWithEveryClassAndBrighterObjectsThanBackground() {
		SyntheticMicroscopy source = new SyntheticMicroscopy(MicroscopyConfig.training(), SIZE, 2 * SIZE);
		SplittableRandom random = new SplittableRandom(3);
		double[] sum = new double[SyntheticMicroscopy.CLASSES];
		long[] count = new long[SyntheticMicroscopy.CLASSES];
		for (int i = 0; i < 6; i++) {
			SyntheticMicroscopy.Sample s = source.render(random);
			assertEquals(SIZE, s.noisy.width);
			assertEquals(2 * SIZE, s.noisy.height);
			for (int p = 0; p < s.noisy.pixels.length; p++) {
				float v = s.noisy.pixels[p];
				assertTrue(v >= 0 && v <= 1, "pixel " + p + " = " + v);
				int label = s.noisy.labels[p];
				assertTrue(label >= 0 && label < SyntheticMicroscopy.CLASSES, "label " + label);
				sum[label] += s.clean.pixels[p];
				count[label]++;
			}
		}
		for (int k = 0; k < sum.length; k++) assertTrue(count[k] > 0, "no pixel of class " + k);
		double background = sum[0] / count[0], cell = sum[1] / count[1], nucleus = sum[2] / count[2];
		assertTrue(background < cell && cell < nucleus, "mean brightness background " + background + ", cell " + cell
			+ ", nucleus " + nucleus);
	}

	@Test
	void theNoisyImageDiffersFromTheCleanOneByAboutTheCameraNoise() {
		MicroscopyConfig config = MicroscopyConfig.training();
		SyntheticMicroscopy.Sample s = new SyntheticMicroscopy(config, SIZE, SIZE).render(new SplittableRandom(5));
		double residual = 0, expected = 0;
		for (int p = 0; p < s.clean.pixels.length; p++) {
			double d = s.noisy.pixels[p] - s.clean.pixels[p];
			residual += d * d;
			expected += s.clean.pixels[p] / config.noise.photons + config.noise.readNoise * config.noise.readNoise;
		}
		double ratio = residual / expected;
		assertTrue(ratio > 0.8 && ratio < 1.25, "noise variance / expected = " + ratio);
	}

	@Test
	void theHeldOutPopulationHasLargerNucleiAndFewerPhotons() {
		MicroscopyConfig training = MicroscopyConfig.training();
		MicroscopyConfig heldOut = MicroscopyConfig.heldOut();
		assertTrue(heldOut.nucleusRadiusMin > training.nucleusRadiusMax - 1);
		assertTrue(heldOut.noise.photons < training.noise.photons / 3);
		assertTrue(meanNucleusArea(heldOut) > 2 * meanNucleusArea(training));
	}

	private static double meanNucleusArea(MicroscopyConfig config) {
		SyntheticMicroscopy source = new SyntheticMicroscopy(config, 128, 128);
		SplittableRandom random = new SplittableRandom(11);
		long nucleus = 0;
		for (int i = 0; i < 4; i++) {
			LabelledImage image = source.next(random);
			for (int label : image.labels) if (label == SyntheticMicroscopy.NUCLEUS) nucleus++;
		}
		// per expected object: the configuration's density times the area drawn
		int objects = (int) Math.round(config.density * 4 * 128 * 128 / 1e4);
		return (double) nucleus / Math.max(1, objects);
	}

	@Test
	void badConfigurationsAreRefusedByName() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> MicroscopyConfig.training().toBuilder().nucleusRadius(10, 5).build());
		assertTrue(e.getMessage().contains("nucleus radius"), e.getMessage());
		assertThrows(IllegalArgumentException.class, () -> MicroscopyConfig.named("tomorrow"));
		assertThrows(IllegalArgumentException.class, () -> new SyntheticMicroscopy(MicroscopyConfig.training(), 4, 100));
	}
}
