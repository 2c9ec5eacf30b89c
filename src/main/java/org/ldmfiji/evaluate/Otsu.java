package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Otsu's threshold: the one that maximises the between-class variance of a 256-bin histogram over the values'
 * range, and the foreground (values above it) it segments.
 */
public final class Otsu {

	static final int BINS = 256;

	private Otsu() {}

	/** The threshold of {@code values} (any shape): a value above it is foreground. */
	public static double threshold(NDArray values) {
		float[] v = values.toType(DataType.FLOAT32, false).toFloatArray();
		float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
		for (float x : v) {
			min = Math.min(min, x);
			max = Math.max(max, x);
		}
		if (!(max > min)) return max;
		long[] counts = new long[BINS];
		double width = (max - (double) min) / BINS;
		for (float x : v) counts[(int) Math.min(BINS - 1, (x - min) / width)]++;
		double total = v.length, sumAll = 0;
		for (int b = 0; b < BINS; b++) sumAll += b * (double) counts[b];
		double below = 0, sumBelow = 0, best = -1;
		int bestBin = 0;
		for (int b = 0; b < BINS - 1; b++) {
			below += counts[b];
			sumBelow += b * (double) counts[b];
			double above = total - below;
			if (below == 0 || above == 0) continue;
			double m0 = sumBelow / below, m1 = (sumAll - sumBelow) / above;
			double between = below * above * (m0 - m1) * (m0 - m1);
			if (between > best) {
				best = between;
				bestBin = b;
			}
		}
		return min + (bestBin + 1) * width;
	}

	/** 1 where {@code values} lie at or above Otsu's threshold, else 0 (float32, same shape). */
	public static NDArray foreground(NDArray values) {
		return values.gte((float) threshold(values)).toType(DataType.FLOAT32, false);
	}

	/** Intersection over union of two binary masks (nonzero = in); 1 if both are empty. */
	public static double iou(NDArray a, NDArray b) {
		NDArray x = a.toType(DataType.FLOAT32, false).neq(0), y = b.toType(DataType.FLOAT32, false).neq(0);
		double union = x.logicalOr(y).toType(DataType.FLOAT64, false).sum().getDouble();
		if (union == 0) return 1;
		return x.logicalAnd(y).toType(DataType.FLOAT64, false).sum().getDouble() / union;
	}
}
