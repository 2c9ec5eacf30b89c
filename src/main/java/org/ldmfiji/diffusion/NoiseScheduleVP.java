package org.ldmfiji.diffusion;

import java.util.Arrays;

/**
 * A discrete-time model's schedule read as a continuous-time VP process, as DPM-Solver's {@code NoiseScheduleVP}
 * ({@code schedule='discrete'}) defines it: the discrete step n sits at time t_n = (n + 1)/N, log α_t is
 * interpolated linearly between those points (and extended along the outermost segments beyond them), and
 * q(x_t | x_0) = N(α_t x_0, σ_t² I) with σ_t = √(1 − α_t²) and half-log-SNR λ_t = log α_t − log σ_t.
 * All in double precision.
 */
public final class NoiseScheduleVP {

	/** Trailing steps whose λ lies below this are dropped (DPM-Solver's clip for schedules such as cosine). */
	static final double CLIPPED_LAMBDA = -5.1;

	/** log α at the discrete steps kept, ascending in time. */
	private final double[] logAlpha;

	/**
	 * @param schedule the model's schedule; log α_n = ½·log ᾱ_n is taken from the float32 {@code alphas_cumprod}
	 *                 buffer, the tensor the reference hands to the solver
	 */
	public NoiseScheduleVP(Schedule schedule) {
		float[] ac = schedule.alphasCumprodF32();
		double[] all = new double[ac.length];
		for (int n = 0; n < ac.length; n++) all[n] = 0.5 * Math.log(ac[n]);
		int kept = all.length;
		while (kept > 0 && lambdaOf(all[kept - 1]) < CLIPPED_LAMBDA) kept--;
		if (kept < 2) throw new IllegalArgumentException("the schedule's noise level stays too high to solve its ODE");
		this.logAlpha = Arrays.copyOf(all, kept);
	}

	/** N: the number of discrete steps the continuous time spans (fewer than the schedule's when clipped). */
	public int totalN() {
		return logAlpha.length;
	}

	/** The time the solver ends at, 1/N (discrete step 0); it starts at T = 1. */
	public double tEnd() {
		return 1.0 / logAlpha.length;
	}

	/** The label the network sees at time t: {@code (t − 1/N)·1000}, fractional between discrete steps. */
	public double modelTime(double t) {
		return (t - tEnd()) * 1000.0;
	}

	/** log α_t, piecewise linear in t through (t_n, log α_n). */
	public double logAlpha(double t) {
		int n = logAlpha.length;
		double pos = t * n - 1; // fractional index: t_k = (k + 1)/N
		int k = (int) Math.floor(pos);
		k = Math.max(0, Math.min(n - 2, k)); // the outermost segments extend beyond the ends
		double t0 = (k + 1.0) / n;
		double t1 = (k + 2.0) / n;
		return logAlpha[k] + (t - t0) * (logAlpha[k + 1] - logAlpha[k]) / (t1 - t0);
	}

	public double alpha(double t) {
		return Math.exp(logAlpha(t));
	}

	public double sigma(double t) {
		return Math.sqrt(-Math.expm1(2 * logAlpha(t)));
	}

	/** λ_t = log α_t − log σ_t. */
	public double lambda(double t) {
		return lambdaOf(logAlpha(t));
	}

	private static double lambdaOf(double logAlpha) {
		return logAlpha - 0.5 * Math.log(-Math.expm1(2 * logAlpha));
	}

	/** DPM-Solver's {@code time_uniform} grid: steps + 1 times from 1 down to 1/N, spaced evenly (torch.linspace). */
	public double[] timeUniform(int steps) {
		return Schedule.linspace(1.0, tEnd(), steps + 1);
	}
}
