package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Scoped;

import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.IntToDoubleFunction;

/**
 * The loop every sampler shares: each step in its own native-memory scope, the previous sample freed,
 * the callback told, and a stop honoured between two steps.
 */
final class SamplingLoop {

	/** One step from x: returns {x_next, predicted x0, anything else the sampler keeps}. Runs inside a scope. */
	interface Step {
		NDList apply(NDArray x, int step);
	}

	private SamplingLoop() {}

	/**
	 * @param timestepOf the model timestep of step i (for the callback)
	 * @param kept       receives, after each step, what the step returned beyond x_next and x0 (owned by the caller)
	 * @return the final sample, attached to {@code owner}; {@code xT} is left open
	 */
	static NDArray run(NDManager owner, NDArray xT, int total, IntToDoubleFunction timestepOf, Step step,
		StepCallback callback, Consumer<NDList> kept) {
		NDArray x = xT;
		for (int i = 0; i < total; i++) {
			NDArray current = x;
			int index = i;
			NDList out = Scoped.keepAll(owner, () -> step.apply(current, index));
			if (x != xT) x.close();
			x = out.get(0);
			NDArray predictedX0 = out.get(1);
			kept.accept(out.subNDList(2));
			boolean go = callback.onStep(i, total, timestepOf.applyAsDouble(i), x, predictedX0);
			predictedX0.close();
			if (!go) {
				x.close();
				throw new CancellationException("sampling stopped after step " + (i + 1) + " of " + total);
			}
		}
		return x;
	}

	static void discard(NDList rest) {
		rest.close();
	}
}
