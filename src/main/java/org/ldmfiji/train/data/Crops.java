package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/** Random crops of a larger image, turned by a random multiple of 90° and flipped at random, labels alike. */
final class Crops {

	private Crops() {}

	/**
	 * @param image at least {@code max(width, height)} on each side, since a quarter turn swaps the crop's sides
	 */
	static LabelledImage take(LabelledImage image, int width, int height, SplittableRandom random) {
		int quarterTurns = random.nextInt(4);
		boolean flip = random.nextBoolean();
		// a quarter turn swaps the sides, so the crop is taken with them swapped
		int cw = quarterTurns % 2 == 0 ? width : height;
		int ch = quarterTurns % 2 == 0 ? height : width;
		if (image.width < cw || image.height < ch) {
			throw new IllegalArgumentException("a " + image.width + "x" + image.height + " image is too small for " + width + "x" + height + " crops");
		}
		int x = random.nextInt(image.width - cw + 1), y = random.nextInt(image.height - ch + 1);
		float[] pixels = new float[cw * ch];
		int[] labels = image.labels == null ? null : new int[cw * ch];
		for (int row = 0; row < ch; row++) {
			System.arraycopy(image.pixels, (y + row) * image.width + x, pixels, row * cw, cw);
			if (labels != null) System.arraycopy(image.labels, (y + row) * image.width + x, labels, row * cw, cw);
		}
		try (NDManager m = NDManager.newBaseManager()) {
			Shape s = new Shape(ch, cw);
			float[] p = orient(m.create(pixels, s), quarterTurns, flip).toFloatArray();
			int[] l = labels == null ? null : orient(m.create(labels, s), quarterTurns, flip).toIntArray();
			return new LabelledImage(width, height, p, l);
		}
	}

	private static NDArray orient(NDArray crop, int quarterTurns, boolean flip) {
		NDArray x = quarterTurns == 0 ? crop : crop.rotate90(quarterTurns, new int[] {0, 1});
		return flip ? x.flip(1) : x;
	}
}
