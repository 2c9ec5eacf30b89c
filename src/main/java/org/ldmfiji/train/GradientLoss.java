package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * The structure term of the autoencoder loss, standing where the reference has LPIPS (whose trained network is not
 * ours to ship): the mean absolute difference of the horizontal and vertical finite differences of input and
 * reconstruction, per sample. It penalises blurred edges and lost texture that L1 alone tolerates.
 */
final class GradientLoss {

	private static final NDIndex RIGHT = new NDIndex("..., 1:"), LEFT = new NDIndex("..., :-1");
	private static final NDIndex BELOW = new NDIndex("..., 1:, :"), ABOVE = new NDIndex("..., :-1, :");

	private GradientLoss() {}

	/** @return [B, 1, 1, 1], to be added to every pixel's reconstruction loss as the reference adds LPIPS */
	static NDArray perSample(NDArray x, NDArray reconstruction) {
		NDArray dx = difference(x, RIGHT, LEFT).sub(difference(reconstruction, RIGHT, LEFT)).abs();
		NDArray dy = difference(x, BELOW, ABOVE).sub(difference(reconstruction, BELOW, ABOVE)).abs();
		return meanPerSample(dx).add(meanPerSample(dy));
	}

	/** DJL's mean takes one axis only: the sum over the others, divided by their size. */
	private static NDArray meanPerSample(NDArray a) {
		return a.sum(new int[] {1, 2, 3}, true).div(a.size() / a.getShape().get(0));
	}

	private static NDArray difference(NDArray a, NDIndex next, NDIndex previous) {
		return a.get(next).sub(a.get(previous));
	}
}
