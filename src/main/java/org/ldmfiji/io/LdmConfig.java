package org.ldmfiji.io;

/**
 * A latent diffusion model as described by a CompVis config ({@code model: {target,
 * base_learning_rate, params}}), with every default applied and every check done.
 * Read one with {@link ModelConfigReader}.
 */
public final class LdmConfig {

	static final String LATENT_DIFFUSION = "ldm.models.diffusion.ddpm.LatentDiffusion";
	private static final String DDPM = "ldm.models.diffusion.ddpm.DDPM";

	public final String target;
	/** 0 if absent (only training uses it). */
	public final double baseLearningRate;
	public final DiffusionConfig diffusion;
	public final UNetConfig unet;
	public final FirstStageConfig firstStage;
	public final CondStageConfig condStage;

	LdmConfig(ConfigNode model) throws ConfigException {
		target = model.requiredString("target");
		if (DDPM.equals(target)) throw model.notSupported("target", "pixel-space " + DDPM, "expected " + LATENT_DIFFUSION);
		if (!LATENT_DIFFUSION.equals(target)) throw model.notSupported("target", "model " + target, "expected " + LATENT_DIFFUSION);
		baseLearningRate = model.doubleOr("base_learning_rate", 0);
		ConfigNode params = model.params();
		diffusion = new DiffusionConfig(params);
		unet = new UNetConfig(params.node("unet_config"));
		firstStage = new FirstStageConfig(params.node("first_stage_config"));
		condStage = new CondStageConfig(params);
		checkCondStage(params);
		checkChannels(params);
	}

	/** LatentDiffusion.instantiate_cond_stage: a trainable cond stage must be a real module. */
	private void checkCondStage(ConfigNode params) throws ConfigException {
		boolean marker = condStage.kind == CondStageConfig.Kind.UNCONDITIONAL || condStage.kind == CondStageConfig.Kind.FIRST_STAGE;
		if (marker && diffusion.condStageTrainable)
			throw params.error("cond_stage_trainable", "must be false with cond_stage_config \"" + condStage.target + "\"");
	}

	/** Shapes that the reference only trips over while sampling: refuse them here instead. */
	private void checkChannels(ConfigNode params) throws ConfigException {
		int channels = diffusion.channels;
		String conditioning = diffusion.conditioningKey;
		if (firstStage.embedDim != channels)
			throw params.error("channels", channels + " latent channels, but the first stage's embed_dim is " + firstStage.embedDim);
		if (unet.outChannels != channels)
			throw params.error("unet_config.params.out_channels", "must equal channels (" + channels + "), got " + unet.outChannels);

		boolean concatenates = "concat".equals(conditioning) || "hybrid".equals(conditioning);
		if (!concatenates && unet.inChannels != channels)
			throw params.error("unet_config.params.in_channels", "must equal channels (" + channels + ") with conditioning "
				+ conditioning + ", got " + unet.inChannels);
		if (concatenates && unet.inChannels <= channels)
			throw params.error("unet_config.params.in_channels", "must exceed channels (" + channels + ") with conditioning "
				+ conditioning + ", which appends the conditioning channels, got " + unet.inChannels);
		if ("adm".equals(conditioning) != (unet.numClasses != null))
			throw params.error("unet_config.params.num_classes", "must be set exactly when conditioning_key is adm (the UNet's class labels)");

		if (condStage.kind == CondStageConfig.Kind.CLASS_EMBEDDER) {
			// its output, (batch, 1, embed_dim), only fits as a cross-attention context
			if (!"crossattn".equals(conditioning))
				throw params.error("conditioning_key", "must be crossattn for a ClassEmbedder cond stage, got " + conditioning);
			if (!Integer.valueOf(condStage.embedDim).equals(unet.contextDim))
				throw params.error("unet_config.params.context_dim", "must equal the ClassEmbedder's embed_dim ("
					+ condStage.embedDim + "), got " + unet.contextDim);
		}
		int rescaled = channels + condStage.rescaledChannels();
		if (condStage.kind == CondStageConfig.Kind.SPATIAL_RESCALER && "concat".equals(conditioning) && unet.inChannels != rescaled)
			throw params.error("unet_config.params.in_channels", "must be channels + the SpatialRescaler's output channels ("
				+ rescaled + "), got " + unet.inChannels);
	}

	/** The architecture in a few lines, for the CLI's {@code info} command. */
	@Override
	public String toString() {
		return "LatentDiffusion: " + diffusion
			+ String.format("%n  latents %d x %d x %d, first stage key '%s', cond stage key '%s'", diffusion.channels,
				diffusion.imageSize, diffusion.imageSize, diffusion.firstStageKey, diffusion.condStageKey)
			+ String.format("%n  %s%n  first stage: %s%n  cond stage: %s", unet, firstStage, condStage);
	}
}
