package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.ldmfiji.engine.ScriptedOps;

/**
 * torch.nn.Conv2d with square kernel, symmetric padding; weights {@code weight [out, in, k, k]}, {@code bias [out]}.
 * Computes in its weights' {@link Precision}.
 */
public final class Conv2d {

	/**
	 * While gradients are recorded, output channels are padded with zero filters up to a multiple of this.
	 * libtorch 2.7.1's CPU convolution backward reads the padding of its blocked (16-channel) layout of the
	 * output gradient without clearing it, so with, say, 4 output channels the input gradient is NaN whenever
	 * the reused memory held a NaN (a few percent of calls). With zero filters the padding is real, zero data.
	 * Inference never pays for it and stays bit-identical to the reference path.
	 */
	static final long TRAINING_CHANNEL_BLOCK = 16;

	/**
	 * In bfloat16, output channels are padded with zero filters up to a multiple of this, for inference too: libtorch
	 * 2.7.1's bfloat16 convolution (NCHW) returns wrong values, 10–30 % off, for any other channel count (measured for
	 * 1–15, 17–31, 33 channels; 16, 32, 48 are right). The models' last convolutions (3 or 4 channels) hit it.
	 */
	static final long BF16_CHANNEL_BLOCK = 16;

	/**
	 * In bfloat16, spatial kernels are kept channels-last: the convolution then runs and returns channels-last (the
	 * fused group norm and the element-wise ops keep that layout). Measured on a bsr_sr step at 64² (one thread,
	 * alternating, shared machine): about 11 % faster in bf16; in fp32 no clear gain (and a second copy of every
	 * weight), so fp32 keeps the checkpoint's layout.
	 */
	static final boolean BF16_CHANNELS_LAST = true;

	private final NDArray weight;
	private final NDArray bias;
	private final Shape stride;
	private final Shape padding;
	private final long outChannels;

	public Conv2d(Weights w, long in, long out, int kernel, int stride, int padding, boolean bias) {
		long fanIn = in * kernel * kernel;
		this.stride = new Shape(stride, stride);
		this.padding = new Shape(padding, padding);
		this.outChannels = out;
		if (w.precision() == Precision.BF16) {
			Weights f = w.float32();
			NDArray wf = f.param("weight", Init.fanIn(fanIn), out, in, kernel, kernel);
			NDArray paddedWeight = padToBlock(wf, BF16_CHANNEL_BLOCK, wf.getManager());
			this.weight = bf16Once(paddedWeight, kernel > 1 && BF16_CHANNELS_LAST, paddedWeight != wf);
			if (bias) {
				NDArray bf = f.param("bias", Init.fanIn(fanIn), out);
				NDArray paddedBias = padToBlock(bf, BF16_CHANNEL_BLOCK, bf.getManager());
				this.bias = bf16Once(paddedBias, false, paddedBias != bf);
			} else {
				this.bias = null;
			}
			return;
		}
		this.weight = w.param("weight", Init.fanIn(fanIn), out, in, kernel, kernel);
		this.bias = bias ? w.param("bias", Init.fanIn(fanIn), out) : null;
	}

	/**
	 * A float32 weight as this module's bfloat16 copy, channels-last if asked; the float32 original stays with the
	 * {@link Weights} (what a trainer or saver sees) unless it is a padded temporary, which is freed.
	 */
	private static NDArray bf16Once(NDArray float32, boolean channelsLast, boolean temporary) {
		NDArray cast = Precision.BF16.cast(float32);
		if (channelsLast) {
			NDArray nhwc = ScriptedOps.channelsLast(cast);
			cast.close();
			cast = nhwc;
		}
		if (temporary) float32.close();
		ai.djl.ndarray.NDScope.unregister(cast); // the model's for good, whatever scope it is built in
		return cast;
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
		long out = weight.getShape().get(0);
		if (out != outChannels) return conv(x, weight, bias).get(new NDIndex(":, 0:{}", outChannels)); // padded, bf16
		if (out % TRAINING_CHANNEL_BLOCK != 0 && JniUtils.isGradMode()) return paddedForGradients(x, out);
		return conv(x, weight, bias);
	}

	private NDArray paddedForGradients(NDArray x, long out) {
		NDArray paddedWeight = padToBlock(weight, TRAINING_CHANNEL_BLOCK, x.getManager());
		NDArray paddedBias = bias == null ? null : padToBlock(bias, TRAINING_CHANNEL_BLOCK, x.getManager());
		return conv(x, paddedWeight, paddedBias).get(new NDIndex(":, 0:{}", out));
	}

	/**
	 * {@code t} with zero rows appended along its first (output-channel) axis up to a multiple of {@code block},
	 * the zeros made in {@code manager}; {@code t} itself where it is a multiple already.
	 */
	private static NDArray padToBlock(NDArray t, long block, ai.djl.ndarray.NDManager manager) {
		long[] dims = t.getShape().getShape().clone(); // Shape hands out its own array
		long extra = (block - dims[0] % block) % block;
		if (extra == 0) return t;
		dims[0] = extra;
		return t.concat(manager.zeros(new Shape(dims)), 0);
	}

	private NDArray conv(NDArray x, NDArray w, NDArray b) {
		return ai.djl.nn.convolutional.Conv2d.conv2d(x, w, b, stride, padding, new Shape(1, 1), 1).singletonOrThrow();
	}
}
