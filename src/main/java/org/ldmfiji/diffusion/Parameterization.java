package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;

/** What the denoiser predicts: the noise (eps) or the clean sample (x0). */
public enum Parameterization {
	EPS, X0;

	public static Parameterization of(String name) {
		switch (name) {
			case "eps":
				return EPS;
			case "x0":
				return X0;
			default:
				throw new IllegalArgumentException("parameterization '" + name + "' is not supported yet (eps, x0)");
		}
	}

	/**
	 * A denoiser that predicts eps. The reference's DDIM and PLMS samplers read every model output as eps;
	 * for an x0 model this converts, eps = (x_t − √ᾱ_t·x0) / √(1 − ᾱ_t), so those samplers stay correct.
	 * Only for the discrete schedule's integer timesteps.
	 */
	public Denoiser asEps(Denoiser d, Schedule s) {
		if (this == EPS) return d;
		return (x, t) -> {
			NDArray x0 = d.predict(x, t);
			int step = Schedule.discreteStep(t);
			return x.sub(x0.mul(s.sqrtAlphaCumprodF32(step))).div(s.sqrtOneMinusAlphaCumprodF32(step));
		};
	}
}
