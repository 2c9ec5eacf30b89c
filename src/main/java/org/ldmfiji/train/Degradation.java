package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;

import java.util.SplittableRandom;

/** How a super-resolution model's low-resolution input is made from a training image. */
public interface Degradation {

	/**
	 * @param highRes01 the images in [0, 1], [B, 1, H, W]
	 * @param factor    the downsampling factor (H and W are multiples of it)
	 * @return the low-resolution images in [0, 1], [B, 1, H / factor, W / factor]
	 */
	NDArray lowRes(NDArray highRes01, int factor, SplittableRandom random);
}
