package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;

import java.util.Collection;

/**
 * torch's {@code clip_grad_norm_}: when the global L2 norm of all gradients exceeds the limit, every gradient is
 * scaled by {@code limit / (norm + 1e-6)}. DJL's optimisers only clamp each element from above ({@code optClipGrad}),
 * which is neither symmetric nor a norm, so the norm is taken here and the gradients rescaled in place.
 */
final class GradientClipping {

	private GradientClipping() {}

	/** @return the global norm before clipping (what torch returns, and what the progress shows) */
	static float clip(Collection<NDArray> gradients, double maxNorm) {
		NDArray total = null;
		for (NDArray g : gradients) {
			NDArray sq = g.square().sum();
			total = total == null ? sq : total.add(sq);
		}
		if (total == null) return 0f;
		float norm = (float) Math.sqrt(total.getFloat());
		if (maxNorm > 0 && norm > maxNorm) {
			float scale = (float) (maxNorm / (norm + 1e-6));
			for (NDArray g : gradients) g.muli(scale);
		}
		return norm;
	}
}
