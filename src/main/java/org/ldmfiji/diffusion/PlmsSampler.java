package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The reference's PLMSSampler (pseudo linear multistep): a pseudo improved-Euler first step (two model
 * evaluations), then Adams–Bashforth combinations of the last up to four noise predictions, each applied
 * with the DDIM update. The reference requires eta = 0.
 */
public final class PlmsSampler implements Sampler {

	private final DdimSchedule schedule;

	public PlmsSampler(DdimSchedule schedule) {
		if (schedule.sigma(0) != 0f) throw new IllegalArgumentException("PLMS needs eta = 0");
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
		Deque<NDArray> oldEps = new ArrayDeque<>(); // newest first, at most three
		try {
			return SamplingLoop.run(owner, xT, total, i -> schedule.timestep(total - i - 1), (x, i) -> {
				int index = total - i - 1;
				int t = schedule.timestep(index);
				NDArray input = blend == null ? x : blend.apply(x, t);
				NDArray e = eps.predict(input, t);
				NDArray ePrime;
				if (oldEps.isEmpty()) {
					NDArray xPrev = schedule.step(input, e, index).xPrev;
					ePrime = e.add(eps.predict(xPrev, schedule.timestep(Math.max(index - 1, 0)))).div(2f);
				} else {
					ePrime = multistep(e, oldEps);
				}
				SamplerStep r = schedule.step(input, ePrime, index);
				return new NDList(r.xPrev, r.predX0, e);
			}, callback, rest -> {
				oldEps.push(rest.singletonOrThrow());
				if (oldEps.size() > 3) oldEps.removeLast().close();
			});
		} finally {
			oldEps.forEach(NDArray::close);
		}
	}

	/** Adams–Bashforth of order 2, 3 or 4 from the current and the previous predictions. */
	private static NDArray multistep(NDArray e, Deque<NDArray> old) {
		Iterator<NDArray> it = old.iterator();
		NDArray o1 = it.next();
		if (old.size() == 1) return e.mul(3).sub(o1).div(2f);
		NDArray o2 = it.next();
		if (old.size() == 2) return e.mul(23).sub(o1.mul(16)).add(o2.mul(5)).div(12f);
		NDArray o3 = it.next();
		return e.mul(55).sub(o1.mul(59)).add(o2.mul(37)).sub(o3.mul(9)).div(24f);
	}
}
