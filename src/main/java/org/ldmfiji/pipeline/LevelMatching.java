package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * Gives an inpainted fill the brightness of the pixels around it. A trained model's fill can drift in level: the
 * fluo-inpaint model's fills came out 0.02–0.04 (of the full range) darker than the truth on held-out images, and its
 * decoding of the kept pixels about 0.01 darker than they are. The difference between the image and the model's own
 * decoding of the kept pixels is averaged over a window of {@value #WINDOW} pixels, over kept pixels only (so that their
 * camera noise averages out), and carried into the hole as the harmonic function that meets it at the hole's border:
 * seamless cloning (Pérez et al., SIGGRAPH 2003) with a denoised boundary. Only the fill's slowest variations change;
 * the pixels outside the hole are left to the composite.
 */
public final class LevelMatching {

	/** Side of the averaging window in pixels (odd, so that it is centred); 15 measured better than 31 on fluo-inpaint. */
	static final int WINDOW = 15;

	private LevelMatching() {}

	/**
	 * @param generated01 the model's decoded images in [0, 1], [B, C, H, W]
	 * @param image01     the images as given in [0, 1], [B, C, H, W]
	 * @param hole        1 = fill, [B, 1, H, W] (binary)
	 * @return {@code generated01} with the level correction added inside the hole, clipped to [0, 1], attached to its
	 *         manager; a hole with no kept pixel around it gets no correction
	 */
	public static NDArray apply(NDArray generated01, NDArray image01, NDArray hole) {
		Shape s = generated01.getShape();
		if (!image01.getShape().equals(s)) throw new IllegalArgumentException("the image " + image01.getShape() + " and the fill " + s + " differ in shape");
		// the harmonic fill reads only the kept pixels next to the hole, whose averages read WINDOW / 2 further: the rest
		// of the image cannot change the correction, so a small hole in a large image costs what its surroundings cost
		NDArray binary = hole.gt(0.5f).toType(DataType.FLOAT32, false);
		long[] box = around(binary, 1 + WINDOW / 2);
		if (box == null) return generated01.duplicate();
		NDIndex crop = new NDIndex(":, :, {}:{}, {}:{}", box[0], box[1], box[2], box[3]);
		NDArray h = binary.get(crop);
		NDArray keep = h.neg().add(1f);
		NDArray difference = image01.get(crop).sub(generated01.get(crop)).mul(keep);
		Shape window = new Shape(WINDOW, WINDOW), one = new Shape(1, 1), pad = new Shape(WINDOW / 2, WINDOW / 2);
		NDArray sums = Pool.avgPool2d(difference, window, one, pad, false, true);
		NDArray share = Pool.avgPool2d(keep, window, one, pad, false, true);
		// a kept pixel's window always holds the pixel itself, so its share is never 0; a hole pixel's value is not read
		NDArray local = sums.div(share.maximum(1e-6f));
		NDArray correction = HarmonicFill.fill(local, h).mul(h);
		NDArray full = generated01.zerosLike();
		full.set(crop, correction);
		return generated01.add(full).clip(0f, 1f);
	}

	/**
	 * The rows and columns {from, to, from, to} of the box around every hole pixel (1) of the batch, widened by
	 * {@code margin} and cut at the image's edges; null if there is no hole.
	 */
	private static long[] around(NDArray binaryHole, int margin) {
		Shape s = binaryHole.getShape();
		float[] rows = binaryHole.sum(new int[] {0, 1, 3}).toFloatArray();
		float[] cols = binaryHole.sum(new int[] {0, 1, 2}).toFloatArray();
		int top = first(rows), left = first(cols);
		if (top < 0) return null;
		int bottom = last(rows), right = last(cols);
		return new long[] {Math.max(0, top - margin), Math.min(s.get(2), bottom + 1L + margin), Math.max(0, left - margin),
			Math.min(s.get(3), right + 1L + margin)};
	}

	private static int first(float[] a) {
		for (int i = 0; i < a.length; i++) if (a[i] > 0) return i;
		return -1;
	}

	private static int last(float[] a) {
		for (int i = a.length - 1; i >= 0; i--) if (a[i] > 0) return i;
		return -1;
	}
}
