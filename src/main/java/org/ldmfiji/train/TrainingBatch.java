package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;

/** One batch as the reference's {@code get_input} sees it: the images and the raw conditioning input (null if none). */
public final class TrainingBatch {

	/** [B, C, H, W] in [-1, 1]. */
	public final NDArray images;
	/** Before the cond stage: the low-resolution image, masked image + mask, one-hot label map, ...; or null. */
	public final NDArray condInput;

	public TrainingBatch(NDArray images, NDArray condInput) {
		this.images = images;
		this.condInput = condInput;
	}
}
