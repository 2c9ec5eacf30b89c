package org.ldmfiji.io;

import java.util.List;

/**
 * Arguments of {@code ldm.modules.diffusionmodules.openaimodel.UNetModel}
 * ({@code model.params.unet_config}), with the reference's defaults, its head-count
 * rule and its assertions, plus the checks that would otherwise only fail when the
 * network is built or run.
 */
public final class UNetConfig {

	static final String TARGET = "ldm.modules.diffusionmodules.openaimodel.UNetModel";
	/** GroupNorm32(32, channels): every normalised width is a multiple of model_channels. */
	private static final int NORM_GROUPS = 32;

	public final int imageSize, inChannels, modelChannels, outChannels, numResBlocks;
	/** Downsampling factors (1, 2, 4, ... per level), not pixel sizes. */
	public final List<Integer> attentionResolutions;
	public final double dropout;
	public final List<Integer> channelMult;
	public final boolean convResample;
	public final int dims;
	public final Integer numClasses;
	/** Raw YAML values (-1 = unset); see {@link #attentionHeads} for what the reference builds. */
	public final int numHeads, numHeadChannels;
	/** num_heads_upsample, or num_heads when it is -1 (the reference's rule). */
	public final int numHeadsUpsample;
	public final boolean useScaleShiftNorm, resblockUpdown, useNewAttentionOrder, useSpatialTransformer, legacy,
		useCheckpoint, useFp16;
	public final int transformerDepth;
	public final Integer contextDim;
	/** Always null: predicting codebook ids is refused at load. */
	public final Integer nEmbed;

	UNetConfig(ConfigNode section) throws ConfigException {
		String target = section.requiredString("target");
		if (!TARGET.equals(target)) throw section.notSupported("target", "UNet " + target, "expected " + TARGET);
		ConfigNode p = section.params();
		imageSize = p.requiredInt("image_size");
		inChannels = p.requiredInt("in_channels", 1);
		modelChannels = p.requiredInt("model_channels", 1);
		outChannels = p.requiredInt("out_channels", 1);
		numResBlocks = p.requiredInt("num_res_blocks", 0);
		attentionResolutions = p.requiredIntList("attention_resolutions");
		dropout = p.fractionOr("dropout", 0);
		channelMult = p.positiveEntries("channel_mult", p.intListOr("channel_mult", List.of(1, 2, 4, 8)));
		convResample = p.boolOr("conv_resample", true);
		dims = p.intOr("dims", 2);
		numClasses = p.intOrNull("num_classes", 1);
		useCheckpoint = p.boolOr("use_checkpoint", false);
		useFp16 = p.boolOr("use_fp16", false);
		numHeads = p.intOr("num_heads", -1);
		numHeadChannels = p.intOr("num_head_channels", -1);
		int upsampleHeads = p.intOr("num_heads_upsample", -1);
		numHeadsUpsample = upsampleHeads == -1 ? numHeads : upsampleHeads;
		useScaleShiftNorm = p.boolOr("use_scale_shift_norm", false);
		resblockUpdown = p.boolOr("resblock_updown", false);
		useNewAttentionOrder = p.boolOr("use_new_attention_order", false);
		useSpatialTransformer = p.boolOr("use_spatial_transformer", false);
		transformerDepth = p.intOr("transformer_depth", 1, 1);
		contextDim = contextDim(p);
		nEmbed = p.intOrNull("n_embed");
		legacy = p.boolOr("legacy", true);

		if (dims != 2) throw p.notSupported("dims", "a " + dims + "-D UNet (only dims 2)");
		if (nEmbed != null) throw p.notSupported("n_embed", "predicting codebook ids (n_embed)");
		if (useSpatialTransformer && contextDim == null)
			throw p.error("context_dim", "missing; use_spatial_transformer needs the cross-attention dimension");
		if (contextDim != null && !useSpatialTransformer)
			throw p.error("use_spatial_transformer", "must be true when context_dim is given");
		if (numHeads == -1 && numHeadChannels == -1)
			throw p.error("num_heads", "either num_heads or num_head_channels has to be set (both are -1)");
		unsetOrPositive(p, "num_heads", numHeads);
		unsetOrPositive(p, "num_head_channels", numHeadChannels);
		unsetOrPositive(p, "num_heads_upsample", upsampleHeads);
		checkChannels(p);
		checkAttention(p);
	}

	/** Channels of the UNet level with this index (its ResBlocks' output width). */
	public int levelChannels(int level) {
		return modelChannels * channelMult.get(level);
	}

	/** True if the level with this index (downsampling factor 2^level) has attention blocks. */
	public boolean hasAttention(int level) {
		return attentionResolutions.contains(1 << level);
	}

	/**
	 * Heads of the attention layer on a level of {@code channels} channels, as UNetModel
	 * builds it ({@code outputBlock}: in output_blocks, where num_heads_upsample applies).
	 */
	public int attentionHeads(int channels, boolean outputBlock) {
		if (numHeadChannels != -1) return channels / numHeadChannels;
		if (useSpatialTransformer) return numHeads; // SpatialTransformer never sees num_heads_upsample
		if (legacy) return outputBlock ? numHeadsUpsample : numHeads;
		// legacy False hands AttentionBlock num_head_channels = channels // num_heads
		int headChannels = channels / numHeads;
		return headChannels == 0 ? 0 : channels / headChannels;
	}

	/** Width of one head there; for a SpatialTransformer heads x width may differ from {@code channels}. */
	public int attentionHeadChannels(int channels, boolean outputBlock) {
		// legacy quirk: SpatialTransformer's head width is recomputed from the head count
		boolean fromHeadCount = useSpatialTransformer ? legacy || numHeadChannels == -1 : numHeadChannels == -1;
		if (!fromHeadCount) return numHeadChannels;
		int heads = attentionHeads(channels, outputBlock);
		return heads == 0 ? 0 : channels / heads;
	}

	private static Integer contextDim(ConfigNode p) throws ConfigException {
		Object value = p.get("context_dim");
		if (!(value instanceof List)) return p.intOrNull("context_dim", 1);
		// a ListConfig context_dim is reduced to its first entry
		List<?> dims = (List<?>) value;
		if (dims.isEmpty()) throw p.error("context_dim", "is an empty list; expected an integer");
		return p.atLeast("context_dim[0]", 1, p.asInt("context_dim[0]", dims.get(0)));
	}

	private void checkChannels(ConfigNode p) throws ConfigException {
		if (channelMult.get(0) != 1) // the output conv is conv(model_channels, out_channels) after the level-0 blocks
			throw p.error("channel_mult[0]", "must be 1: UNetModel's output convolution takes model_channels inputs, got " + channelMult.get(0));
		if (modelChannels % NORM_GROUPS != 0)
			throw p.error("model_channels", "must be a multiple of " + NORM_GROUPS + " (GroupNorm32 groups), got " + modelChannels);
	}

	/** Every attention site (levels with attention on both sides, plus the middle block) must get a whole number of heads. */
	private void checkAttention(ConfigNode p) throws ConfigException {
		int last = channelMult.size() - 1;
		checkAttentionSite(p, levelChannels(last), false, "the middle block");
		for (int level = 0; level <= last; level++) {
			if (!hasAttention(level)) continue;
			checkAttentionSite(p, levelChannels(level), false, "level " + level);
			checkAttentionSite(p, levelChannels(level), true, "level " + level + " (output blocks)");
		}
	}

	private void checkAttentionSite(ConfigNode p, int channels, boolean outputBlock, String where) throws ConfigException {
		int heads = attentionHeads(channels, outputBlock);
		int headChannels = attentionHeadChannels(channels, outputBlock);
		boolean whole = useSpatialTransformer || heads * headChannels == channels;
		if (heads < 1 || headChannels < 1 || !whole) {
			String key = numHeadChannels != -1 ? "num_head_channels" : outputBlock ? "num_heads_upsample" : "num_heads";
			throw p.error(key, "attention in " + where + " has " + channels + " channels, which do not split into "
				+ heads + " heads of " + headChannels);
		}
	}

	private static void unsetOrPositive(ConfigNode p, String key, int value) throws ConfigException {
		if (value != -1 && value < 1) throw p.error(key, "must be -1 (unset) or at least 1, got " + value);
	}

	@Override
	public String toString() {
		StringBuilder s = new StringBuilder(String.format("UNet %d->%d channels, %d x %s, %d res blocks/level, attention at ds %s",
			inChannels, outChannels, modelChannels, channelMult, numResBlocks, attentionResolutions));
		s.append(numHeadChannels != -1 ? ", " + numHeadChannels + " channels/head" : ", " + numHeads + (numHeads == 1 ? " head" : " heads"));
		if (useSpatialTransformer) s.append(", spatial transformer depth ").append(transformerDepth).append(" context ").append(contextDim);
		if (useScaleShiftNorm) s.append(", scale-shift norm");
		if (resblockUpdown) s.append(", resblock up/down");
		if (numClasses != null) s.append(", ").append(numClasses).append(" classes");
		if (!legacy) s.append(", legacy false");
		return s.toString();
	}
}
