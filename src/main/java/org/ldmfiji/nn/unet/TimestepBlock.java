package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;

/** A layer of the UNet's {@code TimestepEmbedSequential}: sees the timestep embedding and the cross-attention context. */
interface TimestepBlock {
	NDArray forward(NDArray x, NDArray emb, NDArray context);
}
