package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A sampler: from the starting noise x_T to a sample, by repeated calls of the denoiser. Samplers know nothing of
 * models; each converts the model's output to what its update needs, given what the model predicts.
 */
public interface Sampler {

	/**
	 * @param model            the model's raw output for (x, t), conditioning and guidance folded in
	 * @param parameterization what that output is (noise or clean sample)
	 * @param xT               the starting noise (not closed)
	 * @param blend            latent mask blending, or null
	 * @param callback         told after every step; returning false stops the run ({@link java.util.concurrent.CancellationException})
	 * @return the final sample, attached to {@code owner}
	 */
	NDArray sample(NDManager owner, Denoiser model, Parameterization parameterization, NDArray xT, MaskBlend blend,
		StepCallback callback);

	/** How many model timesteps the run visits (each is one or more denoiser calls). */
	int steps();
}
