package org.ldmfiji.nn.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.io.UNetConfig;
import org.ldmfiji.nn.Activations;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.Embedding;
import org.ldmfiji.nn.GroupNorm;
import org.ldmfiji.nn.Linear;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.nn.Weights;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * openaimodel.UNetModel, the denoiser of every CompVis latent diffusion model, built from the checkpoint's
 * {@code model.diffusion_model.*} tensors. Block layout, head counts and the {@code legacy} quirks follow the
 * reference constructor line by line, so the same key paths appear in the same places.
 */
public final class UNetModel {

	static final float NORM_EPS = 1e-5f;

	private final UNetConfig config;
	private final Linear timeEmbed0;
	private final Linear timeEmbed2;
	private final Embedding labelEmb;
	private final List<TimestepBlock> inputBlocks = new ArrayList<>();
	private final TimestepBlock middleBlock;
	private final List<TimestepBlock> outputBlocks = new ArrayList<>();
	private final GroupNorm outNorm;
	private final Conv2d outConv;
	private final Precision precision;

	public UNetModel(UNetConfig c, Weights w) {
		this.config = c;
		this.precision = w.precision();
		if (c.dims != 2) throw new IllegalArgumentException("only 2-D UNets are supported (dims: " + c.dims + ")");
		long mc = c.modelChannels;
		long embDim = mc * 4;
		// the timestep embedding is computed in float32 whatever the precision, and cast once made
		this.timeEmbed0 = new Linear(w.float32().sub("time_embed.0"), mc, embDim);
		this.timeEmbed2 = new Linear(w.float32().sub("time_embed.2"), embDim, embDim);
		this.labelEmb = c.numClasses == null ? null : new Embedding(w.float32().sub("label_emb"), c.numClasses, embDim);

		int block = 0;
		inputBlocks.add(single(new ConvBlock(Conv2d.same3x3(w.sub("input_blocks.0.0"), c.inChannels, mc))));
		Deque<Long> inputChannels = new ArrayDeque<>();
		inputChannels.push(mc);
		long ch = mc;
		int ds = 1;
		List<Integer> mult = c.channelMult;
		for (int level = 0; level < mult.size(); level++) {
			for (int r = 0; r < c.numResBlocks; r++) {
				Weights bw = w.sub("input_blocks." + (++block));
				List<TimestepBlock> layers = new ArrayList<>();
				long out = mult.get(level) * mc;
				layers.add(new ResBlock(bw.sub("0"), ch, embDim, out, c.useScaleShiftNorm, ResBlock.Resampling.NONE));
				ch = out;
				if (c.attentionResolutions.contains(ds)) layers.add(attention(c, bw.sub("1"), (int) ch, false));
				inputBlocks.add(new TimestepEmbedSequential(layers));
				inputChannels.push(ch);
			}
			if (level != mult.size() - 1) {
				Weights bw = w.sub("input_blocks." + (++block) + ".0");
				inputBlocks.add(single(c.resblockUpdown
					? new ResBlock(bw, ch, embDim, ch, c.useScaleShiftNorm, ResBlock.Resampling.DOWN)
					: new Downsample(bw, ch, c.convResample, ch)));
				inputChannels.push(ch);
				ds *= 2;
			}
		}

		Weights mw = w.sub("middle_block");
		List<TimestepBlock> middle = new ArrayList<>();
		middle.add(new ResBlock(mw.sub("0"), ch, embDim, ch, c.useScaleShiftNorm, ResBlock.Resampling.NONE));
		middle.add(attention(c, mw.sub("1"), (int) ch, false));
		middle.add(new ResBlock(mw.sub("2"), ch, embDim, ch, c.useScaleShiftNorm, ResBlock.Resampling.NONE));
		this.middleBlock = new TimestepEmbedSequential(middle);

		block = 0;
		for (int level = mult.size() - 1; level >= 0; level--) {
			for (int r = 0; r <= c.numResBlocks; r++) {
				Weights bw = w.sub("output_blocks." + block++);
				List<TimestepBlock> layers = new ArrayList<>();
				long skipCh = inputChannels.pop();
				long out = mc * mult.get(level);
				layers.add(new ResBlock(bw.sub("0"), ch + skipCh, embDim, out, c.useScaleShiftNorm, ResBlock.Resampling.NONE));
				ch = out;
				if (c.attentionResolutions.contains(ds)) {
					layers.add(attention(c, bw.sub(String.valueOf(layers.size())), (int) ch, true));
				}
				if (level > 0 && r == c.numResBlocks) {
					Weights uw = bw.sub(String.valueOf(layers.size()));
					layers.add(c.resblockUpdown
						? new ResBlock(uw, ch, embDim, ch, c.useScaleShiftNorm, ResBlock.Resampling.UP)
						: new Upsample(uw, ch, c.convResample, ch));
					ds /= 2;
				}
				outputBlocks.add(new TimestepEmbedSequential(layers));
			}
		}
		this.outNorm = GroupNorm.of32(w.sub("out.0"), ch, NORM_EPS);
		this.outConv = Conv2d.same3x3(w.sub("out.2"), mc, c.outChannels);
	}

	public UNetConfig config() {
		return config;
	}

	/**
	 * @param x        [B, in_channels, H, W]
	 * @param t        timesteps [B], int64 or float32 (fractional for continuous-time solvers)
	 * @param context  cross-attention context [B, tokens, context_dim], or null
	 * @param y        int64 class labels [B] for class-conditional UNets ({@code num_classes}), or null
	 */
	public NDArray forward(NDArray x, NDArray t, NDArray context, NDArray y) {
		NDArray timeEmb = timeEmbed2.forward(Activations.silu(timeEmbed0.forward(timestepEmbedding(t, config.modelChannels))));
		if (labelEmb != null && y == null) {
			throw new IllegalArgumentException("this UNet is class-conditional (num_classes) and needs labels y");
		}
		NDArray emb = precision.cast(labelEmb == null ? timeEmb : timeEmb.add(labelEmb.forward(y)));
		NDArray ctx = context == null ? null : precision.cast(context);
		NDArray input = precision.cast(x);
		Deque<NDArray> hs = new ArrayDeque<>();
		NDArray h = input;
		for (TimestepBlock b : inputBlocks) {
			h = b.forward(h, emb, ctx);
			hs.push(h);
		}
		h = middleBlock.forward(h, emb, ctx);
		for (TimestepBlock b : outputBlocks) {
			NDArray skip = hs.pop();
			NDArray previous = h;
			h = Scoped.layer(previous, () -> b.forward(NDArrays.concat(new NDList(previous, skip), 1), emb, ctx));
			previous.close(); // an input block's or the middle block's output: used up now
			skip.close();
		}
		NDArray out = outConv.forward(outNorm.forwardSilu(h));
		h.close();
		if (input != x) input.close();
		NDArray result = precision.toFloat32(out);
		if (result != out) out.close();
		return result;
	}

	/**
	 * The reference's sinusoidal {@code timestep_embedding(t, dim)}: {@code [cos(t f), sin(t f)]} with
	 * {@code f_i = exp(-ln(10000) i / half)}, computed in float32 in the reference's order.
	 */
	public static NDArray timestepEmbedding(NDArray t, int dim) {
		NDManager m = t.getManager();
		int half = dim / 2;
		NDArray freqs = m.arange(0, half).toType(DataType.FLOAT32, false)
			.mul((float) -Math.log(10000.0)).div((float) half).exp();
		NDArray args = t.toType(DataType.FLOAT32, false).expandDims(1).mul(freqs.expandDims(0));
		NDArray emb = NDArrays.concat(new NDList(args.cos(), args.sin()), -1);
		if (dim % 2 == 1) emb = NDArrays.concat(new NDList(emb, m.zeros(new ai.djl.ndarray.types.Shape(emb.getShape().get(0), 1))), -1);
		return emb;
	}

	private static TimestepBlock single(TimestepBlock b) {
		return new TimestepEmbedSequential(List.of(b));
	}

	/** The first layer of input_blocks: a bare convolution. */
	private static final class ConvBlock implements TimestepBlock {
		private final Conv2d conv;

		ConvBlock(Conv2d conv) {
			this.conv = conv;
		}

		@Override
		public NDArray forward(NDArray x, NDArray emb, NDArray context) {
			return conv.forward(x);
		}
	}

	/** The attention layer of a level: a SpatialTransformer or an AttentionBlock, with the reference's head rule. */
	private static TimestepBlock attention(UNetConfig c, Weights w, int ch, boolean outputBlock) {
		int heads = c.attentionHeads(ch, outputBlock);
		if (c.useSpatialTransformer) {
			Long ctx = c.contextDim == null ? null : (long) c.contextDim;
			return new SpatialTransformer(w, ch, heads, c.attentionHeadChannels(ch, outputBlock), c.transformerDepth, ctx);
		}
		return new AttentionBlock(w, ch, heads, -1, c.useNewAttentionOrder);
	}
}
