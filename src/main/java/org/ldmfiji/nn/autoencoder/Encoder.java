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

/** model.Encoder: image → (2×)z_channels feature map, downsampled 2^(levels-1) times. */
public final class Encoder {

	static final float NORM_EPS = 1e-6f;

	private final Conv2d convIn;
	private final List<List<ResnetBlock>> blocks = new ArrayList<>();
	private final List<List<AttnBlock>> attns = new ArrayList<>();
	private final List<Conv2d> downsamples = new ArrayList<>();
	private final ResnetBlock mid1;
	private final AttnBlock midAttn;
	private final ResnetBlock mid2;
	private final GroupNorm normOut;
	private final Conv2d convOut;
	private final Precision precision;

	public Encoder(AutoencoderConfig c, Weights w) {
		this.precision = w.precision();
		this.convIn = Conv2d.same3x3(w.sub("conv_in"), c.inChannels, c.ch);
		int levels = c.chMult.size();
		long blockIn = c.ch;
		int res = c.resolution;
		for (int level = 0; level < levels; level++) {
			Weights lw = w.sub("down." + level);
			blockIn = (long) c.ch * (level == 0 ? 1 : c.chMult.get(level - 1));
			long blockOut = (long) c.ch * c.chMult.get(level);
			List<ResnetBlock> lb = new ArrayList<>();
			List<AttnBlock> la = new ArrayList<>();
			for (int b = 0; b < c.numResBlocks; b++) {
				lb.add(new ResnetBlock(lw.sub("block." + b), blockIn, blockOut));
				blockIn = blockOut;
				if (c.attnResolutions.contains(res)) la.add(Autoencoders.attention(c, lw.sub("attn." + b), blockIn));
			}
			blocks.add(lb);
			attns.add(la);
			if (level != levels - 1) {
				if (!c.resampWithConv) downsamples.add(null);
				else downsamples.add(new Conv2d(lw.sub("downsample.conv"), blockIn, blockIn, 3, 2, 0, true));
				res /= 2;
			}
		}
		this.mid1 = new ResnetBlock(w.sub("mid.block_1"), blockIn, blockIn);
		this.midAttn = Autoencoders.attention(c, w.sub("mid.attn_1"), blockIn);
		this.mid2 = new ResnetBlock(w.sub("mid.block_2"), blockIn, blockIn);
		this.normOut = GroupNorm.of32(w.sub("norm_out"), blockIn, NORM_EPS);
		this.convOut = Conv2d.same3x3(w.sub("conv_out"), blockIn, c.doubleZ ? 2L * c.zChannels : c.zChannels);
	}

	/** float32 image → float32 features; computed in the weights' precision. */
	public NDArray forward(NDArray image) {
		NDArray x = precision.cast(image);
		NDArray h = convIn.forward(x);
		for (int level = 0; level < blocks.size(); level++) {
			List<AttnBlock> la = attns.get(level);
			for (int b = 0; b < blocks.get(level).size(); b++) {
				h = Scoped.advance(h, blocks.get(level).get(b).forward(h), x);
				if (!la.isEmpty()) h = Scoped.advance(h, Autoencoders.attend(la.get(b), h), x);
			}
			if (level < downsamples.size()) h = Scoped.advance(h, downsample(downsamples.get(level), h), x);
		}
		h = Scoped.advance(h, mid1.forward(h), x);
		h = Scoped.advance(h, Autoencoders.attend(midAttn, h), x);
		h = Scoped.advance(h, mid2.forward(h), x);
		NDArray out = Scoped.advance(h, convOut.forward(normOut.forwardSilu(h)), x);
		out = Scoped.advance(out, precision.toFloat32(out), x);
		if (x != image) x.close();
		return out;
	}

	/** model.Downsample: pad right and bottom by one, then a 3x3 stride-2 convolution (or 2x2 average pooling). */
	private static NDArray downsample(Conv2d conv, NDArray x) {
		if (conv == null) return Resample.avgPool2x(x);
		// DJL's pad takes (last-axis before, after, previous-axis before, after), like torch's F.pad.
		return conv.forward(x.pad(new ai.djl.ndarray.types.Shape(0, 1, 0, 1), 0));
	}
}
