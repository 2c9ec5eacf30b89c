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
