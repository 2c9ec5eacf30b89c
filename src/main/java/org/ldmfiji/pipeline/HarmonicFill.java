package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * Fills a hole with the harmonic function (the solution of Laplace's equation, every hole pixel the mean of its four
 * neighbours) that meets the kept pixels at the hole's border: the classical inpainting baseline {@code evaluate}
 * measures against, and the smoothest way to carry a correction from the border into a fill ({@link LevelMatching}). Image edges
 * are free (a neighbour outside the image does not count). Solved by conjugate gradients on the hole's pixels,
 * in float64 on libtorch, to a relative residual of 1e-10.
 */
public final class HarmonicFill {

	private static final double TOLERANCE = 1e-10;

	private HarmonicFill() {}

	/**
	 * @param image [B, C, H, W]
	 * @param hole  [B, 1, H, W], 1 = fill
	 * @return the image with the hole filled, in the image's type; kept pixels exactly as they were
	 */
	public static NDArray fill(NDArray image, NDArray hole) {
		Shape s = image.getShape();
		NDArray mask = hole.gt(0.5f).toType(DataType.FLOAT64, false).broadcast(s);
		NDArray keep = mask.neg().add(1);
		NDArray x0 = image.toType(DataType.FLOAT64, false).mul(keep);
		NDArray degree = neighbours(image.getManager().ones(s, DataType.FLOAT64));
		// A u = (degree·u − Σ neighbours u) on the hole; the kept neighbours move to the right-hand side
		NDArray rhs = neighbours(x0).mul(mask);
		NDArray u = rhs.div(degree); // a start: each hole pixel the mean of its kept neighbours
		NDArray r = rhs.sub(apply(u, degree, mask));
		NDArray p = r;
		double rr = r.square().sum().getDouble();
		double stop = TOLERANCE * TOLERANCE * Math.max(rhs.square().sum().getDouble(), 1e-300);
		long limit = 10 * (s.get(2) + s.get(3)) + 100;
		for (long i = 0; i < limit && rr > stop; i++) {
			NDArray ap = apply(p, degree, mask);
			double alpha = rr / p.mul(ap).sum().getDouble();
			u = u.add(p.mul(alpha));
			r = r.sub(ap.mul(alpha));
			double next = r.square().sum().getDouble();
			p = r.add(p.mul(next / rr));
			rr = next;
		}
		return NDArrays.where(mask.gt(0.5), u.toType(image.getDataType(), false), image);
	}

	/** The Laplacian operator restricted to the hole. */
	private static NDArray apply(NDArray u, NDArray degree, NDArray mask) {
		NDArray inside = u.mul(mask);
		return degree.mul(inside).sub(neighbours(inside)).mul(mask);
	}

	/** The sum of each pixel's four neighbours (0 beyond the image). */
	private static NDArray neighbours(NDArray x) {
		long c = x.getShape().get(1);
		double[] cross = {0, 1, 0, 1, 0, 1, 0, 1, 0};
		NDArray kernel = x.getManager().create(cross, new Shape(1, 1, 3, 3)).repeat(0, c);
		Shape one = new Shape(1, 1);
		return Conv2d.conv2d(x, kernel, null, one, one, one, (int) c).singletonOrThrow();
	}
}
