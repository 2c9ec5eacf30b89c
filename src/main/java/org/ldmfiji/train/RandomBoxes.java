package org.ldmfiji.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One axis-aligned box per image, each side between a quarter and a half of the image's: a stand-in for the mix of
 * boxes and free-form strokes the inpainting models are meant to learn from.
 */
public final class RandomBoxes implements MaskSource {

	@Override
	public float[] mask(int width, int height, SplittableRandom random) {
		float[] m = new float[width * height];
		int bw = Math.max(1, width / 4 + random.nextInt(Math.max(1, width / 4 + 1)));
		int bh = Math.max(1, height / 4 + random.nextInt(Math.max(1, height / 4 + 1)));
		int x = random.nextInt(width - bw + 1);
		int y = random.nextInt(height - bh + 1);
		for (int row = y; row < y + bh; row++) Arrays.fill(m, row * width + x, row * width + x + bw, 1f);
		return m;
	}
}
