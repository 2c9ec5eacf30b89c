package org.ldmfiji.train;

import org.ldmfiji.train.data.ImageSource;
import org.ldmfiji.train.data.LabelledImage;

import java.util.SplittableRandom;

/** Small test crops: a few bright discs on a dark background, labelled 1..n; or, if {@code fixed}, always the same one. */
final class BlobImages implements ImageSource {

	private final int size;
	private final LabelledImage fixed;

	BlobImages(int size, boolean fixed) {
		this.size = size;
		this.fixed = fixed ? draw(new SplittableRandom(7)) : null;
	}

	@Override
	public LabelledImage next(SplittableRandom random) {
		return fixed != null ? fixed : draw(random);
	}

	private LabelledImage draw(SplittableRandom random) {
		float[] pixels = new float[size * size];
		int[] labels = new int[size * size];
		int discs = 1 + random.nextInt(3);
		for (int k = 1; k <= discs; k++) {
			double cx = random.nextDouble() * size, cy = random.nextDouble() * size, r = 2 + random.nextDouble() * size / 6.0;
			float brightness = (float) (0.5 + 0.5 * random.nextDouble());
			for (int y = 0; y < size; y++)
				for (int x = 0; x < size; x++)
					if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
						pixels[y * size + x] = brightness;
						labels[y * size + x] = k;
					}
		}
		for (int i = 0; i < pixels.length; i++) pixels[i] += 0.1f;
		return new LabelledImage(size, size, pixels, labels);
	}
}
