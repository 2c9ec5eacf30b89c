package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** torch.nn.Conv2d with square kernel, symmetric padding; weights {@code weight [out, in, k, k]}, {@code bias [out]}. */
public final class Conv2d {

	private final NDArray weight;
	private final NDArray bias;
	private final Shape stride;
	private final Shape padding;

	public Conv2d(Weights w, long in, long out, int kernel, int stride, int padding, boolean bias) {
		long fanIn = in * kernel * kernel;
		this.weight = w.param("weight", Init.fanIn(fanIn), out, in, kernel, kernel);
		this.bias = bias ? w.param("bias", Init.fanIn(fanIn), out) : null;
		this.stride = new Shape(stride, stride);
		this.padding = new Shape(padding, padding);
	}

	/** 3x3, stride 1, padding 1, with bias: the most common convolution of these models. */
	public static Conv2d same3x3(Weights w, long in, long out) {
		return new Conv2d(w, in, out, 3, 1, 1, true);
	}

	/** 1x1 with bias. */
	public static Conv2d pointwise(Weights w, long in, long out) {
		return new Conv2d(w, in, out, 1, 1, 0, true);
	}

	public NDArray forward(NDArray x) {
		return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, stride, padding, new Shape(1, 1), 1)
			.singletonOrThrow();
	}
}
