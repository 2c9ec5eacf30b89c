package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.ConfigException;
import org.ldmfiji.io.ConfigNode;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.autoencoder.FirstStage;
import org.ldmfiji.train.data.ImageSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * A latent diffusion model's training run in its folder: started from a config (and a trained first stage), or
 * resumed from the folder's last checkpoint; checkpointed every N steps, at the end and when stopped, so an
 * interruption loses at most the last N steps. The folder is a loadable model folder at every checkpoint.
 */
public final class TrainingRun {

	private final Path folder;
	private final String configText;
	private final TrainingSettings settings;
	private final Trainer trainer;
	private final NDManager manager;
	private int step;

	private TrainingRun(Path folder, String configText, TrainingSettings settings, Trainer trainer, int step, NDManager manager) {
		this.folder = folder;
		this.configText = configText;
		this.settings = settings;
		this.trainer = trainer;
		this.step = step;
		this.manager = manager;
	}

	/**
	 * A new run. With a first stage's own config ({@code ldm.models.autoencoder.VQModel} or {@code AutoencoderKL}) an
	 * autoencoder is trained; with a latent diffusion config, the denoiser. The model is initialised from
	 * {@code settings.seed}; a latent diffusion model's first stage is loaded from
	 * {@code firstStageWeights} (an autoencoder's own checkpoint, keys {@code encoder.*}, or a latent diffusion
	 * checkpoint, keys {@code first_stage_model.*}) and stays frozen. Without it the first stage keeps its random
	 * initialisation, which only tests and benchmarks want.
	 *
	 * @param task null for the task the config describes, with the default degradation and masks
	 */
	public static TrainingRun start(Path folder, Path configFile, Path firstStageWeights, TrainingSettings settings,
		ImageSource source, TrainingTask task, NDManager manager) throws IOException {
		return start(folder, configFile, firstStageWeights, null, settings, source, task, manager);
	}

	/**
	 * As {@link #start(Path, Path, Path, TrainingSettings, ImageSource, TrainingTask, NDManager)}; a latent diffusion
	 * run given {@code initWeights} starts from that trained model instead (see {@link #loadInit}), for example to
	 * fine-tune a shipped model on one's own images, and takes no separate first stage.
	 */
	public static TrainingRun start(Path folder, Path configFile, Path firstStageWeights, Path initWeights, TrainingSettings settings,
		ImageSource source, TrainingTask task, NDManager manager) throws IOException {
		if (TrainingCheckpoint.exists(folder))
			throw new IllegalArgumentException(folder + " already holds a training run: resume it, or choose another folder");
		String text = readConfig(configFile);
		if (isAutoencoder(text, configFile.toString())) {
			if (firstStageWeights != null || initWeights != null)
				throw new IllegalArgumentException("an autoencoder run starts from its config alone: give no first stage and no model to start from");
			return new TrainingRun(folder, text, settings, autoencoder(text, configFile.toString(), settings, source, 0, manager), 0, manager);
		}
		if (initWeights != null && firstStageWeights != null)
			throw new IllegalArgumentException("a run started from a trained model takes that model's first stage: give no separate first stage");
		LdmConfig config = config(text, configFile.toString());
		LatentDiffusion model = fresh(config, settings.seed, manager);
		float scale = config.diffusion.scaleByStd ? Float.NaN : (float) config.diffusion.scaleFactor;
		if (initWeights != null) scale = loadInit(model, initWeights, manager);
		else if (firstStageWeights != null) loadFirstStage(model, firstStageWeights, manager);
		TrainingTask t = task != null ? task : TrainingTasks.forConfig(config);
		return new TrainingRun(folder, text, settings, new LdmTrainer(model, t, settings, source, scale, 0, manager), 0, manager);
	}

	/**
	 * The run saved in {@code folder}, continuing from its last checkpoint with the settings it was started with.
	 *
	 * @param steps a new total number of steps, or null to keep the run's
	 * @param task  null for the task the config describes, with the default degradation and masks
	 */
	public static TrainingRun resume(Path folder, Integer steps, ImageSource source, TrainingTask task, NDManager manager)
		throws IOException {
		return resume(folder, saved -> steps == null ? saved : saved.withSteps(steps), (run, clean) -> source, task, manager);
	}

	/** @param changes what the resumed run changes of the settings it was started with (its length, its learning rate) */
	private static TrainingRun resume(Path folder, UnaryOperator<TrainingSettings> changes, TrainingData.Opener data, TrainingTask task,
		NDManager manager) throws IOException {
		Path configFile = folder.resolve(TrainingCheckpoint.CONFIG);
		String text = readConfig(configFile);
		String where = folder.resolve(TrainingCheckpoint.WEIGHTS).toString();
		String stateFile = folder.resolve(TrainingCheckpoint.STATE).toString();
		try (TrainingCheckpoint.Saved saved = new TrainingCheckpoint.Saved(folder, manager)) {
			TrainingSettings settings = changes.apply(saved.settings);
			ImageSource source = data.open(settings, wantsCleanImages(text, configFile.toString()));
			if (isAutoencoder(text, configFile.toString())) {
				AutoencoderTrainer trainer = autoencoder(text, configFile.toString(), settings, source, saved.step, manager);
				ParameterCopy.copy(trainer.parameters(), "", saved.weights.tensors(), "", true, where);
				trainer.optimizer().restore(saved.state.tensors(), stateFile);
				return new TrainingRun(folder, text, settings, trainer, saved.step, manager);
			}
			LdmConfig config = config(text, configFile.toString());
			LatentDiffusion model = fresh(config, settings.seed, manager);
			ParameterCopy.copy(model.parameters(), "", saved.weights.tensors(), "", true, where);
			TrainingTask t = task != null ? task : TrainingTasks.forConfig(config);
			float scale = LdmTrainer.savedScaleFactor(saved.state.metadata(), stateFile);
			LdmTrainer trainer = new LdmTrainer(model, t, settings, source, scale, saved.step, manager);
			trainer.ema().restore(saved.weights.tensors(), where);
			trainer.optimizer().restore(saved.state.tensors(), stateFile);
			return new TrainingRun(folder, text, settings, trainer, saved.step, manager);
		}
	}

	private static String readConfig(Path file) throws IOException {
		if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such config file");
		return Files.readString(file, StandardCharsets.UTF_8);
	}

	static boolean isAutoencoder(String text, String name) {
		try {
			return FirstStageConfig.isFirstStage(ModelConfigReader.target(text, name));
		} catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	private static AutoencoderTrainer autoencoder(String text, String name, TrainingSettings settings, ImageSource source, int doneSteps,
		NDManager manager) {
		try {
			FirstStageConfig config = ModelConfigReader.readFirstStage(text, name);
			ConfigNode root = ConfigNode.parse(text, name, "a first stage config");
			AutoencoderLoss loss = AutoencoderLoss.read(root.has("model") ? root.node("model") : root, config.kind == FirstStageConfig.Kind.KL);
			return new AutoencoderTrainer(config, loss, settings, source, doneSteps, manager);
		} catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	/**
	 * What both the command line and Fiji do with a run folder: resume the run it holds (its own config and settings,
	 * as {@code resumed} changes them), or start a new one from {@code configFile}.
	 *
	 * @param newRun  the settings of a new run, given the config's base_learning_rate (0 if it has none)
	 * @param resumed a resumed run's settings from the ones it saved: typically a longer run, or a lower learning rate
	 *                for its last stretch (a run without a schedule settles only when the rate is lowered)
	 * @param data   the training images, opened once the config has been read, from the run's settings (a resumed
	 *               run's own, a new run's from {@code newRun}), clean if the model learns super-resolution (see
	 *               {@link TrainingTasks#wantsCleanImages})
	 */
	public static TrainingRun open(Path folder, Path configFile, Path firstStageWeights, Path initWeights,
		java.util.function.DoubleFunction<TrainingSettings> newRun, UnaryOperator<TrainingSettings> resumed, TrainingData.Opener data,
		NDManager manager) throws IOException {
		if (TrainingCheckpoint.exists(folder)) {
			if (configFile != null || firstStageWeights != null || initWeights != null)
				throw new IllegalArgumentException(folder + " already holds a run, which resumes with its own config and weights: "
					+ "give no config, first stage or model to start from, or choose another folder");
			return resume(folder, resumed, data, null, manager);
		}
		if (configFile == null) throw new IllegalArgumentException("a new run needs a config (" + folder + " holds no run to resume)");
		String text = readConfig(configFile);
		TrainingSettings settings = newRun.apply(baseLearningRate(text, configFile.toString()));
		return start(folder, configFile, firstStageWeights, initWeights, settings, data.open(settings, wantsCleanImages(text, configFile.toString())),
			null, manager);
	}

	private static boolean wantsCleanImages(String text, String name) {
		return !isAutoencoder(text, name) && TrainingTasks.wantsCleanImages(config(text, name));
	}

	/** main.py's scale_lr: the config's base_learning_rate × batch size (× GPUs × gradient accumulation, 1 here). */
	public static double scaledLearningRate(double baseLearningRate, int batchSize) {
		if (!(baseLearningRate > 0))
			throw new IllegalArgumentException("the config has no base_learning_rate to scale: give a learning rate");
		return baseLearningRate * batchSize;
	}

	private static double baseLearningRate(String text, String name) {
		if (!isAutoencoder(text, name)) return config(text, name).baseLearningRate;
		try {
			ConfigNode root = ConfigNode.parse(text, name, "a first stage config");
			return (root.has("model") ? root.node("model") : root).doubleOr("base_learning_rate", 0);
		} catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	private static LdmConfig config(String text, String name) {
		try {
			return ModelConfigReader.read(text, name);
		} catch (ConfigException e) {
			throw new IllegalArgumentException(e.getMessage(), e);
		}
	}

	private static LatentDiffusion fresh(LdmConfig config, long seed, NDManager manager) {
		return Inference.seeded(seed, () -> LatentDiffusion.fresh(config, manager));
	}

	/**
	 * The reference's {@code ckpt_path}: every weight of a trained latent diffusion model of the same architecture
	 * ({@code weights} a checkpoint, or a model folder holding {@code model.safetensors}), the denoiser's EMA copy where
	 * the file has one (what sampling with the reference's default {@code use_ema} reads), and the latent scale the
	 * engine would sample it at: for {@code scale_by_std} the file's {@code scale_factor}, which the reference then
	 * keeps instead of measuring it again ({@code restarted_from_ckpt}). Unlike the reference, which also carries the
	 * EMA's update count over, the new run's EMA starts afresh from these weights, as its optimiser does.
	 *
	 * @return the run's scale factor
	 */
	private static float loadInit(LatentDiffusion model, Path weights, NDManager manager) throws IOException {
		Path file = Files.isDirectory(weights) ? weights.resolve(TrainingCheckpoint.WEIGHTS) : weights;
		try (StateDict sd = Checkpoints.load(file, manager)) {
			Map<String, NDArray> tensors = sd.tensors();
			boolean ema = tensors.keySet().stream().anyMatch(k -> k.startsWith(LitEma.PREFIX));
			ParameterCopy.copy(model.parameters(), "", ema ? ModelExport.inferenceWeights(tensors, false, file) : tensors, "", true,
				file.toString());
			return LatentDiffusion.scaleFactor(model.config(), sd);
		}
	}

	private static void loadFirstStage(LatentDiffusion model, Path weights, NDManager manager) throws IOException {
		try (StateDict sd = Checkpoints.load(weights, manager)) {
			Map<String, NDArray> tensors = sd.tensors();
			ParameterCopy.copy(model.parameters(), FirstStage.CHECKPOINT_MODULE + ".", tensors, FirstStage.prefixIn(tensors.keySet()), true,
				weights.toString());
		}
	}

	/**
	 * Trains until the run's last step or until {@code stop} says so (asked between steps), then checkpoints.
	 *
	 * @return whether the run reached its last step
	 */
	public boolean run(TrainingListener listener, BooleanSupplier stop) throws IOException {
		long start = System.nanoTime();
		int first = step;
		double lossSum = 0;
		int lossCount = 0;
		int saved = step;
		while (step < settings.steps) {
			if (stop.getAsBoolean()) break;
			float loss = trainer.step(step);
			if (!Float.isFinite(loss))
				throw new IllegalStateException("the loss became " + loss + " at step " + (step + 1) + "; lower the learning rate "
					+ "or the gradient clipping norm, and resume from the last checkpoint");
			step++;
			lossSum += loss;
			lossCount++;
			double seconds = (System.nanoTime() - start) / 1e9;
			listener.step(new TrainingProgress(step, settings.steps, loss, (float) (lossSum / lossCount), trainer.lastGradNorm(),
				(step - first) / seconds));
			if (step % settings.checkpointEvery == 0) {
				checkpoint(listener);
				saved = step;
				lossSum = 0;
				lossCount = 0;
			}
		}
		if (saved != step) checkpoint(listener);
		return step >= settings.steps;
	}

	/** Saves the run's state now. */
	public void checkpoint(TrainingListener listener) throws IOException {
		TrainingCheckpoint.save(folder, configText, trainer, settings, step, manager);
		listener.checkpoint(folder, step);
	}

	public int step() {
		return step;
	}

	public TrainingSettings settings() {
		return settings;
	}

	/** Whether this run trains a latent diffusion model (else an autoencoder). */
	public boolean isLatentDiffusion() {
		return trainer instanceof LdmTrainer;
	}

	/** The latent diffusion trainer (for an autoencoder run: IllegalStateException). */
	public LdmTrainer trainer() {
		if (!(trainer instanceof LdmTrainer)) throw new IllegalStateException("this run trains an autoencoder");
		return (LdmTrainer) trainer;
	}

	AutoencoderTrainer autoencoderTrainer() {
		return (AutoencoderTrainer) trainer;
	}

	public Path folder() {
		return folder;
	}
}
