package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/**
 * Keeps a super-resolved image's local mean intensity equal to its input's: super-resolution redistributes the light
 * of each low-resolution pixel over its {@code f × f} pixels, it should not add or remove any. The difference between
 * the input and the result area-downsampled is averaged over a window of {@value #WINDOW} low-resolution pixels, which
 * leaves the input's camera noise out (it averages to a thousandth of itself and less), and added back, each
 * low-resolution pixel's share to its {@code f × f} pixels. Only the image's slowest variations change: a trained
 * model drifted in brightness by up to 0.02 (of the full range) on some held-out images, which this removes.
 */
public final class MeanPreservation {

	/** Side of the averaging window in low-resolution pixels (odd, so that it is centred): a tile of 128 pixels at 4×. */
	static final int WINDOW = 31;

	private MeanPreservation() {}

	/**
	 * The mean over the window around each pixel, the padding counted as zeros: DJL 0.36's libtorch average pooling
	 * ignores its count_include_pad flag, so the mean over the image's own pixels is this divided by the same of ones.
	 */
	private static NDArray windowMean(NDArray x) {
		return Pool.avgPool2d(x, new Shape(WINDOW, WINDOW), new Shape(1, 1), new Shape(WINDOW / 2, WINDOW / 2), false, true);
	}

	/**
	 * @param result  the super-resolved images in [0, 1], [B, C, h·f, w·f]
	 * @param input   the low-resolution images in [0, 1], [B, C, h, w]
	 * @return the corrected images in [0, 1], attached to {@code result}'s manager
	 */
	public static NDArray apply(NDArray result, NDArray input, int factor) {
		Shape r = result.getShape(), in = input.getShape();
		if (r.get(2) != in.get(2) * factor || r.get(3) != in.get(3) * factor || r.get(1) != in.get(1))
			throw new IllegalArgumentException("a result of " + r + " is no " + factor + "x enlargement of " + in);
		try (NDArray down = Pool.avgPool2d(result, new Shape(factor, factor), new Shape(factor, factor), new Shape(0, 0), false, true);
			NDArray difference = input.sub(down);
			NDArray sums = windowMean(difference);
			NDArray ones = difference.onesLike();
			NDArray share = windowMean(ones);
			NDArray local = sums.div(share);
			NDArray spread = local.repeat(2, factor).repeat(3, factor);
			NDArray corrected = result.add(spread)) {
			return corrected.clip(0f, 1f);
		}
	}
}
