package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.nn.Attention;
import org.ldmfiji.nn.Linear;
import org.ldmfiji.nn.Weights;

/** attention.CrossAttention: multi-head attention of x over a context (itself when none is given). */
final class CrossAttention {

	private final Linear toQ;
	private final Linear toK;
	private final Linear toV;
	private final Linear toOut;
	private final int heads;
	private final float scale;
	private final org.ldmfiji.nn.Precision precision;

	CrossAttention(Weights w, long queryDim, long contextDim, int heads, long dimHead) {
		long inner = dimHead * heads;
		this.toQ = new Linear(w.sub("to_q"), queryDim, inner, false);
		this.toK = new Linear(w.sub("to_k"), contextDim, inner, false);
		this.toV = new Linear(w.sub("to_v"), contextDim, inner, false);
		this.toOut = new Linear(w.sub("to_out.0"), inner, queryDim);
		this.heads = heads;
		this.scale = (float) Math.pow(dimHead, -0.5);
		this.precision = w.precision();
	}

	NDArray forward(NDArray x, NDArray context) {
		NDArray ctx = context == null ? x : context;
		NDArray q = splitHeads(toQ.forward(x));
		NDArray k = splitHeads(toK.forward(ctx));
		NDArray v = splitHeads(toV.forward(ctx));
		NDArray out = Attention.attend(q, k.transpose(0, 2, 1), v, scale, precision); // [(b h), n, d]
		long bh = out.getShape().get(0);
		long n = out.getShape().get(1);
		long d = out.getShape().get(2);
		NDArray merged = out.reshape(bh / heads, heads, n, d).transpose(0, 2, 1, 3).reshape(bh / heads, n, heads * d);
		return toOut.forward(merged);
	}

	/** {@code b n (h d) -> (b h) n d} */
	private NDArray splitHeads(NDArray t) {
		long b = t.getShape().get(0);
		long n = t.getShape().get(1);
		long d = t.getShape().get(2) / heads;
		return t.reshape(b, n, heads, d).transpose(0, 2, 1, 3).reshape(b * heads, n, d);
	}
}
