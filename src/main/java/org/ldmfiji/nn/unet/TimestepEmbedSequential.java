package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;

import java.util.List;

/** The reference's TimestepEmbedSequential: layers {@code .0, .1, ...} applied in order. */
final class TimestepEmbedSequential implements TimestepBlock {

	private final List<TimestepBlock> layers;

	TimestepEmbedSequential(List<TimestepBlock> layers) {
		this.layers = List.copyOf(layers);
	}

	@Override
	public NDArray forward(NDArray x, NDArray emb, NDArray context) {
		NDArray h = x;
		for (TimestepBlock layer : layers) h = layer.forward(h, emb, context);
		return h;
	}
}
