package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.nn.Init;
import org.ldmfiji.nn.Weights;

/** taming's VectorQuantizer2 (inference): each latent vector is replaced by its nearest codebook entry. */
public final class VectorQuantizer {

	private final NDArray codebook; // [n_embed, e_dim]
	private final long dim;

	VectorQuantizer(Weights w, long nEmbed, long embedDim) {
		this.codebook = w.param("embedding.weight", Init.uniform(1.0 / nEmbed), nEmbed, embedDim);
		this.dim = embedDim;
	}

	/** [B, C, H, W] → quantised [B, C, H, W], computed as the reference does (same distance, same z + (z_q - z)). */
	public NDArray forward(NDArray z) {
		return Scoped.layer(z, () -> quantise(z));
	}

	private NDArray quantise(NDArray z) {
		Shape s = z.getShape();
		NDArray zhwc = z.transpose(0, 2, 3, 1);
		NDArray flat = zhwc.reshape(-1, dim);
		NDArray d = flat.square().sum(new int[] {1}, true)
			.add(codebook.square().sum(new int[] {1}))
			.sub(flat.matMul(codebook.transpose()).mul(2));
		NDArray idx = d.argMin(1);
		NDArray zq = codebook.get(idx).reshape(zhwc.getShape());
		NDArray out = zhwc.add(zq.sub(zhwc));
		return out.transpose(0, 3, 1, 2).reshape(s);
	}
}
