package org.ldmfiji.io;

import java.util.List;

/**
 * The diffusion process and conditioning plumbing of
 * {@code ldm.models.diffusion.ddpm.LatentDiffusion}: its own arguments and those of its
 * {@code DDPM} base, read from {@code model.params}, with the reference's defaults.
 */
public final class DiffusionConfig {

	/** make_beta_schedule's names; "linear" is the reference's sqrt-linear: linspace(sqrt(start), sqrt(end))^2. */
	static final List<String> BETA_SCHEDULES = List.of("linear", "cosine", "sqrt_linear", "sqrt");
	/** DiffusionWrapper's accepted conditioning keys besides None. */
	static final List<String> CONDITIONING_KEYS = List.of("concat", "crossattn", "hybrid", "adm");

	public final int timesteps;
	public final String betaSchedule;
	public final double linearStart, linearEnd, cosineS;
	/** "eps" or "x0". */
	public final String parameterization;
	/** Sample with the EMA copy of the denoiser ({@code model_ema.*} in the checkpoint). */
	public final boolean useEma;
	/** With {@link #scaleByStd} the real factor is the checkpoint's {@code scale_factor} buffer. */
	public final double scaleFactor;
	public final boolean scaleByStd;
	/** null (unconditional), "concat", "crossattn", "hybrid" or "adm". */
	public final String conditioningKey;
	public final String firstStageKey, condStageKey;
	public final int imageSize, channels;
	/** "l1" or "l2". */
	public final String lossType;
	public final double vPosterior;
	/** Always false: LatentDiffusion overrides DDPM's clip_denoised. */
	public final boolean clipDenoised;
	public final int numTimestepsCond;
	public final boolean condStageTrainable;

	DiffusionConfig(ConfigNode params) throws ConfigException {
		timesteps = params.intOr("timesteps", 1000);
		if (timesteps < 1) throw params.error("timesteps", "must be at least 1, got " + timesteps);
		betaSchedule = params.stringOr("beta_schedule", "linear");
		if (!BETA_SCHEDULES.contains(betaSchedule))
			throw params.error("beta_schedule", "unknown schedule \"" + betaSchedule + "\"; expected one of " + BETA_SCHEDULES);
		if (params.has("given_betas")) throw params.notSupported("given_betas", "an explicit beta list (given_betas)");
		linearStart = params.doubleOr("linear_start", 1e-4);
		linearEnd = params.doubleOr("linear_end", 2e-2);
		cosineS = params.doubleOr("cosine_s", 8e-3);

		parameterization = params.stringOr("parameterization", "eps");
		if ("v".equals(parameterization)) throw params.notSupported("parameterization", "v-prediction");
		if (!"eps".equals(parameterization) && !"x0".equals(parameterization))
			throw params.error("parameterization", "expected \"eps\" or \"x0\", got \"" + parameterization + "\"");

		useEma = params.boolOr("use_ema", true);
		scaleFactor = params.doubleOr("scale_factor", 1.0);
		scaleByStd = params.boolOr("scale_by_std", false);
		conditioningKey = conditioningKey(params);
		firstStageKey = params.stringOr("first_stage_key", "image");
		condStageKey = params.stringOr("cond_stage_key", "image");
		imageSize = params.intOr("image_size", 256, 1);
		channels = params.intOr("channels", 3);
		if (channels < 1) throw params.error("channels", "must be at least 1, got " + channels);

		lossType = params.stringOr("loss_type", "l2");
		if (!"l1".equals(lossType) && !"l2".equals(lossType))
			throw params.error("loss_type", "expected \"l1\" or \"l2\", got \"" + lossType + "\"");
		vPosterior = params.doubleOr("v_posterior", 0);
		clipDenoised = false;

		Integer condSteps = params.intOrNull("num_timesteps_cond");
		numTimestepsCond = condSteps == null ? 1 : condSteps;
		if (numTimestepsCond < 1 || numTimestepsCond > timesteps)
			throw params.error("num_timesteps_cond", "must be between 1 and timesteps (" + timesteps + "), got " + numTimestepsCond);
		condStageTrainable = params.boolOr("cond_stage_trainable", false);

		// these change what the reference computes; refuse rather than silently ignore
		if (params.has("cond_stage_forward")) throw params.notSupported("cond_stage_forward", "a custom cond stage method (cond_stage_forward)");
		if (params.boolOr("use_positional_encodings", false))
			throw params.notSupported("use_positional_encodings", "positional-encoding conditioning");
	}

	/** As LatentDiffusion.__init__: an explicit key, else concat_mode decides; an unconditional cond stage forces None. */
	private static String conditioningKey(ConfigNode params) throws ConfigException {
		String key = params.stringOrNull("conditioning_key");
		boolean concatMode = params.boolOr("concat_mode", true);
		if (key == null) key = concatMode ? "concat" : "crossattn";
		if (CondStageConfig.UNCONDITIONAL.equals(params.get("cond_stage_config"))) return null;
		if (!CONDITIONING_KEYS.contains(key))
			throw params.error("conditioning_key", "expected one of " + CONDITIONING_KEYS + ", got \"" + key + "\"");
		return key;
	}

	@Override
	public String toString() {
		String schedule = "cosine".equals(betaSchedule) ? "cosine betas (s " + cosineS + ")"
			: betaSchedule + " betas " + linearStart + ".." + linearEnd;
		return String.format("%s-prediction, %s over %d steps, conditioning %s, %s, %s weights",
			parameterization, schedule, timesteps, conditioningKey == null ? "none" : conditioningKey,
			scaleByStd ? "scale_factor from checkpoint (scale_by_std)" : "scale_factor " + scaleFactor, useEma ? "EMA" : "raw");
	}
}
