package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.Resample;
import org.ldmfiji.nn.Weights;

/** openaimodel.Downsample: a 3x3 stride-2 convolution ({@code op}) or 2x2 average pooling. */
final class Downsample implements TimestepBlock {

	private final Conv2d op;

	Downsample(Weights w, long channels, boolean useConv, long outChannels) {
		this.op = useConv ? new Conv2d(w.sub("op"), channels, outChannels, 3, 2, 1, true) : null;
	}

	NDArray forward(NDArray x) {
		return op != null ? op.forward(x) : Resample.avgPool2x(x);
	}

	@Override
	public NDArray forward(NDArray x, NDArray emb, NDArray context) {
		return forward(x);
	}
}
