package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.nn.Attention;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.GroupNorm;
import org.ldmfiji.nn.Weights;

/** model.AttnBlock ("vanilla"): single-head self-attention over all pixels with 1x1-conv q, k, v, proj_out. */
final class AttnBlock {

	private final GroupNorm norm;
	private final Conv2d q;
	private final Conv2d k;
	private final Conv2d v;
	private final Conv2d projOut;
	private final org.ldmfiji.nn.Precision precision;

	AttnBlock(Weights w, long channels) {
		this.norm = GroupNorm.of32(w.sub("norm"), channels, Encoder.NORM_EPS);
		this.q = Conv2d.pointwise(w.sub("q"), channels, channels);
		this.k = Conv2d.pointwise(w.sub("k"), channels, channels);
		this.v = Conv2d.pointwise(w.sub("v"), channels, channels);
		this.projOut = Conv2d.pointwise(w.sub("proj_out"), channels, channels);
		this.precision = w.precision();
	}

	NDArray forward(NDArray x) {
		return Scoped.layer(x, () -> compute(x));
	}

	private NDArray compute(NDArray x) {
		Shape s = x.getShape();
		long b = s.get(0), c = s.get(1), hw = s.get(2) * s.get(3);
		NDArray h = norm.forward(x);
		NDArray qs = q.forward(h).reshape(b, c, hw).transpose(0, 2, 1); // b, hw, c
		NDArray ks = k.forward(h).reshape(b, c, hw);                    // b, c, hw
		NDArray vs = v.forward(h).reshape(b, c, hw).transpose(0, 2, 1); // b, hw, c
		NDArray out = Attention.attend(qs, ks, vs, (float) Math.pow(c, -0.5), precision).transpose(0, 2, 1).reshape(s);
		return x.add(projOut.forward(out));
	}
}
