package org.ldmfiji.cli;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.model.DeviceChoice;
import org.ldmfiji.pipeline.model.FirstStageModel;
import org.ldmfiji.pipeline.model.LoadedModel;
import org.ldmfiji.pipeline.model.ModelCard;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;
import org.ldmfiji.pipeline.model.ModelRegistry;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Which model, on which device: a name the registry knows, a model folder, or a CompVis config plus weights. */
final class ModelOptions {

	@Option(names = "--model", paramLabel = "NAME|DIR|CONFIG.yaml",
		description = "model name (see 'models'), folder, or CompVis config.yaml (with --weights); default: the task's bundled default")
	String model;

	@Option(names = "--weights", paramLabel = "FILE", description = "weights (.ckpt, .safetensors) for a config.yaml given with --model")
	Path weights;

	@Option(names = "--raw-weights", description = "use the checkpoint's raw weights even where it has EMA weights")
	boolean rawWeights;

	@Option(names = "--device", paramLabel = "auto|cpu|gpuN", defaultValue = DeviceChoice.AUTO,
		description = "where to run (default: ${DEFAULT-VALUE}: the first GPU if there is one, else the CPU)")
	String device;

	@Option(names = "--precision", paramLabel = "fp32|bf16",
		description = "number format: fp32 (the reference's arithmetic) or bf16 (faster; fp32 where the CPU lacks bfloat16); "
			+ "default: the model card's, else fp32")
	String precision;

	/** The model's files, found and checked before anything is loaded. */
	ModelFolder resolve(Task task) throws IOException {
		return resolve(task, task == null ? null : task.id());
	}

	/**
	 * As {@link #resolve(Task)}, with the default model for {@code defaultUse} when none is named (a task, or
	 * {@link org.ldmfiji.pipeline.model.ModelCard#LABEL_SYNTHESIS}).
	 */
	ModelFolder resolve(Task task, String defaultUse) throws IOException {
		ModelRegistry registry = ModelRegistry.standard();
		if (model == null && weights == null && defaultUse != null) return registry.defaultFor(defaultUse);
		if (weights != null) {
			if (model == null) throw new IllegalArgumentException("--weights needs the model's config.yaml in --model");
			return registry.resolve(Path.of(model), weights, task);
		}
		return registry.resolve(model, task);
	}

	/** Loads a first stage found by {@link #firstStage()}. */
	interface FirstStageLoader {
		FirstStageModel load(NDManager manager) throws IOException;
	}

	/**
	 * A first stage to measure on its own: an autoencoder's folder or config.yaml (weights: --weights, else the folder's
	 * only weights file), or the first stage of a latent diffusion model named as for any task. Found and checked before
	 * anything is loaded.
	 */
	FirstStageLoader firstStage() throws IOException {
		if (model == null)
			throw new IllegalArgumentException("give --model: an autoencoder's folder or config.yaml, or a latent diffusion model whose first stage to measure");
		Path path = Path.of(model);
		if (FirstStageModel.isAutoencoder(path)) {
			Precision p = precision == null ? Precision.FP32 : Precision.of(precision);
			return m -> FirstStageModel.loadAutoencoder(path, weights, m, p);
		}
		ModelFolder folder = resolve(null, null);
		Precision p = precision(folder.card());
		return m -> FirstStageModel.load(folder, m, p);
	}

	DeviceChoice device() {
		return DeviceChoice.resolve(device);
	}

	LoadedModel load(ModelFolder folder, NDManager manager) throws IOException {
		return ModelLoader.load(folder, rawWeights, manager, precision(folder.card()));
	}

	/** The precision asked for, or the card's. */
	Precision precision(ModelCard card) {
		return precision == null ? card.precision : Precision.of(precision);
	}

	/** The sampling defaults a model's card recommends. */
	static SamplingSettings.Builder defaults(ModelCard card) {
		return card.recommendedSampling();
	}
}
