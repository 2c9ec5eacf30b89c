package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

import java.util.SplittableRandom;

/**
 * The plainest degradation: each low-resolution pixel is the mean of its factor × factor block (area downsampling),
 * without blur or noise. A stand-in until the full degradation pipeline (PSF blur, Poisson–Gaussian noise) is wired in.
 */
public final class AreaDownsampling implements Degradation {

	@Override
	public NDArray lowRes(NDArray highRes01, int factor, SplittableRandom random) {
		Shape k = new Shape(factor, factor);
		return Pool.avgPool2d(highRes01, k, k, new Shape(0, 0), false, true);
	}
}
