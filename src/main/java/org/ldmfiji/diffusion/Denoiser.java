package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * What a sampler sees of a model: x_t and the model timestep t (the same for the whole batch) → the model's
 * prediction, with conditioning and guidance already folded in. Tiling, guidance and parameterisation
 * changes are denoisers wrapping denoisers.
 * <p>
 * t is the label the network's timestep embedding sees: an integer for the discrete samplers, a fraction for
 * solvers of the continuous-time ODE (DPM-Solver++ visits 999, 899.1, ...). Integers are exact in a double, so
 * the discrete samplers hand the network the same values as before.
 */
@FunctionalInterface
public interface Denoiser {
	NDArray predict(NDArray x, double t);
}
