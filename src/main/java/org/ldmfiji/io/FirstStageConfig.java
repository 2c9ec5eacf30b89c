package org.ldmfiji.io;

/**
 * The first stage (the autoencoder between images and latents),
 * {@code model.params.first_stage_config}: a VQ model or a KL autoencoder from
 * {@code ldm.models.autoencoder}.
 */
public final class FirstStageConfig {

	public enum Kind { VQ, KL }

	static final String VQ_MODEL = "ldm.models.autoencoder.VQModel";
	static final String VQ_INTERFACE = "ldm.models.autoencoder.VQModelInterface";
	static final String AUTOENCODER_KL = "ldm.models.autoencoder.AutoencoderKL";

	public final Kind kind;
	public final String target;
	public final int embedDim;
	/** Codebook size; 0 for KL. */
	public final int nEmbed;
	public final AutoencoderConfig ddconfig;
	public final boolean saneIndexShape;
	/** Always null: codebook remapping is refused at load. */
	public final String remap;

	FirstStageConfig(ConfigNode section) throws ConfigException {
		target = section.requiredString("target");
		kind = kind(section, target);
		ConfigNode p = section.params();
		embedDim = p.requiredInt("embed_dim", 1);
		nEmbed = kind == Kind.VQ ? p.requiredInt("n_embed", 1) : 0;
		ConfigNode dd = p.node("ddconfig");
		ddconfig = new AutoencoderConfig(dd);
		saneIndexShape = kind == Kind.VQ && p.boolOr("sane_index_shape", false);
		remap = kind == Kind.VQ ? p.stringOrNull("remap") : null;

		if (remap != null) throw p.notSupported("remap", "codebook index remapping (remap)");
		// AutoencoderKL asserts double_z (mean and log-variance); a VQ quant_conv takes z_channels, so one z only
		if (kind == Kind.KL && !ddconfig.doubleZ)
			throw dd.error("double_z", "must be true for " + AUTOENCODER_KL + " (the encoder outputs mean and log-variance)");
		if (kind == Kind.VQ && ddconfig.doubleZ)
			throw dd.error("double_z", "must be false for a VQ first stage (its quant_conv takes z_channels inputs)");
	}

	/** Whether a model's {@code target} names a first stage (an autoencoder config of its own). */
	public static boolean isFirstStage(String target) {
		return VQ_MODEL.equals(target) || VQ_INTERFACE.equals(target) || AUTOENCODER_KL.equals(target);
	}

	private static Kind kind(ConfigNode section, String target) throws ConfigException {
		if (VQ_MODEL.equals(target) || VQ_INTERFACE.equals(target)) return Kind.VQ;
		if (AUTOENCODER_KL.equals(target)) return Kind.KL;
		throw section.notSupported("target", "first stage " + target,
			"supported: " + VQ_INTERFACE + ", " + VQ_MODEL + ", " + AUTOENCODER_KL);
	}

	/**
	 * Whether LatentDiffusion quantises latents before decoding: only through VQModelInterface;
	 * a plain VQModel decodes the latent as it is, and a KL model has no codebook.
	 */
	public boolean quantizesOnDecode() {
		return VQ_INTERFACE.equals(target);
	}

	@Override
	public String toString() {
		String codebook = kind == Kind.VQ ? ", " + nEmbed + " codes" : "";
		return String.format("%s (%s), embed_dim %d%s, %s", kind, target, embedDim, codebook, ddconfig);
	}
}
