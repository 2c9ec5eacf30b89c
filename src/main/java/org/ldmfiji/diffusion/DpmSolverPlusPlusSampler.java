package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * DPM-Solver++(2M) (Lu et al. 2022), as the official {@code dpm_solver_pytorch.py} runs it with
 * {@code algorithm_type="dpmsolver++"}, {@code method="multistep"}, {@code order=2}, {@code skip_type="time_uniform"}
 * and {@code lower_order_final=True}: the probability-flow ODE solved in the data prediction
 * x̂0 = (x_t − σ_t ε)/α_t, over {@link NoiseScheduleVP}'s continuous time from 1 to 1/N in evenly spaced steps.
 * The first update is first order (it is DDIM); every later one also uses the previous step's x̂0,
 * <pre>
 *   x_t = (σ_t/σ_s)·x_s − α_t(e^{−h} − 1)·x̂0_s − ½·α_t(e^{−h} − 1)·(x̂0_s − x̂0_r)/r,   h = λ_t − λ_s, r = (λ_s − λ_r)/h
 * </pre>
 * except that under 10 steps the last update is first order again. One model evaluation a step; deterministic.
 * <p>
 * Mask blending noises the known latent to the marginal q(x_t | x_0) = N(α_t x_0, σ_t²) at the continuous time of
 * each model evaluation and blends before it, as the reference's DDIM does at its discrete timesteps (so, as there,
 * not after the last update). It is the official solver's {@code correcting_xt_fn} hook minus its final call.
 */
public final class DpmSolverPlusPlusSampler implements Sampler {

	private final int steps;
	/** At each model evaluation i (time t_i, i &lt; steps): the network's timestep label, α and σ. */
	private final double[] modelTimes;
	private final float[] alphas;
	private final float[] sigmas;
	/** Of the update from t_i to t_{i+1}: σ_{i+1}/σ_i, α_{i+1}(e^{−h} − 1), and 1/r (0 where the update is first order). */
	private final float[] sigmaRatios;
	private final float[] alphaPhis;
	private final float[] inverseRs;

	/** @param steps model evaluations, at least 2 (the official solver asserts steps ≥ order) */
	public DpmSolverPlusPlusSampler(NoiseScheduleVP schedule, int steps) {
		if (steps < 2) throw new IllegalArgumentException("the dpmpp2m sampler needs at least 2 steps, not " + steps);
		this.steps = steps;
		double[] t = schedule.timeUniform(steps);
		double[] lambda = new double[t.length];
		for (int i = 0; i < t.length; i++) lambda[i] = schedule.lambda(t[i]);
		modelTimes = new double[steps];
		alphas = new float[steps];
		sigmas = new float[steps];
		sigmaRatios = new float[steps];
		alphaPhis = new float[steps];
		inverseRs = new float[steps];
		for (int i = 0; i < steps; i++) {
			modelTimes[i] = schedule.modelTime(t[i]);
			alphas[i] = (float) schedule.alpha(t[i]);
			sigmas[i] = (float) schedule.sigma(t[i]);
			double h = lambda[i + 1] - lambda[i];
			sigmaRatios[i] = (float) (schedule.sigma(t[i + 1]) / schedule.sigma(t[i]));
			alphaPhis[i] = (float) (schedule.alpha(t[i + 1]) * Math.expm1(-h));
			boolean secondOrder = i > 0 && !(steps < 10 && i == steps - 1);
			inverseRs[i] = secondOrder ? (float) (h / (lambda[i] - lambda[i - 1])) : 0f;
		}
	}

	@Override
	public int steps() {
		return steps;
	}

	/** The timestep labels the network sees, one per step (999, 899.1, … for 10 steps over 1000). */
	public double[] modelTimes() {
		return modelTimes.clone();
	}

	@Override
	public NDArray sample(NDManager owner, Denoiser model, Parameterization parameterization, NDArray xT, MaskBlend blend,
		StepCallback callback) {
		NDArray[] previousX0 = new NDArray[1];
		try {
			return SamplingLoop.run(owner, xT, steps, i -> modelTimes[i], (x, i) -> {
				NDArray input = blend == null ? x : blend.apply(x, alphas[i], sigmas[i]);
				NDArray out = model.predict(input, modelTimes[i]);
				NDArray x0 = parameterization == Parameterization.X0 ? out : input.sub(out.mul(sigmas[i])).div(alphas[i]);
				NDArray next = input.mul(sigmaRatios[i]).sub(x0.mul(alphaPhis[i]));
				if (inverseRs[i] != 0f) {
					NDArray d1 = x0.sub(previousX0[0]).mul(inverseRs[i]);
					next = next.sub(d1.mul(0.5f * alphaPhis[i]));
				}
				return new NDList(next, x0, x0.duplicate());
			}, callback, rest -> {
				if (previousX0[0] != null) previousX0[0].close();
				previousX0[0] = rest.singletonOrThrow();
			});
		} finally {
			if (previousX0[0] != null) previousX0[0].close();
		}
	}
}
