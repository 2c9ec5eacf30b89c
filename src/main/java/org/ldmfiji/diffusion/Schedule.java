package org.ldmfiji.diffusion;

/**
 * The model's 1000-step noise schedule, computed in double precision exactly as the reference's
 * {@code make_beta_schedule} + {@code register_schedule} do; the {@code *F32} accessors return the
 * float32 buffers the reference registers and its samplers read.
 */
public final class Schedule {

	private final double[] betas;
	private final double[] alphasCumprod;

	private Schedule(double[] betas) {
		this.betas = betas;
		this.alphasCumprod = new double[betas.length];
		double p = 1.0;
		for (int i = 0; i < betas.length; i++) {
			p *= 1.0 - betas[i];
			alphasCumprod[i] = p;
		}
	}

	/**
	 * @param kind "linear" (the reference's: betas = linspace(√start, √end)², which diffusers calls
	 *             scaled_linear), "cosine", "sqrt_linear" (plain linspace) or "sqrt"
	 */
	public static Schedule make(String kind, int timesteps, double linearStart, double linearEnd, double cosineS) {
		if (timesteps < 2) throw new IllegalArgumentException("a schedule needs at least 2 timesteps, not " + timesteps);
		double[] betas;
		switch (kind) {
			case "linear":
				betas = linspace(Math.sqrt(linearStart), Math.sqrt(linearEnd), timesteps);
				for (int i = 0; i < betas.length; i++) betas[i] = betas[i] * betas[i];
				break;
			case "sqrt_linear":
				betas = linspace(linearStart, linearEnd, timesteps);
				break;
			case "sqrt":
				betas = linspace(linearStart, linearEnd, timesteps);
				for (int i = 0; i < betas.length; i++) betas[i] = Math.sqrt(betas[i]);
				break;
			case "cosine":
				betas = cosine(timesteps, cosineS);
				break;
			default:
				throw new IllegalArgumentException("unknown beta_schedule '" + kind + "' (linear, cosine, sqrt_linear, sqrt)");
		}
		return new Schedule(betas);
	}

	private static double[] cosine(int n, double s) {
		double[] a = new double[n + 1];
		for (int i = 0; i <= n; i++) {
			double c = Math.cos(((double) i / n + s) / (1 + s) * Math.PI / 2);
			a[i] = c * c;
		}
		double a0 = a[0];
		for (int i = 0; i <= n; i++) a[i] = a[i] / a0;
		double[] betas = new double[n];
		for (int i = 0; i < n; i++) betas[i] = Math.min(Math.max(1 - a[i + 1] / a[i], 0), 0.999);
		return betas;
	}

	/** torch.linspace in float64: the first half counts up from start, the second half down from end. */
	static double[] linspace(double start, double end, int steps) {
		double[] v = new double[steps];
		double step = (end - start) / (steps - 1);
		int halfway = steps / 2;
		for (int i = 0; i < steps; i++) v[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
		return v;
	}

	/** A model timestep of the discrete samplers as an index into this schedule. */
	static int discreteStep(double t) {
		int step = (int) t;
		if (step != t) throw new IllegalArgumentException("the discrete schedule has no timestep " + t);
		return step;
	}

	public int timesteps() {
		return betas.length;
	}

	public double beta(int t) {
		return betas[t];
	}

	public double alphaCumprod(int t) {
		return alphasCumprod[t];
	}

	/** ᾱ_{t-1}, with 1 before the first step. */
	public double alphaCumprodPrev(int t) {
		return t == 0 ? 1.0 : alphasCumprod[t - 1];
	}

	/** The float32 {@code alphas_cumprod} buffer. */
	public float[] alphasCumprodF32() {
		float[] a = new float[alphasCumprod.length];
		for (int i = 0; i < a.length; i++) a[i] = (float) alphasCumprod[i];
		return a;
	}

	/** The float32 {@code sqrt_alphas_cumprod[t]} buffer entry. */
	public float sqrtAlphaCumprodF32(int t) {
		return (float) Math.sqrt(alphasCumprod[t]);
	}

	/** The float32 {@code sqrt_one_minus_alphas_cumprod[t]} buffer entry. */
	public float sqrtOneMinusAlphaCumprodF32(int t) {
		return (float) Math.sqrt(1.0 - alphasCumprod[t]);
	}
}
