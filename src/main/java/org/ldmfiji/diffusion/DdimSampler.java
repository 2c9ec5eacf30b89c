package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** The reference's DDIMSampler: the sub-sequence of {@link DdimSchedule}, visited from the last timestep to the first. */
public final class DdimSampler {

	private final DdimSchedule schedule;

	public DdimSampler(DdimSchedule schedule) {
		this.schedule = schedule;
	}

	/**
	 * @param eps   predicts the noise
	 * @param xT    the starting noise (not closed)
	 * @param blend latent mask blending applied before each step, or null
	 * @return the final sample, attached to {@code owner}
	 */
	public NDArray sample(NDManager owner, Denoiser eps, NDArray xT, MaskBlend blend, StepCallback callback) {
		int total = schedule.size();
		return SamplingLoop.run(owner, xT, total, i -> schedule.timestep(total - i - 1), (x, i) -> {
			int index = total - i - 1;
			int t = schedule.timestep(index);
			NDArray input = blend == null ? x : blend.apply(x, t);
			NDArray[] r = schedule.step(input, eps.predict(input, t), index);
			return new NDList(r[0], r[1]);
		}, callback, SamplingLoop::discard);
	}
}
