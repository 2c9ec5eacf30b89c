package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.train.data.LabelledImage;

import java.util.List;
import java.util.SplittableRandom;

/**
 * semantic_synthesis's task: the image's label map, one-hot over the model's classes (as {@code LabelMaps.oneHot} makes
 * it for inference), through the SpatialRescaler to the latent's size and concatenated. With two classes the labels
 * are read as background (0) and foreground (any object), so instance label images serve directly; with more they
 * must be class ids below the class count. Without a condition the model sees an all-zero map (no class anywhere).
 */
final class LabelMapTask implements TrainingTask {

	private final int channels;
	private final int classes;

	LabelMapTask(int channels, int classes) {
		this.channels = channels;
		this.classes = classes;
	}

	@Override
	public TrainingBatch batch(List<LabelledImage> images, SplittableRandom random, NDManager manager) {
		LabelledImage first = images.get(0);
		int n = first.width * first.height;
		int[] ids = new int[images.size() * n];
		for (int i = 0; i < images.size(); i++) {
			int[] labels = images.get(i).labels;
			if (labels == null) throw new IllegalArgumentException("label-map synthesis needs images with label maps; this source has none");
			System.arraycopy(labels, 0, ids, i * n, n);
		}
		NDArray labels = manager.create(ids, new Shape(images.size(), first.height, first.width));
		if (classes == 2) labels = labels.gt(0);
		else {
			int largest = labels.max().getInt();
			if (largest >= classes || labels.min().getInt() < 0)
				throw new IllegalArgumentException("a label map holds label " + largest + ", but the model has " + classes
					+ " classes (labels 0 to " + (classes - 1) + ")");
		}
		NDArray oneHot = labels.toType(DataType.INT64, false).oneHot(classes).transpose(0, 3, 1, 2);
		return new TrainingBatch(BatchImages.toModel(BatchImages.unit(images, manager), channels), oneHot);
	}
}
