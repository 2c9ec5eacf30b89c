package org.ldmfiji.train;

import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.train.data.InpaintMasks;
import org.ldmfiji.train.data.SrDegradation;

/** The task a config describes, judged by its cond stage as the pipeline's {@code Task} judges it. */
public final class TrainingTasks {

	private TrainingTasks() {}

	/**
	 * The task with the data pipeline's defaults: super-resolution learns from {@link SrDegradation#standard()} at the
	 * model's factor (as {@code evaluate} degrades its held-out images), inpainting from {@link InpaintMasks#standard()}.
	 */
	public static TrainingTask forConfig(LdmConfig config) {
		return forConfig(config, degradation(SrDegradation.standard()), masks(InpaintMasks.standard()));
	}

	/**
	 * Whether the task wants its training images without camera noise: super-resolution, whose target is the clean
	 * high-resolution image and whose input the degradation makes noisy, as {@code evaluate} measures it. The others
	 * learn the images as a microscope records them.
	 */
	public static boolean wantsCleanImages(LdmConfig config) {
		return config.condStage.kind == CondStageConfig.Kind.IDENTITY;
	}

	/** The noisy low-resolution image of {@code d}, at the factor the model asks for (the same blur and noise ranges). */
	public static Degradation degradation(SrDegradation d) {
		return (highRes01, factor, random) -> (d.factor == factor ? d : d.withFactor(factor)).degrade(highRes01, random).lowRes;
	}

	public static MaskSource masks(InpaintMasks masks) {
		return (width, height, random) -> masks.next(height, width, random);
	}

	public static TrainingTask forConfig(LdmConfig config, Degradation degradation, MaskSource masks) {
		int imageChannels = config.firstStage.ddconfig.inChannels;
		int extra = config.unet.inChannels - config.diffusion.channels;
		CondStageConfig cond = config.condStage;
		switch (cond.kind) {
			case UNCONDITIONAL:
				return new UnconditionalTask(imageChannels);
			case IDENTITY:
				if (!"concat".equals(config.diffusion.conditioningKey))
					throw new IllegalArgumentException("an Identity cond stage trains as super-resolution, which concatenates its input; "
						+ "this config's conditioning is " + config.diffusion.conditioningKey);
				return new SuperResolutionTask(imageChannels, extra, config.firstStage.ddconfig.downsamplingFactor(), degradation);
			case FIRST_STAGE:
				return new InpaintingTask(imageChannels, masks, config.diffusion.condStageKey);
			case SPATIAL_RESCALER:
				return new LabelMapTask(imageChannels, cond.inChannels);
			default:
				throw new IllegalArgumentException("training a model conditioned by " + cond.target + " is not supported yet "
					+ "(supported: unconditional, super-resolution, inpainting, label maps)");
		}
	}
}
