package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import ai.djl.ndarray.NDList;
import org.ldmfiji.nn.Activations;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.GroupNorm;
import org.ldmfiji.nn.Linear;
import org.ldmfiji.nn.Weights;

/**
 * openaimodel.ResBlock: {@code in_layers} (norm, SiLU, conv), timestep projection {@code emb_layers.1}
 * (added, or as scale and shift with {@code use_scale_shift_norm}), {@code out_layers} (norm, SiLU,
 * dropout, conv) and a skip connection; optionally resamples both paths (BigGAN-style up/down).
 */
final class ResBlock implements TimestepBlock {

	enum Resampling { NONE, UP, DOWN }

	private final GroupNorm inNorm;
	private final Conv2d inConv;
	private final Linear embProjection;
	private final GroupNorm outNorm;
	private final Conv2d outConv;
	private final Conv2d skip;
	private final boolean scaleShift;
	private final Resampling resampling;

	ResBlock(Weights w, long channels, long embChannels, long outChannels, boolean useScaleShiftNorm,
		Resampling resampling) {
		this.inNorm = GroupNorm.of32(w.sub("in_layers.0"), channels, UNetModel.NORM_EPS);
		this.inConv = Conv2d.same3x3(w.sub("in_layers.2"), channels, outChannels);
		this.embProjection = new Linear(w.sub("emb_layers.1"), embChannels,
			useScaleShiftNorm ? 2 * outChannels : outChannels);
		this.outNorm = GroupNorm.of32(w.sub("out_layers.0"), outChannels, UNetModel.NORM_EPS);
		this.outConv = Conv2d.same3x3(w.sub("out_layers.3"), outChannels, outChannels);
		// use_conv is never set by UNetModel, so a channel change uses a 1x1 convolution.
		this.skip = outChannels == channels ? null : Conv2d.pointwise(w.sub("skip_connection"), channels, outChannels);
		this.scaleShift = useScaleShiftNorm;
		this.resampling = resampling;
	}

	@Override
	public NDArray forward(NDArray x, NDArray emb, NDArray context) {
		return Scoped.layer(x, () -> compute(x, emb, context));
	}

	private NDArray compute(NDArray x, NDArray emb, NDArray context) {
		NDArray h = inNorm.forwardSilu(x);
		if (resampling != Resampling.NONE) {
			// h_upd / x_upd: parameter-free resampling of both paths, before in_layers' convolution
			h = resample(h);
			x = resample(x);
		}
		h = inConv.forward(h);
		NDArray e = embProjection.forward(Activations.silu(emb)).expandDims(-1).expandDims(-1);
		if (scaleShift) {
			NDList scaleAndShift = e.split(2, 1);
			h = outNorm.forward(h).mul(scaleAndShift.get(0).add(1)).add(scaleAndShift.get(1));
			h = outConv.forward(Activations.silu(h));
		} else {
			h = outConv.forward(outNorm.forwardSilu(h.add(e)));
		}
		return (skip == null ? x : skip.forward(x)).add(h);
	}

	private NDArray resample(NDArray x) {
		return resampling == Resampling.UP ? org.ldmfiji.nn.Resample.nearest2x(x) : org.ldmfiji.nn.Resample.avgPool2x(x);
	}
}
