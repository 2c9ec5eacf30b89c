package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;

/** torch.nn.Linear: {@code weight [out, in]}, optional {@code bias [out]}. */
public final class Linear {

	private final NDArray weight;
	private final NDArray bias;

	public Linear(Weights w, long in, long out, boolean bias) {
		this.weight = w.param("weight", Init.fanIn(in), out, in);
		this.bias = bias ? w.param("bias", Init.fanIn(in), out) : null;
	}

	public Linear(Weights w, long in, long out) {
		this(w, in, out, true);
	}

	public NDArray forward(NDArray x) {
		return ai.djl.nn.core.Linear.linear(x, weight, bias).singletonOrThrow();
	}
}
