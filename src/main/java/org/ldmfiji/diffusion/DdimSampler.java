package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** The reference's DDIMSampler: the sub-sequence of {@link DdimSchedule}, visited from the last timestep to the first. */
public final class DdimSampler implements Sampler {

	private final DdimSchedule schedule;

	public DdimSampler(DdimSchedule schedule) {
		this.schedule = schedule;
	}

	@Override
	public int steps() {
		return schedule.size();
	}

	@Override
	public NDArray sample(NDManager owner, Denoiser model, Parameterization parameterization, NDArray xT, MaskBlend blend,
		StepCallback callback) {
		Denoiser eps = parameterization.asEps(model, schedule.base());
		int total = schedule.size();
		return SamplingLoop.run(owner, xT, total, i -> schedule.timestep(total - i - 1), (x, i) -> {
			int index = total - i - 1;
			int t = schedule.timestep(index);
			NDArray input = blend == null ? x : blend.apply(x, t);
			SamplerStep r = schedule.step(input, eps.predict(input, t), index);
			return new NDList(r.xPrev, r.predX0);
		}, callback, SamplingLoop::discard);
	}
}
