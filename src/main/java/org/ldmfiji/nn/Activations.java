package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;

/** The element-wise nonlinearities of these models. */
public final class Activations {

	private Activations() {}

	/** SiLU / swish, the reference's {@code nonlinearity(x) = x * sigmoid(x)}. */
	public static NDArray silu(NDArray x) {
		return x.mul(x.getNDArrayInternal().sigmoid());
	}

	/** Exact (erf) GELU, torch's default {@code F.gelu}. */
	public static NDArray gelu(NDArray x) {
		return x.getNDArrayInternal().gelu();
	}
}
