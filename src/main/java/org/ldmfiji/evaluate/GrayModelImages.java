package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ij.process.FloatProcessor;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.train.data.LabelledImage;

/**
 * Grayscale held-out images to and from a model's channels, as the plugin feeds a grayscale plane to a model: the
 * plane repeated over the model's channels on the way in, their mean on the way out.
 */
final class GrayModelImages {

	private GrayModelImages() {}

	/** [1, 1, H, W]. */
	static NDArray tensor(NDManager m, LabelledImage image) {
		return m.create(image.pixels, new Shape(1, 1, image.height, image.width));
	}

	static NDArray toModelChannels(LatentDiffusion model, NDArray gray) {
		return toModelChannels(model.config().firstStage.ddconfig.inChannels, gray);
	}

	static NDArray toModelChannels(int channels, NDArray gray) {
		return channels == 1 ? gray : gray.repeat(1, channels);
	}

	/** The mean over the channels, clipped to [0, 1] as the plugin shows it. */
	static NDArray fromModelChannels(NDArray images) {
		return images.mean(new int[] {1}, true).clip(0f, 1f);
	}

	/** One [1, 1, H, W] image as an ImageJ plane. */
	static FloatProcessor plane(NDArray gray) {
		Shape s = gray.getShape();
		return new FloatProcessor((int) s.get(3), (int) s.get(2), gray.toFloatArray());
	}

	/** Requires sides that are multiples of {@code multiple}, saying so in terms of the option that sets them. */
	static void requireMultiple(int width, int height, int multiple, String what) {
		if (width % multiple != 0 || height % multiple != 0) {
			throw new IllegalArgumentException(what + " must be a multiple of " + multiple + " for this model, not " + width + "x" + height);
		}
	}
}
