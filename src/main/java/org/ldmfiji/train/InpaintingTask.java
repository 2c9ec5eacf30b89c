package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.Inpainting;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.train.data.LabelledImage;

import java.util.List;
import java.util.SplittableRandom;

/**
 * inpainting_big's task: the image with a hole blanked (or filled by the harmonic fill, as the cond_stage_key says),
 * through the first stage's encoder, and the hole resized to the latent, both concatenated to the noisy latent. Built
 * by {@link Inpainting#maskedImage} and {@link Inpainting#conditioning} themselves, so training and inference condition
 * alike. The raw input carries the masked image and the mask ({-1, 1}) stacked along channels.
 * Never dropped: the hole and the kept pixels are the task itself, not a condition to guide away from.
 */
final class InpaintingTask implements TrainingTask {

	private final int channels;
	private final MaskSource masks;
	private final String condStageKey;

	/** @param condStageKey how the hole reaches the encoder (see {@link Inpainting#maskedImage}) */
	InpaintingTask(int channels, MaskSource masks, String condStageKey) {
		Inpainting.requireMaskedImageKey(condStageKey); // before the run, not after it
		this.channels = channels;
		this.masks = masks;
		this.condStageKey = condStageKey;
	}

	@Override
	public TrainingBatch batch(List<LabelledImage> images, SplittableRandom random, NDManager manager) {
		NDArray unit = BatchImages.unit(images, manager);
		Shape s = unit.getShape();
		int h = (int) s.get(2);
		int w = (int) s.get(3);
		float[] holes = new float[images.size() * h * w];
		for (int i = 0; i < images.size(); i++) System.arraycopy(masks.mask(w, h, random), 0, holes, i * h * w, h * w);
		NDArray hole = manager.create(holes, new Shape(images.size(), 1, h, w));
		NDArray masked = BatchImages.toModel(Inpainting.maskedImage(condStageKey, unit, hole), channels);
		NDArray input = NDArrays.concat(new NDList(masked, IntensityMapping.unitToModel(hole)), 1);
		return new TrainingBatch(BatchImages.toModel(unit, channels), input);
	}

	@Override
	public Conditioning condition(LatentDiffusion model, NDArray condInput) {
		NDList parts = condInput.split(new long[] {channels}, 1);
		return Inpainting.conditioning(model, parts.get(0), parts.get(1));
	}

	@Override
	public NDArray nullInput(NDArray condInput) {
		return null;
	}
}
