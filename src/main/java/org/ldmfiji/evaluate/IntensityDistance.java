package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * How far apart two images' intensity histograms are: the Wasserstein-1 (earth mover's) distance between the two
 * distributions of pixel values, ∫|Fa − Fb| dx = ∫₀¹ |Qa(p) − Qb(p)| dp, in intensity units (0 = identical
 * histograms; for values in [0, 1] at most 1). Computed from the sorted values on {@value #QUANTILES} quantiles, so
 * images of different sizes compare.
 */
public final class IntensityDistance {

	static final int QUANTILES = 1000;

	private IntensityDistance() {}

	public static double wasserstein1(NDArray a, NDArray b) {
		return quantiles(a).sub(quantiles(b)).abs().mean().getDouble();
	}

	/** The values at the midpoints of {@value #QUANTILES} equal probability bins (nearest rank). */
	private static NDArray quantiles(NDArray values) {
		NDArray sorted = values.toType(DataType.FLOAT64, false).flatten().sort();
		long n = sorted.getShape().get(0);
		if (n == 0) throw new IllegalArgumentException("no values to compare");
		NDArray ranks = values.getManager().arange(QUANTILES).toType(DataType.FLOAT64, false).add(0.5).mul((double) n / QUANTILES)
			.floor().toType(DataType.INT64, false);
		return sorted.get(ranks);
	}
}
