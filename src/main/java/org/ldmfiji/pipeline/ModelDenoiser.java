package org.ldmfiji.pipeline;

import ai.djl.ndarray.types.Shape;
import org.ldmfiji.diffusion.ClassifierFreeGuidance;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.diffusion.Schedule;
import org.ldmfiji.io.DiffusionConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;

/** Turns a model plus its conditioning into the denoiser a sampler sees. */
public final class ModelDenoiser {

	private ModelDenoiser() {}

	/** The model's 1000-step schedule from its config. */
	public static Schedule schedule(DiffusionConfig c) {
		return Schedule.make(c.betaSchedule, c.timesteps, c.linearStart, c.linearEnd, c.cosineS);
	}

	/**
	 * The raw model output (eps or x0, per the config) for a fixed conditioning. The timestep goes to the network as
	 * float32, which is what its sinusoidal embedding computes in: integer timesteps give the embedding the reference's
	 * int64 labels give, fractional ones (DPM-Solver++) the reference's float labels.
	 */
	public static Denoiser raw(LatentDiffusion model, Conditioning c) {
		return (x, t) -> model.applyModel(x, x.getManager().full(new Shape(x.getShape().get(0)), (float) t), c);
	}

	/**
	 * The model's output with classifier-free guidance where an unconditional conditioning is given and the
	 * scale is not 1 (the reference's rule), the conditioning batched as [unconditional; conditional].
	 */
	public static Denoiser guided(LatentDiffusion model, Conditioning c, Conditioning uc, double scale) {
		if (uc == null || scale == 1.0) return raw(model, c);
		return new ClassifierFreeGuidance(raw(model, uc.batchWith(c)), scale);
	}
}
