package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;

/**
 * torch.nn.Conv1d with kernel size 1 ({@code weight [out, in, 1]}), as the UNet's AttentionBlock uses for
 * qkv and proj_out; computed as a matrix product over the channel axis of {@code [B, C, T]}.
 */
public final class Conv1x1d {

	private final NDArray weight;
	private final NDArray bias;
	private final long out;
	private final long in;

	public Conv1x1d(Weights w, long in, long out) {
		this.in = in;
		this.out = out;
		this.weight = w.param("weight", Init.fanIn(in), out, in, 1);
		this.bias = w.param("bias", Init.fanIn(in), out);
	}

	public NDArray forward(NDArray x) {
		// x is the first operand so that the result belongs to the activation's manager, not the weights'.
		NDArray y = x.transpose(0, 2, 1).matMul(weight.reshape(out, in).transpose());
		return y.add(bias).transpose(0, 2, 1);
	}
}
