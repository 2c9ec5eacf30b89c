package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import ai.djl.ndarray.NDList;
import org.ldmfiji.nn.Activations;
import org.ldmfiji.nn.LayerNorm;
import org.ldmfiji.nn.Linear;
import org.ldmfiji.nn.Weights;

/** attention.BasicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward, each pre-normed and residual. */
final class BasicTransformerBlock {

	private static final float LAYER_NORM_EPS = 1e-5f;

	private final CrossAttention attn1;
	private final CrossAttention attn2;
	private final LayerNorm norm1;
	private final LayerNorm norm2;
	private final LayerNorm norm3;
	private final Linear geglu;
	private final Linear ffOut;

	BasicTransformerBlock(Weights w, long dim, int heads, long dimHead, Long contextDim) {
		this.attn1 = new CrossAttention(w.sub("attn1"), dim, dim, heads, dimHead);
		this.attn2 = new CrossAttention(w.sub("attn2"), dim, contextDim == null ? dim : contextDim, heads, dimHead);
		this.norm1 = new LayerNorm(w.sub("norm1"), dim, LAYER_NORM_EPS);
		this.norm2 = new LayerNorm(w.sub("norm2"), dim, LAYER_NORM_EPS);
		this.norm3 = new LayerNorm(w.sub("norm3"), dim, LAYER_NORM_EPS);
		long inner = dim * 4;
		this.geglu = new Linear(w.sub("ff.net.0.proj"), dim, inner * 2);
		this.ffOut = new Linear(w.sub("ff.net.2"), inner, dim);
	}

	NDArray forward(NDArray x, NDArray context) {
		return Scoped.layer(x, () -> compute(x, context));
	}

	private NDArray compute(NDArray x, NDArray context) {
		x = attn1.forward(norm1.forward(x), null).add(x);
		x = attn2.forward(norm2.forward(x), context).add(x);
		return feedForward(norm3.forward(x)).add(x);
	}

	private NDArray feedForward(NDArray x) {
		NDArray projected = geglu.forward(x);
		NDList valueAndGate = projected.split(2, projected.getShape().dimension() - 1); // DJL's split takes no negative axis
		return ffOut.forward(valueAndGate.get(0).mul(Activations.gelu(valueAndGate.get(1))));
	}
}
