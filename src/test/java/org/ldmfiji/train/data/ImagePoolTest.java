package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

class ImagePoolTest extends ManagerPerClassTest {

	/** Constant 12x12 images, the n-th of value n. */
	private static ImageSource counting(AtomicInteger drawn) {
		return r -> {
			float[] p = new float[144];
			java.util.Arrays.fill(p, drawn.incrementAndGet());
			return new LabelledImage(12, 12, p, null);
		};
	}

	@Test
	void cropsComeFromThePoolWhichIsRenewedAtTheGivenRate() {
		AtomicInteger drawn = new AtomicInteger();
		ImagePool fixed = new ImagePool(counting(drawn), 3, 0, 5, 4);
		Set<Float> seen = new HashSet<>();
		SplittableRandom random = new SplittableRandom(1);
		for (int i = 0; i < 100; i++) {
			LabelledImage crop = fixed.next(random);
			assertEquals(5, crop.width);
			assertEquals(4, crop.height);
			seen.add(crop.pixels[0]);
		}
		assertEquals(3, drawn.get(), "without renewal only the pool's first images are drawn");
		assertEquals(Set.of(1f, 2f, 3f), seen);

		AtomicInteger renewed = new AtomicInteger();
		ImagePool pool = new ImagePool(counting(renewed), 3, 0.25, 5, 4);
		for (int i = 0; i < 400; i++) pool.next(random);
		int fresh = renewed.get() - 3;
		assertTrue(fresh > 70 && fresh < 130, fresh + " images renewed in 400 crops at 25 %");
	}

	@Test
	void theSameSeedGivesTheSameCrops() {
		SyntheticMicroscopy source = new SyntheticMicroscopy(MicroscopyConfig.training(), 48, 48);
		ImagePool a = new ImagePool(source.clean(), 2, 0.5, 16, 16);
		ImagePool b = new ImagePool(source.clean(), 2, 0.5, 16, 16);
		SplittableRandom ra = new SplittableRandom(5), rb = new SplittableRandom(5);
		for (int i = 0; i < 5; i++) {
			LabelledImage x = a.next(ra), y = b.next(rb);
			assertArrayEquals(x.pixels, y.pixels);
			assertArrayEquals(x.labels, y.labels);
		}
	}
}
