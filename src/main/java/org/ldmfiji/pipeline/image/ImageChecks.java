package org.ldmfiji.pipeline.image;

import ij.ImagePlus;
import ij.ImageStack;

/** Checks on an input image that a user can fail, made before any model work. Messages are one line. */
public final class ImageChecks {

	private ImageChecks() {}

	/** A 32-bit image must hold no NaN or infinite value; the message names the first plane and pixel found. */
	public static void requireFinite(ImagePlus image) {
		if (image.getBitDepth() != 32) return;
		ImageStack stack = image.getImageStack();
		int width = image.getWidth();
		for (int index = 1; index <= stack.getSize(); index++) {
			float[] pixels = (float[]) stack.getPixels(index);
			for (int i = 0; i < pixels.length; i++) {
				if (!Float.isFinite(pixels[i])) {
					int[] czt = image.convertIndexToPosition(index);
					throw new IllegalArgumentException("the image has " + (Float.isNaN(pixels[i]) ? "NaN" : "infinite")
						+ " values (first at x=" + i % width + ", y=" + i / width + " in channel " + czt[0] + ", slice "
						+ czt[1] + ", frame " + czt[2] + "); replace them, e.g. with Process > Math > Remove NaNs");
				}
			}
		}
	}

	/**
	 * Width and height must be at least {@code minimum} pixels: the model's smallest input, e.g. one latent pixel
	 * (the first stage's downsampling factor).
	 */
	public static void requireMinimumSize(ImagePlus image, int minimum) {
		if (image.getWidth() < minimum || image.getHeight() < minimum) {
			throw new IllegalArgumentException("the image is " + image.getWidth() + "x" + image.getHeight()
				+ " pixels; the model needs at least " + minimum + "x" + minimum);
		}
	}
}
