package org.ldmfiji.train;

import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.io.LdmConfig;

/** The task a config describes, judged by its cond stage as the pipeline's {@code Task} judges it. */
public final class TrainingTasks {

	private TrainingTasks() {}

	public static TrainingTask forConfig(LdmConfig config) {
		return forConfig(config, new AreaDownsampling(), new RandomBoxes());
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
				return new InpaintingTask(imageChannels, masks);
			case SPATIAL_RESCALER:
				return new LabelMapTask(imageChannels, cond.inChannels);
			default:
				throw new IllegalArgumentException("training a model conditioned by " + cond.target + " is not supported yet "
					+ "(supported: unconditional, super-resolution, inpainting, label maps)");
		}
	}
}
