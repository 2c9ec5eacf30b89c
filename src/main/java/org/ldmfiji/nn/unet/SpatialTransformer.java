package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.GroupNorm;
import org.ldmfiji.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/** attention.SpatialTransformer: norm, 1x1 projection in, {@code depth} transformer blocks over pixels, 1x1 out, residual. */
final class SpatialTransformer implements TimestepBlock {

	private static final float NORM_EPS = 1e-6f;

	private final GroupNorm norm;
	private final Conv2d projIn;
	private final List<BasicTransformerBlock> blocks = new ArrayList<>();
	private final Conv2d projOut;

	SpatialTransformer(Weights w, long channels, int heads, long dimHead, int depth, Long contextDim) {
		long inner = heads * dimHead;
		this.norm = GroupNorm.of32(w.sub("norm"), channels, NORM_EPS);
		this.projIn = new Conv2d(w.sub("proj_in"), channels, inner, 1, 1, 0, true);
		for (int d = 0; d < depth; d++) {
			blocks.add(new BasicTransformerBlock(w.sub("transformer_blocks." + d), inner, heads, dimHead, contextDim));
		}
		this.projOut = new Conv2d(w.sub("proj_out"), inner, channels, 1, 1, 0, true);
	}

	@Override
	public NDArray forward(NDArray x, NDArray emb, NDArray context) {
		return Scoped.layer(x, () -> compute(x, emb, context));
	}

	private NDArray compute(NDArray x, NDArray emb, NDArray context) {
		Shape s = x.getShape();
		long b = s.get(0), h = s.get(2), wd = s.get(3);
		NDArray t = projIn.forward(norm.forward(x));
		long c = t.getShape().get(1);
		t = t.reshape(b, c, h * wd).transpose(0, 2, 1);
		for (BasicTransformerBlock block : blocks) t = block.forward(t, context);
		t = t.transpose(0, 2, 1).reshape(b, c, h, wd);
		return projOut.forward(t).add(x);
	}
}
