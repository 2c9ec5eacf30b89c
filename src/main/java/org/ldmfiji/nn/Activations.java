package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;

/** The element-wise nonlinearities of these models. */
public final class Activations {

	private Activations() {}

	/** SiLU / swish, the reference's {@code nonlinearity(x) = x * sigmoid(x)}. */
	public static NDArray silu(NDArray x) {
		return Scoped.layer(x, () -> x.mul(x.getNDArrayInternal().sigmoid()));
	}

	/** Exact (erf) GELU, torch's default {@code F.gelu}. */
	public static NDArray gelu(NDArray x) {
		return x.getNDArrayInternal().gelu();
	}
}
