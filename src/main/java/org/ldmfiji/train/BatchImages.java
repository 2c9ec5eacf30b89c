package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.train.data.LabelledImage;

import java.util.List;

/** Training images as model tensors, the way the pipeline maps a grayscale plane: [0, 1] → [−1, 1], gray replicated. */
final class BatchImages {

	private BatchImages() {}

	/** The images in [0, 1], [B, 1, H, W]; all must have the size of the first. */
	static NDArray unit(List<LabelledImage> images, NDManager m) {
		LabelledImage first = images.get(0);
		int n = first.width * first.height;
		float[] all = new float[images.size() * n];
		for (int i = 0; i < images.size(); i++) {
			LabelledImage im = images.get(i);
			if (im.width != first.width || im.height != first.height)
				throw new IllegalArgumentException("a training batch needs crops of one size; got " + first.width + "x" + first.height
					+ " and " + im.width + "x" + im.height);
			System.arraycopy(im.pixels, 0, all, i * n, n);
		}
		return m.create(all, new Shape(images.size(), 1, first.height, first.width));
	}

	/** [0, 1] gray [B, 1, H, W] → [−1, 1] with {@code channels} channels. */
	static NDArray toModel(NDArray unit, int channels) {
		NDArray model = IntensityMapping.unitToModel(unit);
		return channels == 1 ? model : model.repeat(1, channels);
	}
}
