package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;

/** Called after every sampling step; returning false stops the run before the next step. */
@FunctionalInterface
public interface StepCallback {

	StepCallback NONE = (step, total, t, x, predictedX0) -> true;

	/**
	 * @param step        0-based index of the step just done
	 * @param total       number of steps of the run
	 * @param t           the model timestep of that step (fractional for DPM-Solver++)
	 * @param x           the new sample (valid only during the call)
	 * @param predictedX0 the step's estimate of the clean latent, or null (valid only during the call)
	 */
	boolean onStep(int step, int total, double t, NDArray x, NDArray predictedX0);
}
