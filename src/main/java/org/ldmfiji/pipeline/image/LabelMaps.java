package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ij.ImagePlus;
import ij.ImageStack;
import org.ldmfiji.engine.Scoped;

/** Integer label images as the one-hot conditioning of a label-map synthesis model. */
public final class LabelMaps {

	private LabelMaps() {}

	/**
	 * An 8- or 16-bit label image (labels 0..classes−1) → one-hot [N, classes, H, W] float32 owned by
	 * {@code manager}, one row per plane of the image.
	 */
	public static NDArray oneHot(ImagePlus labels, int classes, NDManager manager) {
		if (labels.getBitDepth() != 8 && labels.getBitDepth() != 16) {
			throw new IllegalArgumentException("a label image must be 8- or 16-bit with integer labels; this one is "
				+ (labels.getBitDepth() == 24 ? "RGB" : labels.getBitDepth() + "-bit"));
		}
		if (classes < 1) throw new IllegalArgumentException("a model needs at least 1 class, got " + classes);
		ImageStack stack = labels.getImageStack();
		int h = labels.getHeight();
		int w = labels.getWidth();
		int n = stack.getSize();
		float[] values = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			float[] plane = (float[]) stack.getProcessor(i + 1).toFloat(0, null).getPixels();
			System.arraycopy(plane, 0, values, i * h * w, h * w);
		}
		return Scoped.keep(manager, () -> {
			NDArray ids = manager.create(values, new Shape(n, h, w));
			int largest = (int) ids.max().getFloat();
			if (largest >= classes) {
				throw new IllegalArgumentException("the label image's largest label is " + largest + " but the model has "
					+ classes + " classes (labels 0 to " + (classes - 1) + ")");
			}
			return ids.toType(DataType.INT64, false).oneHot(classes).transpose(0, 3, 1, 2);
		});
	}
}
