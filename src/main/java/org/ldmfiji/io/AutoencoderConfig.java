package org.ldmfiji.io;

import java.util.List;

/**
 * The {@code ddconfig} shared by the first stage's
 * {@code ldm.modules.diffusionmodules.model.Encoder} and {@code Decoder}, with their defaults.
 */
public final class AutoencoderConfig {

	/** Normalize() is GroupNorm(32, ·); every normalised width is a multiple of ch. */
	private static final int NORM_GROUPS = 32;

	public final int ch, outCh, numResBlocks, inChannels, resolution, zChannels;
	public final List<Integer> chMult;
	/** Pixel resolutions (not factors) at which the encoder/decoder levels get attention. */
	public final List<Integer> attnResolutions;
	public final double dropout;
	public final boolean resampWithConv;
	public final boolean doubleZ;
	/** Always false: linear attention is refused at load. */
	public final boolean useLinearAttn;
	/** "vanilla" or "none" (no attention anywhere, including the middle block). */
	public final String attnType;
	public final boolean givePreEnd, tanhOut;

	AutoencoderConfig(ConfigNode dd) throws ConfigException {
		ch = dd.requiredInt("ch", 1);
		outCh = dd.requiredInt("out_ch", 1);
		numResBlocks = dd.requiredInt("num_res_blocks", 0);
		inChannels = dd.requiredInt("in_channels", 1);
		resolution = dd.requiredInt("resolution", 1);
		zChannels = dd.requiredInt("z_channels", 1);
		chMult = dd.positiveEntries("ch_mult", dd.intListOr("ch_mult", List.of(1, 2, 4, 8)));
		attnResolutions = dd.requiredIntList("attn_resolutions");
		dropout = dd.fractionOr("dropout", 0);
		resampWithConv = dd.boolOr("resamp_with_conv", true);
		doubleZ = dd.boolOr("double_z", true);
		useLinearAttn = dd.boolOr("use_linear_attn", false);
		attnType = dd.stringOr("attn_type", "vanilla");
		givePreEnd = dd.boolOr("give_pre_end", false);
		tanhOut = dd.boolOr("tanh_out", false);

		if (useLinearAttn) throw dd.notSupported("use_linear_attn", "linear attention (attn_type \"linear\")");
		if ("linear".equals(attnType)) throw dd.notSupported("attn_type", "linear attention (attn_type \"linear\")");
		if (!"vanilla".equals(attnType) && !"none".equals(attnType))
			throw dd.error("attn_type", "expected \"vanilla\", \"linear\" or \"none\", got \"" + attnType + "\"");
		if (ch % NORM_GROUPS != 0) throw dd.error("ch", "must be a multiple of " + NORM_GROUPS + " (GroupNorm groups), got " + ch);
	}

	/** Spatial downsampling factor f = 2^(len(ch_mult) - 1). */
	public int downsamplingFactor() {
		return 1 << (chMult.size() - 1);
	}

	@Override
	public String toString() {
		return String.format("f%d, z %d channels, ch %d x %s, %d res blocks/level, attention %s at %s",
			downsamplingFactor(), zChannels, ch, chMult, numResBlocks, attnType, attnResolutions);
	}
}
