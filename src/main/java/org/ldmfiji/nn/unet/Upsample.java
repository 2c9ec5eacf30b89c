package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.Resample;
import org.ldmfiji.nn.Weights;

/** openaimodel.Upsample: nearest x2, then optionally a 3x3 convolution ({@code conv}). */
final class Upsample implements TimestepBlock {

	private final Conv2d conv;

	Upsample(Weights w, long channels, boolean useConv, long outChannels) {
		this.conv = useConv ? Conv2d.same3x3(w.sub("conv"), channels, outChannels) : null;
	}

	NDArray forward(NDArray x) {
		NDArray up = Resample.nearest2x(x);
		return conv != null ? conv.forward(up) : up;
	}

	@Override
	public NDArray forward(NDArray x, NDArray emb, NDArray context) {
		return forward(x);
	}
}
