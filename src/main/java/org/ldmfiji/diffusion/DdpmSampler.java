package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;


/**
 * Ancestral sampling over every timestep, the reference's {@code p_sample_loop}: x̂0 from the model,
 * the posterior mean and clipped log-variance, fresh noise except at t = 0. Mask blending here comes
 * after each step, as in the reference.
 */
public final class DdpmSampler implements Sampler {

	private final Schedule schedule;
	private final double vPosterior;
	private final int steps;

	/** @param steps how many of the last timesteps to run (the reference's start_T); all of them when ≥ T */
	public DdpmSampler(Schedule schedule, double vPosterior, int steps) {
		if (steps < 1) throw new IllegalArgumentException("steps must be at least 1, not " + steps);
		this.schedule = schedule;
		this.vPosterior = vPosterior;
		this.steps = Math.min(steps, schedule.timesteps());
	}

	@Override
	public int steps() {
		return steps;
	}

	@Override
	public NDArray sample(NDManager owner, Denoiser model, Parameterization parameterization, NDArray xT, MaskBlend blend,
		StepCallback callback) {
		return SamplingLoop.run(owner, xT, steps, i -> steps - 1 - i, (x, i) -> {
			int t = steps - 1 - i;
			SamplerStep r = step(x, model.predict(x, t), parameterization, t);
			return new NDList(blend == null ? r.xPrev : blend.apply(r.xPrev, t), r.predX0);
		}, callback, SamplingLoop::discard);
	}

	private SamplerStep step(NDArray x, NDArray modelOut, Parameterization parameterization, int t) {
		double ac = schedule.alphaCumprod(t);
		double acPrev = schedule.alphaCumprodPrev(t);
		double beta = schedule.beta(t);
		NDArray x0 = parameterization == Parameterization.X0 ? modelOut
			: x.mul((float) Math.sqrt(1.0 / ac)).sub(modelOut.mul((float) Math.sqrt(1.0 / ac - 1)));
		float coef1 = (float) (beta * Math.sqrt(acPrev) / (1.0 - ac));
		float coef2 = (float) ((1.0 - acPrev) * Math.sqrt(1.0 - beta) / (1.0 - ac));
		double variance = (1 - vPosterior) * beta * (1.0 - acPrev) / (1.0 - ac) + vPosterior * beta;
		float logVariance = (float) Math.log(Math.max(variance, 1e-20));
		NDArray mean = x0.mul(coef1).add(x.mul(coef2));
		NDArray noise = x.getManager().randomNormal(x.getShape());
		float std = t == 0 ? 0f : (float) Math.exp(0.5f * logVariance);
		return new SamplerStep(mean.add(noise.mul(std)), x0);
	}
}
