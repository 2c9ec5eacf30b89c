package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.ldmfiji.engine.Scoped;

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
		return fill(image, hole, TOLERANCE);
	}

	/**
	 * As {@link #fill(NDArray, NDArray)}, solved to the relative residual {@code tolerance} only: a model's input
	 * needs far less than the classical baseline, and each decade costs as many iterations as the last.
	 */
	public static NDArray fill(NDArray image, NDArray hole, double tolerance) {
		return Scoped.keep(image.getManager(), () -> {
			// Laplace's equation on the hole involves only the hole and the kept pixels touching it: solved on that
			// box alone, a small selection in a large image costs what the selection costs
			NDIndex box = neighbourhood(hole);
			if (box == null) return solve(image, hole, tolerance);
			NDArray out = image.duplicate();
			out.set(box, solve(image.get(box), hole.get(box), tolerance));
			return out;
		});
	}

	/** The bounding box of the hole's pixels grown by one pixel, within the image; null if that is the whole image. */
	private static NDIndex neighbourhood(NDArray hole) {
		NDArray inside = hole.gt(0.5f).toType(DataType.INT32, false);
		int[] rows = span(inside.sum(new int[] {0, 1, 3}).toType(DataType.INT32, false).toIntArray());
		int[] cols = span(inside.sum(new int[] {0, 1, 2}).toType(DataType.INT32, false).toIntArray());
		if (rows == null) return null; // no hole: the image as it is
		long h = hole.getShape().get(2), w = hole.getShape().get(3);
		long y0 = Math.max(0, rows[0] - 1), y1 = Math.min(h, rows[1] + 1);
		long x0 = Math.max(0, cols[0] - 1), x1 = Math.min(w, cols[1] + 1);
		if (y0 == 0 && x0 == 0 && y1 == h && x1 == w) return null;
		return new NDIndex(":, :, {}:{}, {}:{}", y0, y1, x0, x1);
	}

	/** {first, last + 1} of the nonzero counts, or null if all are zero. */
	private static int[] span(int[] counts) {
		int first = -1, last = -1;
		for (int i = 0; i < counts.length; i++) {
			if (counts[i] == 0) continue;
			if (first < 0) first = i;
			last = i;
		}
		return first < 0 ? null : new int[] {first, last + 1};
	}

	/** The fill on the whole of {@code image}, however small its hole (package-private: the tests compare it). */
	static NDArray solve(NDArray image, NDArray hole, double tolerance) {
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
		double stop = tolerance * tolerance * Math.max(rhs.square().sum().getDouble(), 1e-300);
		long limit = 10 * (s.get(2) + s.get(3)) + 100;
		for (long i = 0; i < limit && rr > stop; i++) {
			// each iteration frees its own intermediates and the iterates it replaces: hundreds of iterations on a
			// batch of images would otherwise hold gigabytes until the fill returns
			NDList next = step(u, r, p, rr, degree, mask);
			if (p != r) p.close();
			r.close();
			u.close();
			u = next.get(0);
			r = next.get(1);
			p = next.get(2);
			rr = next.get(3).getDouble();
			next.get(3).close();
		}
		return NDArrays.where(mask.gt(0.5), u.toType(image.getDataType(), false), image);
	}

	/** One conjugate-gradient step: the next {u, r, p} and r·r (a scalar array), everything else freed. */
	private static NDList step(NDArray u, NDArray r, NDArray p, double rr, NDArray degree, NDArray mask) {
		return Scoped.keepAll(u.getManager(), () -> {
			NDArray ap = apply(p, degree, mask);
			double alpha = rr / p.mul(ap).sum().getDouble();
			NDArray nextR = r.sub(ap.mul(alpha));
			NDArray nextRr = nextR.square().sum();
			NDArray nextP = nextR.add(p.mul(nextRr.getDouble() / rr));
			return new NDList(u.add(p.mul(alpha)), nextR, nextP, nextRr);
		});
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
