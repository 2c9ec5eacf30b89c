package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.SplittableRandom;

class InpaintMasksTest extends ManagerPerClassTest {

	@Test
	void masksAreBinarySeededAndCoverTheRequestedFraction() {
		InpaintMasks masks = InpaintMasks.standard();
		SplittableRandom random = new SplittableRandom(4);
		for (int i = 0; i < 20; i++) {
			long seed = random.nextLong();
			float[] a = masks.next(64, 96, new SplittableRandom(seed));
			assertArrayEquals(a, masks.next(64, 96, new SplittableRandom(seed)));
			double hole = 0;
			for (float v : a) {
				assertTrue(v == 0f || v == 1f, "value " + v);
				hole += v;
			}
			double fraction = hole / a.length;
			assertTrue(fraction >= 0.05 && fraction <= 0.45, "hole fraction " + fraction);
		}
	}

	@Test
	void boxesAreFilledRectanglesAndStrokesAreNot() {
		int size = 64;
		float[] box = new InpaintMasks(1, 0.01, 1).next(size, size, new SplittableRandom(1));
		int x0 = size, x1 = -1, y0 = size, y1 = -1, count = 0;
		for (int i = 0; i < box.length; i++) {
			if (box[i] == 0) continue;
			count++;
			x0 = Math.min(x0, i % size);
			x1 = Math.max(x1, i % size);
			y0 = Math.min(y0, i / size);
			y1 = Math.max(y1, i / size);
		}
		assertEquals((x1 - x0 + 1) * (y1 - y0 + 1), count, "a box fills its bounding rectangle");
		float[] stroke = new InpaintMasks(0, 0.01, 1).next(size, size, new SplittableRandom(1));
		int filled = 0;
		for (float v : stroke) filled += (int) v;
		assertTrue(filled > 0);
		// strokes are thin: their area is well below their bounding rectangle's
		int sx0 = size, sx1 = -1, sy0 = size, sy1 = -1;
		for (int i = 0; i < stroke.length; i++) {
			if (stroke[i] == 0) continue;
			sx0 = Math.min(sx0, i % size);
			sx1 = Math.max(sx1, i % size);
			sy0 = Math.min(sy0, i / size);
			sy1 = Math.max(sy1, i / size);
		}
		int cornersOfBounds = (sx1 - sx0 + 1) * (sy1 - sy0 + 1);
		assertTrue(filled < 0.9 * cornersOfBounds, filled + " of " + cornersOfBounds);
	}
}
