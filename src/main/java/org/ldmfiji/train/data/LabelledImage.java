package org.ldmfiji.train.data;

/**
 * One grayscale training image, values in [0, 1], row-major height x width; labels the same size (0 = background,
 * k &gt; 0 = object k, or class ids for label maps) or null when the source has none.
 */
public final class LabelledImage {

	public final int width, height;
	public final float[] pixels;
	public final int[] labels;

	public LabelledImage(int width, int height, float[] pixels, int[] labels) {
		if (width <= 0 || height <= 0)
			throw new IllegalArgumentException("Image size must be positive, got " + width + "x" + height);
		if (pixels == null || pixels.length != (long) width * height)
			throw new IllegalArgumentException("Expected " + (long) width * height + " pixels for " + width + "x"
				+ height + ", got " + (pixels == null ? "none" : pixels.length));
		if (labels != null && labels.length != pixels.length)
			throw new IllegalArgumentException("Expected " + pixels.length + " labels for " + width + "x" + height
				+ ", got " + labels.length);
		this.width = width;
		this.height = height;
		this.pixels = pixels;
		this.labels = labels;
	}
}
