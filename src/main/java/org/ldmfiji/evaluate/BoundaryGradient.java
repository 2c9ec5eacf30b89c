package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Whether a fill's border shows: the mean absolute step across the hole's border (between a hole pixel and its kept
 * neighbour) over the mean step between that kept pixel and the next kept pixel further out, in the same direction.
 * Both means run over the same border positions, in all four directions. 1 means the border is as smooth as the
 * image next to it; a visible seam gives more, a fill that flattens the border less.
 */
public final class BoundaryGradient {

	private BoundaryGradient() {}

	/**
	 * @param image [B, C, H, W]
	 * @param hole  [B, 1, H, W], 1 = filled
	 * @return {step across the border, step beside it, their ratio}; NaN if the hole has no border with two kept
	 *         pixels beyond it
	 */
	public static double[] ratio(NDArray image, NDArray hole) {
		NDArray x = image.toType(DataType.FLOAT64, false);
		NDArray m = hole.gt(0.5f).toType(DataType.FLOAT64, false).broadcast(image.getShape());
		double across = 0, beside = 0, count = 0;
		for (int axis = 2; axis <= 3; axis++) {
			long n = x.getShape().get(axis);
			for (boolean forward : new boolean[] {true, false}) {
				// p in the hole, q = p + d and r = p + 2d kept
				NDIndex p = slice(axis, forward ? 0 : 2, n - (forward ? 2 : 0));
				NDIndex q = slice(axis, 1, n - 1);
				NDIndex r = slice(axis, forward ? 2 : 0, n - (forward ? 0 : 2));
				NDArray where = m.get(p).mul(m.get(q).neg().add(1)).mul(m.get(r).neg().add(1));
				across += x.get(p).sub(x.get(q)).abs().mul(where).sum().getDouble();
				beside += x.get(q).sub(x.get(r)).abs().mul(where).sum().getDouble();
				count += where.sum().getDouble();
			}
		}
		if (count == 0) return new double[] {Double.NaN, Double.NaN, Double.NaN};
		return new double[] {across / count, beside / count, across / beside};
	}

	private static NDIndex slice(int axis, long from, long to) {
		return axis == 2 ? new NDIndex(":, :, {}:{}, :", from, to) : new NDIndex(":, :, :, {}:{}", from, to);
	}
}
