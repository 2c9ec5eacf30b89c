package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** torch.nn.LayerNorm over the last axis, with affine weights. */
public final class LayerNorm {

	private final NDArray weight;
	private final NDArray bias;
	private final Shape shape;
	private final float eps;

	public LayerNorm(Weights w, long dim, float eps) {
		this.weight = w.param("weight", Init.ones(), dim);
		this.bias = w.param("bias", Init.zeros(), dim);
		this.shape = new Shape(dim);
		this.eps = eps;
	}

	public NDArray forward(NDArray x) {
		return ai.djl.nn.norm.LayerNorm.layerNorm(x, shape, weight, bias, eps).singletonOrThrow();
	}
}
