package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * torch.nn.Conv1d with kernel size 1 ({@code weight [out, in, 1]}), as the UNet's AttentionBlock uses for
 * qkv and proj_out, on {@code [B, C, T]}.
 */
public final class Conv1x1d {

	private static final Shape STRIDE = new Shape(1);
	private static final Shape PADDING = new Shape(0);
	private static final Shape DILATION = new Shape(1);

	private final NDArray weight;
	private final NDArray bias;

	public Conv1x1d(Weights w, long in, long out) {
		this.weight = w.param("weight", Init.fanIn(in), out, in, 1);
		this.bias = w.param("bias", Init.fanIn(in), out);
	}

	public NDArray forward(NDArray x) {
		return ai.djl.nn.convolutional.Conv1d.conv1d(x, weight, bias, STRIDE, PADDING, DILATION, 1).singletonOrThrow();
	}
}
