package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.train.data.LabelledImage;

import java.util.List;
import java.util.SplittableRandom;

/**
 * bsr_sr's task: the low-resolution image, at the latent's size (the first stage's factor below the image), is
 * concatenated to the noisy latent ({@code cond_stage_key: LR_image}, Identity cond stage). As in
 * {@code pipeline.SuperResolution}, it is mapped to [−1, 1]. Without a condition the model sees a zero (mid-gray) image.
 */
final class SuperResolutionTask implements TrainingTask {

	private final int imageChannels;
	private final int condChannels;
	private final int factor;
	private final Degradation degradation;

	SuperResolutionTask(int imageChannels, int condChannels, int factor, Degradation degradation) {
		this.imageChannels = imageChannels;
		this.condChannels = condChannels;
		this.factor = factor;
		this.degradation = degradation;
	}

	@Override
	public TrainingBatch batch(List<LabelledImage> images, SplittableRandom random, NDManager manager) {
		NDArray unit = BatchImages.unit(images, manager);
		if (unit.getShape().get(2) % factor != 0 || unit.getShape().get(3) % factor != 0)
			throw new IllegalArgumentException("super-resolution crops must be multiples of " + factor + " pixels, not "
				+ unit.getShape().get(3) + "x" + unit.getShape().get(2));
		NDArray lowRes = degradation.lowRes(unit, factor, random);
		return new TrainingBatch(BatchImages.toModel(unit, imageChannels), BatchImages.toModel(lowRes, condChannels));
	}
}
