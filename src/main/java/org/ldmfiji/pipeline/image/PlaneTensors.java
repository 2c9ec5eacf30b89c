package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

/**
 * One ImageJ plane ⇄ a model tensor [1, C, H, W] in [−1, 1]. Grayscale is replicated to the model's channels
 * and comes back as their mean; RGB goes channel for channel (a 3-channel model only).
 *
 * <p>Java only moves whole planes ({@link ImageProcessor#toFloat}, {@link ImageProcessor#setPixels(int,
 * FloatProcessor)}); the intensity mapping and the quantisation run in libtorch.
 */
public final class PlaneTensors {

	private PlaneTensors() {}

	/** {@code plane} → [1, modelChannels, H, W] in [−1, 1], owned by {@code manager}. */
	public static NDArray toModel(ImageProcessor plane, IntensityMapping mapping, int modelChannels, NDManager manager) {
		int colours = plane.getNChannels();
		if (colours == 3 && modelChannels != 3) {
			throw new IllegalArgumentException("an RGB image needs a model with 3 channels; this model has " + modelChannels);
		}
		if (modelChannels < 1) throw new IllegalArgumentException("a model needs at least 1 channel, got " + modelChannels);
		Shape one = new Shape(1, 1, plane.getHeight(), plane.getWidth());
		NDList channels = new NDList(colours);
		for (int c = 0; c < colours; c++) {
			channels.add(manager.create((float[]) plane.toFloat(c, null).getPixels(), one));
		}
		NDArray raw = colours == 1 ? channels.singletonOrThrow() : NDArrays.concat(channels, 1);
		NDArray model = mapping.toModel(raw);
		return colours == 1 && modelChannels > 1 ? model.repeat(1, modelChannels) : model;
	}

	/**
	 * A model tensor [1, C, H', W'] → a new plane of the same type as {@code like} (for RGB, C must be 3),
	 * in the image's own range.
	 */
	public static ImageProcessor toPlane(NDArray model, IntensityMapping mapping, ImageProcessor like) {
		return fromRaw(toRaw(model, mapping, like.getNChannels()), like);
	}

	/** The libtorch half of {@link #toPlane}: [1, C, H', W'] → pixel values [colours, H', W']. */
	static NDArray toRaw(NDArray model, IntensityMapping mapping, int colours) {
		Shape s = model.getShape();
		if (s.dimension() != 4 || s.get(0) != 1 || (colours == 3 && s.get(1) != 3)) {
			throw new IllegalStateException("expected a model tensor [1, " + (colours == 3 ? "3" : "C")
				+ ", H, W], got " + s);
		}
		NDArray channels = colours == 3 ? model : model.mean(new int[] {1}, true);
		return mapping.toRaw(channels.squeeze(0));
	}

	/** Pixel values [colours, H, W], already rounded and clipped to the type → a new plane like {@code like}. */
	static ImageProcessor fromRaw(NDArray raw, ImageProcessor like) {
		int colours = (int) raw.getShape().get(0);
		int h = (int) raw.getShape().get(1);
		int w = (int) raw.getShape().get(2);
		float[] values = raw.toFloatArray();
		ImageProcessor out = like.createProcessor(w, h);
		int n = w * h;
		for (int c = 0; c < colours; c++) {
			float[] channel = colours == 1 ? values : java.util.Arrays.copyOfRange(values, c * n, (c + 1) * n);
			out.setPixels(c, new FloatProcessor(w, h, channel));
		}
		return out;
	}
}
