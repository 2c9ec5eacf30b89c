package org.ldmfiji.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

import java.util.function.Supplier;

/**
 * The project's one pattern for native memory: run a piece of tensor work (a sampling step, a tile,
 * a forward pass) in its own scope, free every intermediate array when it ends, and hand the few
 * survivors to the caller's manager.
 *
 * <p>Needed because DJL attaches an op's result to the manager of its first operand (often a
 * long-lived weight), so without a scope a sampling loop leaks every intermediate of every step.
 */
public final class Scoped {

	private Scoped() {}

	/** Runs {@code body}; its result survives, attached to {@code owner}; everything else is freed. */
	public static NDArray keep(NDManager owner, Supplier<NDArray> body) {
		NDArray result;
		try (NDScope scope = new NDScope()) {
			result = body.get();
			NDScope.unregister(result);
		}
		return adopt(owner, result);
	}

	/**
	 * Runs one layer's work and frees its intermediates as soon as it returns, keeping only its output (owned
	 * like its input). Without this a whole forward pass's activations stay alive until the step's scope closes:
	 * gigabytes for a decoder at 256², and every allocation is fresh memory that page-faults.
	 * (Autograd keeps what backward needs on its own, so training is unaffected.)
	 */
	public static NDArray layer(NDArray input, Supplier<NDArray> body) {
		return keep(input.getManager(), body);
	}

	/**
	 * For walking a chain of layers: returns {@code next} and frees {@code previous} at once, unless it is the
	 * chain's {@code input} (which belongs to the caller).
	 */
	public static NDArray advance(NDArray previous, NDArray next, NDArray input) {
		if (previous != input && previous != next) previous.close();
		return next;
	}

	/** As {@link #keep}, for several survivors. */
	public static NDList keepAll(NDManager owner, Supplier<NDList> body) {
		NDList result;
		try (NDScope scope = new NDScope()) {
			result = body.get();
			NDScope.unregister(result);
		}
		for (NDArray a : result) adopt(owner, a);
		return result;
	}

	private static NDArray adopt(NDManager owner, NDArray a) {
		a.attach(owner);
		// An enclosing scope, if any, owns the survivor from now on (NDScope registers innermost only).
		NDScope.register(a);
		return a;
	}
}
