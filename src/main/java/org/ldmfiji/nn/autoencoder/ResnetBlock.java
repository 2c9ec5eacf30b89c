package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.GroupNorm;
import org.ldmfiji.nn.Weights;

/** model.ResnetBlock of the autoencoder (no timestep input): norm, SiLU, conv, twice, plus a 1x1 {@code nin_shortcut}. */
final class ResnetBlock {

	private final GroupNorm norm1;
	private final Conv2d conv1;
	private final GroupNorm norm2;
	private final Conv2d conv2;
	private final Conv2d shortcut;

	ResnetBlock(Weights w, long in, long out) {
		this.norm1 = GroupNorm.of32(w.sub("norm1"), in, Encoder.NORM_EPS);
		this.conv1 = Conv2d.same3x3(w.sub("conv1"), in, out);
		this.norm2 = GroupNorm.of32(w.sub("norm2"), out, Encoder.NORM_EPS);
		this.conv2 = Conv2d.same3x3(w.sub("conv2"), out, out);
		this.shortcut = in == out ? null : Conv2d.pointwise(w.sub("nin_shortcut"), in, out);
	}

	NDArray forward(NDArray x) {
		return Scoped.layer(x, () -> compute(x));
	}

	private NDArray compute(NDArray x) {
		NDArray h = conv1.forward(norm1.forwardSilu(x));
		h = conv2.forward(norm2.forwardSilu(h));
		return (shortcut == null ? x : shortcut.forward(x)).add(h);
	}
}
