package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.io.CheckpointFormatException;
import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.autoencoder.FirstStage;
import org.ldmfiji.nn.cond.ClassEmbedder;
import org.ldmfiji.nn.cond.CondStage;
import org.ldmfiji.nn.cond.SpatialRescaler;
import org.ldmfiji.nn.unet.UNetModel;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * ddpm.LatentDiffusion at inference: the denoiser ({@code model.diffusion_model}), the first stage
 * ({@code first_stage_model}) and the conditioning stage ({@code cond_stage_model}), wired as the reference
 * wires them. The diffusion schedule and samplers are not here: they know nothing of models.
 */
public final class LatentDiffusion implements AutoCloseable {

	private final LdmConfig config;
	private final Weights weights;
	private final UNetModel unet;
	private final FirstStage firstStage;
	private final CondStage condStage;
	private final float scaleFactor;
	private final AutoCloseable owned;

	private LatentDiffusion(LdmConfig config, Weights w, float scaleFactor, AutoCloseable owned) {
		this.config = config;
		this.weights = w;
		this.unet = new UNetModel(config.unet, w.sub("model.diffusion_model"));
		this.firstStage = FirstStage.of(config.firstStage, w.sub(FirstStage.CHECKPOINT_MODULE));
		// the conditioning stages are small and feed the UNet, which casts what it is given
		this.condStage = condStage(config.condStage, w.float32().sub("cond_stage_model"), firstStage);
		this.scaleFactor = scaleFactor;
		this.owned = owned;
	}

	/**
	 * Builds the model from a checkpoint's tensors. With {@code useEma} (the config's {@code use_ema}, the
	 * reference's default) the denoiser reads the checkpoint's EMA copy where it has one.
	 */
	public static LatentDiffusion load(LdmConfig config, StateDict checkpoint, NDManager manager, boolean useEma) {
		return load(config, checkpoint, manager, useEma, Precision.FP32);
	}

	/** As {@link #load(LdmConfig, StateDict, NDManager, boolean)}, computing in {@code precision}. */
	public static LatentDiffusion load(LdmConfig config, StateDict checkpoint, NDManager manager, boolean useEma,
		Precision precision)
	{
		Weights w = Weights.load(checkpoint.tensors(), checkpoint.source().getFileName().toString(), manager, useEma,
			precision);
		return new LatentDiffusion(config, w, scaleFactor(config, checkpoint), checkpoint);
	}

	public static LatentDiffusion load(LdmConfig config, StateDict checkpoint, NDManager manager) {
		return load(config, checkpoint, manager, config.diffusion.useEma);
	}

	/** A model with freshly initialised weights (training from scratch; benchmarks of an architecture). */
	public static LatentDiffusion fresh(LdmConfig config, NDManager manager) {
		return new LatentDiffusion(config, Weights.fresh(manager), (float) config.diffusion.scaleFactor, null);
	}

	/** A model with random weights computing in {@code precision}, not trainable (benchmarks of an architecture). */
	public static LatentDiffusion random(LdmConfig config, NDManager manager, Precision precision) {
		return new LatentDiffusion(config, Weights.random(manager, precision), (float) config.diffusion.scaleFactor, null);
	}

	/**
	 * With {@code scale_by_std} the reference measures the factor on the first training batch (1 / std of the latents)
	 * and saves it with the weights as the buffer {@code scale_factor}. A checkpoint without it was not saved by such a
	 * model; the reference would fall back to the buffer's initial value (the config's {@code scale_factor}, 1.0 by
	 * default), which is not the scale the denoiser was trained at, and sample noise without a word. Refused instead.
	 */
	public static float scaleFactor(LdmConfig config, StateDict checkpoint) {
		if (!config.diffusion.scaleByStd) return (float) config.diffusion.scaleFactor;
		String file = checkpoint.source().toString();
		if (!checkpoint.contains("scale_factor"))
			throw new WeightsException(file + ": the config sets scale_by_std, but the checkpoint has no 'scale_factor' tensor, "
				+ "the latent scale the reference measured in training and saved with the weights; use the checkpoint made with "
				+ "this config, or set scale_by_std: false and the model's scale_factor in the config");
		double factor;
		try {
			factor = checkpoint.floatScalar("scale_factor");
		}
		catch (CheckpointFormatException e) {
			throw new WeightsException(e.getMessage());
		}
		if (!(factor > 0) || Double.isInfinite(factor))
			throw new WeightsException(file + ": tensor 'scale_factor' is " + factor + ", where a positive finite latent scale is expected");
		return (float) factor;
	}

	private static CondStage condStage(CondStageConfig c, Weights w, FirstStage firstStage) {
		switch (c.kind) {
			case UNCONDITIONAL:
				return null;
			case IDENTITY:
				return x -> x;
			case FIRST_STAGE:
				// get_learned_conditioning: encode() — the VQ latent before quantisation, the KL mode; unscaled
				return firstStage::encode;
			case CLASS_EMBEDDER:
				return new ClassEmbedder(w, c.nClasses, c.embedDim);
			case SPATIAL_RESCALER:
				return new SpatialRescaler(w, c.nStages, c.method, c.multiplier, c.inChannels, c.outChannels, c.bias);
			default:
				throw new IllegalArgumentException("cond stage " + c.target + " is not supported yet");
		}
	}

	public LdmConfig config() {
		return config;
	}

	public UNetModel unet() {
		return unet;
	}

	public FirstStage firstStage() {
		return firstStage;
	}

	/** The conditioning stage, or null for an unconditional model. */
	public CondStage condStage() {
		return condStage;
	}

	public float scaleFactor() {
		return scaleFactor;
	}

	public boolean usesEma() {
		return weights.usesEma();
	}

	/** The precision the denoiser and the first stage compute in. */
	public Precision precision() {
		return weights.precision();
	}

	/** DiffusionWrapper.forward: the denoiser's raw output (eps or x0) for x_t at timesteps t ([B], int64 or float32). */
	public NDArray applyModel(NDArray x, NDArray t, Conditioning c) {
		String key = config.diffusion.conditioningKey;
		NDArray input = x;
		NDArray context = null;
		NDArray y = null;
		if (key != null && !c.concat.isEmpty()) {
			NDList parts = new NDList(x);
			parts.addAll(c.concat);
			input = NDArrays.concat(parts, 1);
		}
		if (!c.crossattn.isEmpty()) {
			if ("adm".equals(key)) y = c.crossattn.get(0);
			else context = c.crossattn.size() == 1 ? c.crossattn.get(0) : NDArrays.concat(new NDList(c.crossattn), 1);
		}
		return unet.forward(input, t, context, y);
	}

	/** get_learned_conditioning followed by apply_model's routing of a single conditioning tensor. */
	public Conditioning conditioning(NDArray input) {
		if (condStage == null) return Conditioning.none();
		return Conditioning.of(config.diffusion.conditioningKey, condStage.forward(input));
	}

	/** The latent the diffusion model sees for an image in [-1, 1]: scale_factor × (VQ pre-quantisation latent | KL mode). */
	public NDArray encodeFirstStage(NDArray image) {
		return firstStage.encode(image).mul(scaleFactor);
	}

	/**
	 * decode_first_stage: undo the scale factor, then decode. A VQModelInterface first stage quantises first
	 * unless {@code quantize} is false (the reference's force_not_quantize).
	 */
	public NDArray decodeFirstStage(NDArray latent, boolean quantize) {
		return firstStage.decode(latent.mul(1f / scaleFactor), quantize && config.firstStage.quantizesOnDecode());
	}

	/** Number of parameters the model uses (shared tensors counted once). */
	public long parameterCount() {
		Map<NDArray, Boolean> seen = new IdentityHashMap<>();
		long n = 0;
		for (NDArray a : weights.taken().values()) {
			if (seen.put(a, Boolean.TRUE) == null) n += a.getShape().size();
		}
		return n;
	}

	/** Every parameter the model uses, by checkpoint key (for training and saving). */
	public Map<String, NDArray> parameters() {
		return weights.taken();
	}

	/** Checkpoint tensors no module used (diffusion buffers, the cond stage's copy of the first stage, ...). */
	public List<String> unusedKeys() {
		return new ArrayList<>(weights.unusedKeys());
	}

	@Override
	public void close() {
		if (owned == null) return;
		try {
			owned.close();
		} catch (Exception e) {
			throw new IllegalStateException("could not release the model's weights", e);
		}
	}
}
