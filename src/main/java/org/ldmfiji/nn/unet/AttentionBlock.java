package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.nn.Attention;
import org.ldmfiji.nn.Conv1x1d;
import org.ldmfiji.nn.GroupNorm;
import org.ldmfiji.nn.Weights;

/**
 * openaimodel.AttentionBlock: spatial self-attention with a fused {@code qkv} projection. The legacy
 * order (QKVAttentionLegacy) interleaves heads as [q_h; k_h; v_h] per head; the new order splits q, k, v
 * first. Both scale q and k by {@code ch^-1/4} each, as the reference does.
 */
final class AttentionBlock implements TimestepBlock {

	private final GroupNorm norm;
	private final Conv1x1d qkv;
	private final Conv1x1d projOut;
	private final int heads;
	private final boolean newOrder;
	private final org.ldmfiji.nn.Precision precision;

	AttentionBlock(Weights w, long channels, int numHeads, int numHeadChannels, boolean useNewAttentionOrder) {
		if (numHeadChannels != -1 && channels % numHeadChannels != 0) {
			throw new IllegalArgumentException("channels " + channels + " not divisible by num_head_channels " + numHeadChannels);
		}
		this.heads = numHeadChannels == -1 ? numHeads : (int) (channels / numHeadChannels);
		this.norm = GroupNorm.of32(w.sub("norm"), channels, UNetModel.NORM_EPS);
		this.qkv = new Conv1x1d(w.sub("qkv"), channels, 3 * channels);
		this.projOut = new Conv1x1d(w.sub("proj_out"), channels, channels);
		this.newOrder = useNewAttentionOrder;
		this.precision = w.precision();
	}

	@Override
	public NDArray forward(NDArray x, NDArray emb, NDArray context) {
		return Scoped.layer(x, () -> compute(x, emb, context));
	}

	private NDArray compute(NDArray x, NDArray emb, NDArray context) {
		Shape shape = x.getShape();
		long b = shape.get(0);
		long c = shape.get(1);
		NDArray flat = x.reshape(b, c, -1);
		long length = flat.getShape().get(2);
		NDArray qkvOut = qkv.forward(norm.forward(flat));
		long ch = c / heads;
		NDList parts = newOrder
			? headsOf(qkvOut.split(3, 1), b * heads, ch, length)
			: qkvOut.reshape(b * heads, ch * 3, length).split(3, 1);
		float scale = (float) (1.0 / Math.sqrt(Math.sqrt(ch)));
		NDArray q = parts.get(0).mul(scale).transpose(0, 2, 1); // [b*h, t, ch]
		NDArray k = parts.get(1).mul(scale);                    // [b*h, ch, s]
		NDArray v = parts.get(2).transpose(0, 2, 1);            // [b*h, s, ch]
		NDArray a = Attention.attend(q, k, v, 1f, precision).transpose(0, 2, 1); // [b*h, ch, t]
		NDArray h = projOut.forward(a.reshape(b, -1, length));
		return flat.add(h).reshape(shape);
	}

	private static NDList headsOf(NDList qkv, long bh, long ch, long length) {
		NDList out = new NDList(3);
		for (NDArray t : qkv) out.add(t.reshape(bh, ch, length));
		return out;
	}
}
