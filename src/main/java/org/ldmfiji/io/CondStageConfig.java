package org.ldmfiji.io;

import java.util.List;

/**
 * The conditioning stage, {@code model.params.cond_stage_config}: one of the two markers
 * LatentDiffusion understands, or a {@code {target, params}} module. Fields that belong
 * to another kind are 0, null or false.
 */
public final class CondStageConfig {

	public enum Kind { UNCONDITIONAL, FIRST_STAGE, IDENTITY, CLASS_EMBEDDER, SPATIAL_RESCALER }

	static final String UNCONDITIONAL = "__is_unconditional__";
	static final String FIRST_STAGE = "__is_first_stage__";
	static final String IDENTITY = "torch.nn.Identity";
	static final String CLASS_EMBEDDER = "ldm.modules.encoders.modules.ClassEmbedder";
	static final String SPATIAL_RESCALER = "ldm.modules.encoders.modules.SpatialRescaler";
	private static final String KEY = "cond_stage_config";
	/** SpatialRescaler asserts the reference's list; torch's 'linear' and 'trilinear' reject the 4-D maps it gets. */
	private static final List<String> RESCALE_METHODS = List.of("nearest", "bilinear", "bicubic", "area");

	public final Kind kind;
	/** The target class, or the marker string for UNCONDITIONAL and FIRST_STAGE. */
	public final String target;
	// ClassEmbedder(embed_dim, n_classes=1000, key='class')
	public final int embedDim, nClasses;
	public final String key;
	// SpatialRescaler(n_stages=1, method='bilinear', multiplier=0.5, in_channels=3, out_channels=None, bias=False)
	public final int nStages;
	public final String method;
	public final double multiplier;
	public final int inChannels;
	public final Integer outChannels;
	public final boolean bias;

	CondStageConfig(ConfigNode ldmParams) throws ConfigException {
		ConfigNode p;
		if (ldmParams.get(KEY) instanceof String) {
			target = ldmParams.requiredString(KEY);
			kind = markerKind(ldmParams, target);
			p = ldmParams.emptyNode(KEY); // markers take no arguments
		}
		else {
			ConfigNode section = ldmParams.node(KEY);
			target = section.requiredString("target");
			kind = targetKind(section, target);
			p = section.params();
		}

		boolean embedder = kind == Kind.CLASS_EMBEDDER;
		embedDim = embedder ? p.requiredInt("embed_dim", 1) : 0;
		nClasses = embedder ? p.intOr("n_classes", 1000, 1) : 0;
		key = embedder ? p.stringOr("key", "class") : null;

		boolean rescaler = kind == Kind.SPATIAL_RESCALER;
		nStages = rescaler ? p.intOr("n_stages", 1, 0) : 0;
		method = rescaler ? p.stringOr("method", "bilinear") : null;
		multiplier = rescaler ? p.doubleOr("multiplier", 0.5) : 0;
		inChannels = rescaler ? p.intOr("in_channels", 3, 1) : 0;
		outChannels = rescaler ? p.intOrNull("out_channels", 1) : null;
		bias = rescaler && p.boolOr("bias", false);
		if (rescaler && !RESCALE_METHODS.contains(method))
			throw p.error("method", "expected one of " + RESCALE_METHODS + ", got \"" + method + "\"");
		if (rescaler && !(multiplier > 0)) throw p.error("multiplier", "must be positive, got " + multiplier);
	}

	/** Channels the SpatialRescaler hands on: out_channels if it remaps, else in_channels. */
	public int rescaledChannels() {
		return outChannels != null ? outChannels : inChannels;
	}

	private static Kind markerKind(ConfigNode ldmParams, String marker) throws ConfigException {
		if (UNCONDITIONAL.equals(marker)) return Kind.UNCONDITIONAL;
		if (FIRST_STAGE.equals(marker)) return Kind.FIRST_STAGE;
		throw ldmParams.error(KEY, "expected a mapping with a target, \"" + UNCONDITIONAL + "\" or \"" + FIRST_STAGE
			+ "\", got the string \"" + marker + "\"");
	}

	private static Kind targetKind(ConfigNode section, String target) throws ConfigException {
		if (IDENTITY.equals(target)) return Kind.IDENTITY;
		if (CLASS_EMBEDDER.equals(target)) return Kind.CLASS_EMBEDDER;
		if (SPATIAL_RESCALER.equals(target)) return Kind.SPATIAL_RESCALER;
		throw section.notSupported("target", "cond stage " + target,
			"supported: " + IDENTITY + ", " + CLASS_EMBEDDER + ", " + SPATIAL_RESCALER + ", " + FIRST_STAGE + ", " + UNCONDITIONAL);
	}

	@Override
	public String toString() {
		switch (kind) {
		case CLASS_EMBEDDER:
			return String.format("ClassEmbedder: %d classes -> %d, label key '%s'", nClasses, embedDim, key);
		case SPATIAL_RESCALER:
			return String.format("SpatialRescaler: %d x %s x%s, %d -> %d channels%s", nStages, method, multiplier, inChannels,
				rescaledChannels(), bias ? " with bias" : "");
		default:
			return kind + " (" + target + ")";
		}
	}
}
