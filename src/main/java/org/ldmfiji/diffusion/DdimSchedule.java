package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The DDIM sub-sequence of timesteps and its constants, as the reference's {@code make_ddim_timesteps}
 * and {@code make_ddim_sampling_parameters} compute them, and the DDIM update both DDIM and PLMS apply.
 * Timesteps carry the reference's +1 offset; the first "previous alpha" is ᾱ[0], not 1.
 */
public final class DdimSchedule {

	/** How the sub-sequence is spaced: {@code uniform} (every c-th step) or {@code quad} (quadratic). */
	public enum Discretization { UNIFORM, QUAD }

	private final Schedule base;
	private final int[] timesteps;
	private final float[] alphas;
	private final float[] alphasPrev;
	private final float[] sigmas;
	private final float[] sqrtOneMinusAlphas;

	public DdimSchedule(Schedule schedule, int steps, double eta, Discretization discretization) {
		if (steps < 1 || steps > schedule.timesteps()) {
			throw new IllegalArgumentException("steps must lie in 1.." + schedule.timesteps() + ", not " + steps);
		}
		if (eta < 0) throw new IllegalArgumentException("eta must not be negative, not " + eta);
		this.base = schedule;
		this.timesteps = timesteps(discretization, steps, schedule.timesteps());
		float[] ac = schedule.alphasCumprodF32();
		int n = timesteps.length;
		alphas = new float[n];
		alphasPrev = new float[n];
		sigmas = new float[n];
		sqrtOneMinusAlphas = new float[n];
		for (int i = 0; i < n; i++) {
			if (timesteps[i] >= ac.length) {
				throw new IllegalArgumentException(steps + " " + discretization + " steps reach past the schedule's end");
			}
			alphas[i] = ac[timesteps[i]];
			alphasPrev[i] = i == 0 ? ac[0] : ac[timesteps[i - 1]];
			double a = alphas[i];
			double ap = alphasPrev[i];
			sigmas[i] = (float) (eta * Math.sqrt((1 - ap) / (1 - a) * (1 - a / ap)));
			sqrtOneMinusAlphas[i] = (float) Math.sqrt(1f - alphas[i]);
		}
	}

	static int[] timesteps(Discretization d, int steps, int total) {
		List<Integer> ts = new ArrayList<>();
		if (d == Discretization.UNIFORM) {
			// range(0, T, T // S) + 1, as the reference: it may give more than S steps (S = 30 gives 31). Where
			// T - 1 is a multiple of the stride the reference's last step is T and it fails; that one step is left out.
			int c = total / steps;
			for (int t = 0; t < total; t += c) {
				if (t + 1 < total) ts.add(t + 1);
			}
		} else {
			double end = Math.sqrt(total * 0.8);
			double[] v = Schedule.linspace(0, end, steps);
			for (double x : v) ts.add((int) (x * x) + 1);
		}
		return ts.stream().mapToInt(Integer::intValue).toArray();
	}

	/** The model's full schedule this sub-sequence is taken from. */
	public Schedule base() {
		return base;
	}

	public int size() {
		return timesteps.length;
	}

	/** The model timesteps, ascending. */
	public int[] timesteps() {
		return timesteps.clone();
	}

	public int timestep(int index) {
		return timesteps[index];
	}

	public float alpha(int index) {
		return alphas[index];
	}

	public float alphaPrev(int index) {
		return alphasPrev[index];
	}

	public float sigma(int index) {
		return sigmas[index];
	}

	/**
	 * One DDIM update from x at sub-step {@code index} with noise prediction e.
	 * Noise is drawn even when σ = 0, as the reference does, so seeded runs stay on the same random stream.
	 */
	SamplerStep step(NDArray x, NDArray e, int index) {
		float aT = alphas[index];
		float aPrev = alphasPrev[index];
		float sigma = sigmas[index];
		NDArray predX0 = x.sub(e.mul(sqrtOneMinusAlphas[index])).div((float) Math.sqrt(aT));
		NDArray dir = e.mul((float) Math.sqrt(1f - aPrev - sigma * sigma));
		NDArray noise = x.getManager().randomNormal(x.getShape()).mul(sigma);
		NDArray xPrev = predX0.mul((float) Math.sqrt(aPrev)).add(dir).add(noise);
		return new SamplerStep(xPrev, predX0);
	}
}
