package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * What a sampler sees of a model: x_t and the timestep t (the same for the whole batch) → the model's
 * prediction, with conditioning and guidance already folded in. Tiling, guidance and parameterisation
 * changes are denoisers wrapping denoisers.
 */
@FunctionalInterface
public interface Denoiser {
	NDArray predict(NDArray x, int t);
}
