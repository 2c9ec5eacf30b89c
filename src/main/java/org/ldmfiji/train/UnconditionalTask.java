package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.train.data.LabelledImage;

import java.util.List;
import java.util.SplittableRandom;

/** An unconditional model learns the images alone. */
final class UnconditionalTask implements TrainingTask {

	private final int channels;

	UnconditionalTask(int channels) {
		this.channels = channels;
	}

	@Override
	public TrainingBatch batch(List<LabelledImage> images, SplittableRandom random, NDManager manager) {
		return new TrainingBatch(BatchImages.toModel(BatchImages.unit(images, manager), channels), null);
	}

	@Override
	public Conditioning condition(LatentDiffusion model, NDArray condInput) {
		return Conditioning.none();
	}

	@Override
	public NDArray nullInput(NDArray condInput) {
		return null;
	}
}
