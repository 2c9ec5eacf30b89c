package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.diffusion.Schedule;
import org.ldmfiji.io.DiffusionConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;

/**
 * The reference's {@code LatentDiffusion.p_losses} with its defaults (logvar 0, no ELBO term): noise a clean latent
 * to a random step, {@code x_t = √ᾱ_t z0 + √(1−ᾱ_t) ε} with the float32 buffers the reference registers, let the
 * denoiser predict ε (or z0 for x0-parameterisation) and take the mean L2 or L1 error.
 */
public final class DiffusionLoss {

	private final NDArray sqrtAlphasCumprod;
	private final NDArray sqrtOneMinusAlphasCumprod;
	private final boolean l1;
	private final boolean eps;
	private final int timesteps;

	/** @param manager owns the schedule buffers for the loss's lifetime */
	public DiffusionLoss(DiffusionConfig c, NDManager manager) {
		Schedule s = Schedule.make(c.betaSchedule, c.timesteps, c.linearStart, c.linearEnd, c.cosineS);
		float[] a = new float[c.timesteps];
		float[] b = new float[c.timesteps];
		for (int t = 0; t < c.timesteps; t++) {
			a[t] = s.sqrtAlphaCumprodF32(t);
			b[t] = s.sqrtOneMinusAlphaCumprodF32(t);
		}
		this.sqrtAlphasCumprod = manager.create(a);
		this.sqrtOneMinusAlphasCumprod = manager.create(b);
		this.l1 = "l1".equals(c.lossType);
		this.eps = "eps".equals(c.parameterization);
		this.timesteps = c.timesteps;
	}

	public int timesteps() {
		return timesteps;
	}

	/** q_sample: the latent noised to step t (int64 [B]). */
	public NDArray noised(NDArray z0, NDArray t, NDArray noise) {
		Shape perSample = new Shape(-1, 1, 1, 1);
		NDArray a = sqrtAlphasCumprod.get(t).reshape(perSample);
		NDArray b = sqrtOneMinusAlphasCumprod.get(t).reshape(perSample);
		return z0.mul(a).add(noise.mul(b));
	}

	/** The scalar training loss for one batch (recorded for backward when called inside a gradient collector). */
	public NDArray forward(LatentDiffusion model, NDArray z0, NDArray t, NDArray noise, Conditioning c) {
		NDArray prediction = model.applyModel(noised(z0, t, noise), t, c);
		NDArray error = prediction.sub(eps ? noise : z0);
		return l1 ? error.abs().mean() : error.square().mean();
	}
}
