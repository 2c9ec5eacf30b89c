package org.ldmfiji.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.autoencoder.AutoencoderKL;
import org.ldmfiji.train.data.ImageSource;
import org.ldmfiji.train.data.LabelledImage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One training step of the reference's {@code LatentDiffusion.training_step}, repeated: draw a batch, encode it with
 * the frozen first stage, noise it to random steps, let the denoiser predict the noise, step AdamW on the loss, update
 * the EMA.
 *
 * <p><b>Randomness.</b> Every step draws from its own seed, derived from the run's seed and the step number, for both
 * the Java-side data (crops, masks) and libtorch's generator (timesteps, noise, dropout). A step therefore depends only
 * on the weights and the step number: a run resumed from a checkpoint repeats exactly the steps an uninterrupted run
 * takes, with no generator state to save (libtorch's cannot be read through DJL anyway).
 *
 * <p><b>Memory.</b> Each step runs in its own scope; only the parameters, their gradients, the optimiser moments and
 * the EMA shadows (all made before the first step) outlive it.
 */
public final class LdmTrainer implements Trainer {

	static final String SCALE_FACTOR = "scale_factor";

	private final LatentDiffusion model;
	private final TrainingTask task;
	private final TrainingSettings settings;
	private final ImageSource source;
	private final DiffusionLoss loss;
	private final Map<String, NDArray> trainable;
	private final AdamWOptimizer optimizer;
	private final LitEma ema;
	private final NDManager manager;
	private float scaleFactor;
	private float lastGradNorm;

	/**
	 * @param scaleFactor the latent scale: the config's, or for {@code scale_by_std} the one measured on the first batch
	 *                    of this run (NaN until then)
	 * @param doneSteps   steps already taken (a resumed run)
	 */
	LdmTrainer(LatentDiffusion model, TrainingTask task, TrainingSettings settings, ImageSource source, float scaleFactor,
		int doneSteps, NDManager manager) {
		if (!TrainingSettings.NOTHING_FROZEN.equals(settings.frozen))
			throw new IllegalArgumentException("a latent diffusion run always keeps its first stage frozen and trains its denoiser; "
				+ "freezing the encoder is for autoencoder runs");
		this.model = model;
		this.task = task;
		this.settings = settings;
		this.source = source;
		this.manager = manager;
		this.scaleFactor = scaleFactor;
		this.loss = new DiffusionLoss(model.config().diffusion, manager);
		this.trainable = trainableParameters(model);
		this.optimizer = new AdamWOptimizer(trainable, settings, 0.9f, 0.999f, doneSteps, manager);
		this.ema = new LitEma(model.parameters(), settings.emaDecay, manager);
	}

	/**
	 * What the reference optimises: the denoiser, and the cond stage if {@code cond_stage_trainable}. The first stage is
	 * frozen (LatentDiffusion.instantiate_first_stage switches its gradients off).
	 */
	static Map<String, NDArray> trainableParameters(LatentDiffusion model) {
		boolean condTrainable = model.config().diffusion.condStageTrainable;
		Map<String, NDArray> out = new LinkedHashMap<>();
		for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
			String k = p.getKey();
			if (k.startsWith(LitEma.DENOISER) || condTrainable && k.startsWith("cond_stage_model.")) out.put(k, p.getValue());
		}
		return out;
	}

	/** The seed of step {@code step} of a run seeded with {@code seed}: distinct, well-mixed, reproducible. */
	static long stepSeed(long seed, int step) {
		return new SplittableRandom(seed ^ step * 0x9E3779B97F4A7C15L).nextLong();
	}

	@Override
	public float step(int step) {
		long seed = stepSeed(settings.seed, step);
		return Trainer.seededScalar(seed, manager, () -> train(new SplittableRandom(seed)));
	}

	/**
	 * The loss on the batch, timesteps and noise drawn from {@code seed}, without dropout and without learning from it:
	 * with a seed no training step uses (and a held-out source) a validation loss; with a fixed seed, the same
	 * measurement before and after training.
	 */
	public float validationLoss(ImageSource from, long seed) {
		return Trainer.seededScalar(seed, manager, () -> {
			Noised n = noised(from, new SplittableRandom(seed));
			return loss.forward(model, n.z0, n.t, n.noise, task.condition(model, n.condInput));
		});
	}

	/** A batch as the denoiser's loss takes it: clean latents, timesteps, noise and the raw conditioning input. */
	private static final class Noised {
		final NDArray z0, t, noise, condInput;

		Noised(NDArray z0, NDArray t, NDArray noise, NDArray condInput) {
			this.z0 = z0;
			this.t = t;
			this.noise = noise;
			this.condInput = condInput;
		}
	}

	/** Draws in the reference's order: the batch (and the KL posterior's sample), then t, then the noise. */
	private Noised noised(ImageSource from, SplittableRandom random) {
		List<LabelledImage> images = new ArrayList<>(settings.batchSize);
		for (int i = 0; i < settings.batchSize; i++) images.add(from.next(random));
		TrainingBatch batch = task.batch(images, random, manager);
		NDArray z0 = latent(batch.images);
		NDArray t = manager.randomInteger(0, loss.timesteps(), new Shape(z0.getShape().get(0)), DataType.INT64);
		return new Noised(z0, t, manager.randomNormal(z0.getShape()), batch.condInput);
	}

	private NDArray train(SplittableRandom random) {
		Noised n = noised(source, random);
		NDArray condInput = dropped(n.condInput);
		boolean condTrainable = model.config().diffusion.condStageTrainable;
		Conditioning c = condTrainable ? null : task.condition(model, condInput);
		NDArray value;
		try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
			if (condTrainable) c = task.condition(model, condInput);
			value = loss.forward(model, n.z0, n.t, n.noise, c);
			gc.backward(value);
		}
		lastGradNorm = optimizer.step(settings.maxGradNorm);
		ema.update();
		return value;
	}

	/**
	 * get_input's latent: the VQ encoder's output before quantisation, or a sample of the KL posterior, times the scale
	 * factor; with {@code scale_by_std} the factor is 1 / std of the first batch's latents, as the reference sets it
	 * on its first training batch.
	 */
	private NDArray latent(NDArray images) {
		NDArray z = model.firstStage() instanceof AutoencoderKL ? ((AutoencoderKL) model.firstStage()).posterior(images).sample()
			: model.firstStage().encode(images);
		if (Float.isNaN(scaleFactor)) {
			long n = z.size();
			NDArray centred = z.sub(z.mean());
			double std = Math.sqrt(centred.square().sum().getFloat() / (n - 1));
			scaleFactor = (float) (1.0 / std);
		}
		return z.mul(scaleFactor);
	}

	/** Condition dropout for classifier-free guidance: each sample's input replaced by the null input with that probability. */
	private NDArray dropped(NDArray input) {
		if (input == null || settings.condDropout <= 0) return input;
		NDArray none = task.nullInput(input);
		if (none == null) return input;
		long b = input.getShape().get(0);
		NDArray drop = manager.randomUniform(0f, 1f, new Shape(b)).lt((float) settings.condDropout);
		long[] perSample = new long[input.getShape().dimension()];
		java.util.Arrays.fill(perSample, 1);
		perSample[0] = b;
		return NDArrays.where(drop.reshape(new Shape(perSample)).broadcast(input.getShape()), none, input);
	}

	public LatentDiffusion model() {
		return model;
	}

	public LdmConfig config() {
		return model.config();
	}

	public float scaleFactor() {
		return scaleFactor;
	}

	@Override
	public float lastGradNorm() {
		return lastGradNorm;
	}

	/** The parameters, the EMA buffers and, for scale_by_std, the measured scale_factor. */
	@Override
	public Map<String, NDArray> weights(NDManager scratch) {
		Map<String, NDArray> weights = new LinkedHashMap<>(model.parameters());
		weights.putAll(ema.buffers(scratch));
		if (model.config().diffusion.scaleByStd) weights.put(SCALE_FACTOR, scratch.create(scaleFactor));
		return weights;
	}

	@Override
	public Map<String, NDArray> optimizerState() {
		return optimizer.state();
	}

	@Override
	public Map<String, String> metadata() {
		return Map.of(SCALE_FACTOR, Float.toString(scaleFactor));
	}

	/** The scale factor a run saved (NaN if a scale_by_std run was saved before its first step). */
	static float savedScaleFactor(Map<String, Object> metadata, String where) {
		Object v = metadata.get(SCALE_FACTOR);
		if (v == null) throw new IllegalArgumentException(where + ": the training state has no " + SCALE_FACTOR);
		return Float.parseFloat(v.toString());
	}

	LitEma ema() {
		return ema;
	}

	AdamWOptimizer optimizer() {
		return optimizer;
	}
}
