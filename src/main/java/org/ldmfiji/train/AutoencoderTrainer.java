package org.ldmfiji.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.nn.Weights;
import org.ldmfiji.nn.autoencoder.AutoencoderKL;
import org.ldmfiji.nn.autoencoder.DiagonalGaussianDistribution;
import org.ldmfiji.nn.autoencoder.FirstStage;
import org.ldmfiji.train.data.ImageSource;
import org.ldmfiji.train.data.LabelledImage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A first stage's training step, as the reference's {@code VQModel} / {@code AutoencoderKL.training_step} with
 * optimizer_idx 0: encode, quantise (VQ, straight-through) or sample the posterior (KL), decode, and step Adam
 * (betas 0.5, 0.9, as the reference) on the {@link AutoencoderLoss}. The parameters carry the reference's keys
 * ({@code encoder.*}, {@code decoder.*}, {@code quant_conv.*}, {@code post_quant_conv.*}, {@code quantize.embedding.weight}),
 * so the saved file is the first stage a latent diffusion run (or the reference) loads. Randomness and memory as in
 * {@link LdmTrainer}.
 */
final class AutoencoderTrainer implements Trainer {

	private final FirstStageConfig config;
	private final FirstStage model;
	private final VectorQuantizerTraining quantizer;
	private final AutoencoderLoss loss;
	private final TrainingSettings settings;
	private final ImageSource source;
	private final Map<String, NDArray> parameters;
	private final AdamWOptimizer optimizer;
	private final NDManager manager;
	private float lastGradNorm;

	AutoencoderTrainer(FirstStageConfig config, AutoencoderLoss loss, TrainingSettings settings, ImageSource source, int doneSteps,
		NDManager manager) {
		this.config = config;
		this.loss = loss;
		this.settings = settings;
		this.source = source;
		this.manager = manager;
		Weights w = Weights.fresh(manager);
		this.model = Inference.seeded(settings.seed, () -> FirstStage.of(config, w));
		this.parameters = w.taken();
		this.quantizer = config.kind == FirstStageConfig.Kind.VQ ? new VectorQuantizerTraining(parameters.get("quantize.embedding.weight"))
			: null;
		this.optimizer = new AdamWOptimizer(parameters, key -> !encoderFrozen() || !isEncoderKey(key), settings, 0.5f, 0.9f, doneSteps, manager);
	}

	private boolean encoderFrozen() {
		return TrainingSettings.ENCODER.equals(settings.frozen);
	}

	/**
	 * The parameters that make the latent: the encoder and quant_conv (the codebook too, which names the latents of a VQ
	 * model), by an autoencoder's keys.
	 */
	static boolean isEncoderKey(String key) {
		return key.startsWith("encoder.") || key.startsWith("quant_conv.") || key.startsWith("quantize.");
	}

	/** With the encoder frozen, the graph is cut at the latent: no gradient reaches the encoder's parameters. */
	private NDArray cut(NDArray latentSide) {
		return encoderFrozen() ? latentSide.stopGradient() : latentSide;
	}

	FirstStage model() {
		return model;
	}

	Map<String, NDArray> parameters() {
		return parameters;
	}

	@Override
	public float step(int step) {
		long seed = LdmTrainer.stepSeed(settings.seed, step);
		return Trainer.seededScalar(seed, manager, () -> train(new SplittableRandom(seed)));
	}

	/** The loss on the batch drawn from {@code seed}, without learning from it. */
	float validationLoss(ImageSource from, long seed) {
		return Trainer.seededScalar(seed, manager, () -> lossOf(images(from, new SplittableRandom(seed))));
	}

	private NDArray images(ImageSource from, SplittableRandom random) {
		List<LabelledImage> images = new ArrayList<>(settings.batchSize);
		for (int i = 0; i < settings.batchSize; i++) images.add(from.next(random));
		return BatchImages.toModel(BatchImages.unit(images, manager), config.ddconfig.inChannels);
	}

	private NDArray lossOf(NDArray x) {
		if (quantizer != null) {
			NDArray[] q = quantizer.forward(model.encode(x));
			return loss.forward(x, model.decode(cut(q[0]), false), cut(q[1]));
		}
		DiagonalGaussianDistribution posterior = ((AutoencoderKL) model).posterior(x);
		NDArray reconstruction = model.decode(cut(posterior.sample()), false);
		return loss.forward(x, reconstruction, AutoencoderLoss.klDivergence(cut(posterior.mean()), cut(posterior.std())));
	}

	private NDArray train(SplittableRandom random) {
		NDArray x = images(source, random);
		NDArray value;
		try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
			value = lossOf(x);
			gc.backward(value);
		}
		lastGradNorm = optimizer.step(settings.maxGradNorm);
		return value;
	}

	@Override
	public float lastGradNorm() {
		return lastGradNorm;
	}

	@Override
	public Map<String, NDArray> weights(NDManager scratch) {
		return parameters;
	}

	@Override
	public Map<String, NDArray> optimizerState() {
		return optimizer.state();
	}

	@Override
	public Map<String, String> metadata() {
		return Map.of();
	}

	AdamWOptimizer optimizer() {
		return optimizer;
	}
}
