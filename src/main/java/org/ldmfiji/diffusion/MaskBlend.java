package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * Latent mask blending, the reference samplers' {@code mask}/{@code x0}: where mask = 1 the sample is
 * replaced by the known latent x0 noised to the current timestep (fresh noise each time), where mask = 0
 * it is generated. Lets any model inpaint.
 */
public final class MaskBlend {

	private final NDArray x0;
	private final NDArray mask;
	private final Schedule schedule;

	/** @param mask 1 = keep x0 (known), 0 = generate; broadcastable to x0 (e.g. [B, 1, h, w]) */
	public MaskBlend(NDArray x0, NDArray mask, Schedule schedule) {
		this.x0 = x0;
		this.mask = mask;
		this.schedule = schedule;
	}

	/** {@code q_sample(x0, t)·mask + (1 − mask)·x} at a timestep of the discrete schedule, from its float32 buffers. */
	public NDArray apply(NDArray x, int t) {
		return apply(x, schedule.sqrtAlphaCumprodF32(t), schedule.sqrtOneMinusAlphaCumprodF32(t));
	}

	/**
	 * The same blend at a noise level given directly: x0 noised to {@code alpha·x0 + sigma·noise}, the marginal
	 * q(x_t | x_0) of a continuous time that falls between two discrete timesteps.
	 */
	NDArray apply(NDArray x, float alpha, float sigma) {
		NDArray noise = x.getManager().randomNormal(x0.getShape());
		NDArray noised = x0.mul(alpha).add(noise.mul(sigma));
		return noised.mul(mask).add(mask.neg().add(1f).mul(x));
	}
}
