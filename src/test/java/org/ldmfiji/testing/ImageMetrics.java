package org.ldmfiji.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.ldmfiji.evaluate.ImageQuality;

import java.util.Collection;

/** Image comparisons for tests, on NCHW tensors. */
public final class ImageMetrics {

	private ImageMetrics() {}

	/** Peak signal-to-noise ratio in dB of {@code a} against {@code b}, for values whose range is {@code peak}. */
	public static double psnr(NDArray a, NDArray b, double peak) {
		return ImageQuality.psnr(a, b, peak);
	}

	/**
	 * Mean absolute difference between row {@code y} and row {@code y - 1} (the gradient across the line between them,
	 * averaged over batch, channels and columns).
	 */
	public static double rowGradient(NDArray image, long y) {
		return image.get(new NDIndex(":, :, {}", y)).sub(image.get(new NDIndex(":, :, {}", y - 1))).abs().mean().getFloat();
	}

	/** As {@link #rowGradient}, between column {@code x} and column {@code x - 1}. */
	public static double columnGradient(NDArray image, long x) {
		return image.get(new NDIndex(":, :, :, {}", x)).sub(image.get(new NDIndex(":, :, :, {}", x - 1))).abs().mean().getFloat();
	}

	/**
	 * How much stronger the gradient is across the given lines than across their neighbours: the mean gradient across
	 * each line (between pixel {@code p - 1} and {@code p}) over the mean across the lines {@code distance} pixels
	 * either side (whichever lie in the image). 1 = no seam.
	 *
	 * @param rows    lines between rows (y of the row below each line)
	 * @param columns lines between columns (x of the column right of each line)
	 */
	public static double seamRatio(NDArray image, Collection<Long> rows, Collection<Long> columns, int distance) {
		long h = image.getShape().get(2);
		long w = image.getShape().get(3);
		double on = 0, beside = 0;
		int nOn = 0, nBeside = 0;
		for (long y : rows) {
			on += rowGradient(image, y);
			nOn++;
			for (long n : new long[] {y - distance, y + distance}) {
				if (n >= 1 && n < h) {
					beside += rowGradient(image, n);
					nBeside++;
				}
			}
		}
		for (long x : columns) {
			on += columnGradient(image, x);
			nOn++;
			for (long n : new long[] {x - distance, x + distance}) {
				if (n >= 1 && n < w) {
					beside += columnGradient(image, n);
					nBeside++;
				}
			}
		}
		if (nOn == 0 || nBeside == 0) throw new IllegalArgumentException("no lines to compare");
		return (on / nOn) / (beside / nBeside);
	}
}
