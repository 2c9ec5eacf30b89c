package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.train.data.LabelledImage;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What one kind of model learns from a training image: the image itself and the conditioning made from it (a degraded
 * copy, a masked copy, its label map, nothing). The conditioning is built exactly as the inference pipeline builds it,
 * so a trained model sees the same inputs when it is used.
 */
public interface TrainingTask {

	/** The batch's tensors, created in {@code manager}; {@code random} drives any Java-side randomness (masks). */
	TrainingBatch batch(List<LabelledImage> images, SplittableRandom random, NDManager manager);

	/**
	 * The raw conditioning input through the model's cond stage, routed as apply_model routes it; by default the
	 * model's own conditioning (a concatenated image, a label map through its cond stage).
	 */
	default Conditioning condition(LatentDiffusion model, NDArray condInput) {
		return model.conditioning(condInput);
	}

	/**
	 * The input that stands for "no condition" (what guidance pairs the condition with), shaped like {@code condInput};
	 * null if this task is never trained without its condition. By default an all-zero input.
	 */
	default NDArray nullInput(NDArray condInput) {
		return condInput.zerosLike();
	}
}
