package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The training path of taming's VectorQuantizer2 (legacy mode, beta 0.25, as the reference's VQModel builds it): each
 * latent vector is replaced by its nearest codebook entry, gradients pass straight through to the encoder
 * ({@code z + (z_q − z).detach()}), and the loss pulls encoder and codebook together:
 * {@code mean((z_q.detach() − z)²) + beta · mean((z_q − z.detach())²)} (legacy mode puts beta on the codebook term).
 */
final class VectorQuantizerTraining {

	static final float BETA = 0.25f;

	private final NDArray codebook;

	/** @param codebook {@code quantize.embedding.weight}, [n_embed, embed_dim] */
	VectorQuantizerTraining(NDArray codebook) {
		this.codebook = codebook;
	}

	/** @return {straight-through quantised latent [B, C, H, W], codebook loss (scalar)} */
	NDArray[] forward(NDArray z) {
		long dim = codebook.getShape().get(1);
		NDArray zhwc = z.transpose(0, 2, 3, 1);
		NDArray flat = zhwc.reshape(-1, dim);
		NDArray distance = flat.square().sum(new int[] {1}, true).add(codebook.square().sum(new int[] {1}))
			.sub(flat.matMul(codebook.transpose()).mul(2));
		NDArray indices = distance.stopGradient().argMin(1);
		NDArray zq = codebook.get(indices).reshape(zhwc.getShape()).transpose(0, 3, 1, 2);
		NDArray loss = zq.stopGradient().sub(z).square().mean().add(zq.sub(z.stopGradient()).square().mean().mul(BETA));
		NDArray straightThrough = z.add(zq.sub(z).stopGradient());
		return new NDArray[] {straightThrough.reshape(new Shape(z.getShape().getShape())), loss};
	}
}
