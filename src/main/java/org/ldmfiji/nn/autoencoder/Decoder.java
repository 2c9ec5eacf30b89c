package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.io.AutoencoderConfig;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.GroupNorm;
import org.ldmfiji.nn.Resample;
import org.ldmfiji.nn.Weights;

import java.util.ArrayList;
import java.util.List;

/** model.Decoder: z_channels latent → image; {@code up.<level>} is applied from the last level to the first. */
public final class Decoder {

	private final Conv2d convIn;
	private final ResnetBlock mid1;
	private final AttnBlock midAttn;
	private final ResnetBlock mid2;
	/** Indexed by level, as the checkpoint numbers them ({@code up.0} is the full-resolution level). */
	private final List<List<ResnetBlock>> blocks = new ArrayList<>();
	private final List<List<AttnBlock>> attns = new ArrayList<>();
	private final List<Conv2d> upsamples = new ArrayList<>();
	private final boolean upsampleWithConv;
	private final GroupNorm normOut;
	private final Conv2d convOut;
	private final boolean givePreEnd;
	private final boolean tanhOut;
	private final Precision precision;

	public Decoder(AutoencoderConfig c, Weights w) {
		this.precision = w.precision();
		int levels = c.chMult.size();
		long blockIn = (long) c.ch * c.chMult.get(levels - 1);
		int res = c.resolution >> (levels - 1);
		this.convIn = Conv2d.same3x3(w.sub("conv_in"), c.zChannels, blockIn);
		this.mid1 = new ResnetBlock(w.sub("mid.block_1"), blockIn, blockIn);
		this.midAttn = Autoencoders.attention(c, w.sub("mid.attn_1"), blockIn);
		this.mid2 = new ResnetBlock(w.sub("mid.block_2"), blockIn, blockIn);
		for (int i = 0; i < levels; i++) {
			blocks.add(null);
			attns.add(null);
			upsamples.add(null);
		}
		for (int level = levels - 1; level >= 0; level--) {
			Weights lw = w.sub("up." + level);
			long blockOut = (long) c.ch * c.chMult.get(level);
			List<ResnetBlock> lb = new ArrayList<>();
			List<AttnBlock> la = new ArrayList<>();
			for (int b = 0; b <= c.numResBlocks; b++) {
				lb.add(new ResnetBlock(lw.sub("block." + b), blockIn, blockOut));
				blockIn = blockOut;
				if (c.attnResolutions.contains(res)) la.add(Autoencoders.attention(c, lw.sub("attn." + b), blockIn));
			}
			blocks.set(level, lb);
			attns.set(level, la);
			if (level != 0) {
				if (c.resampWithConv) upsamples.set(level, Conv2d.same3x3(lw.sub("upsample.conv"), blockIn, blockIn));
				res *= 2;
			}
		}
		this.upsampleWithConv = c.resampWithConv;
		this.normOut = GroupNorm.of32(w.sub("norm_out"), blockIn, Encoder.NORM_EPS);
		this.convOut = Conv2d.same3x3(w.sub("conv_out"), blockIn, c.outCh);
		this.givePreEnd = c.givePreEnd;
		this.tanhOut = c.tanhOut;
	}

	/** float32 latent features → float32 image; computed in the weights' precision. */
	public NDArray forward(NDArray latent) {
		NDArray z = precision.cast(latent);
		NDArray out = forwardCast(z);
		NDArray image = precision.toFloat32(out);
		if (image != out) out.close();
		if (z != latent) z.close();
		return image;
	}

	private NDArray forwardCast(NDArray z) {
		NDArray h = convIn.forward(z);
		h = Scoped.advance(h, mid1.forward(h), z);
		h = Scoped.advance(h, Autoencoders.attend(midAttn, h), z);
		h = Scoped.advance(h, mid2.forward(h), z);
		for (int level = blocks.size() - 1; level >= 0; level--) {
			List<AttnBlock> la = attns.get(level);
			for (int b = 0; b < blocks.get(level).size(); b++) {
				h = Scoped.advance(h, blocks.get(level).get(b).forward(h), z);
				if (!la.isEmpty()) h = Scoped.advance(h, Autoencoders.attend(la.get(b), h), z);
			}
			if (level != 0) {
				h = Scoped.advance(h, Resample.nearest2x(h), z);
				if (upsampleWithConv) h = Scoped.advance(h, upsamples.get(level).forward(h), z);
			}
		}
		if (givePreEnd) return h;
		NDArray out = Scoped.advance(h, convOut.forward(normOut.forwardSilu(h)), z);
		return tanhOut ? Scoped.advance(out, out.tanh(), z) : out;
	}
}
