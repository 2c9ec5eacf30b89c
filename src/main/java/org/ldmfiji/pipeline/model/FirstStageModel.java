package org.ldmfiji.pipeline.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.nn.Weights;
import org.ldmfiji.nn.autoencoder.FirstStage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A first stage on its own, to measure how faithfully it reconstructs images: an autoencoder's folder (a
 * {@code config.yaml} whose target is {@code ldm.models.autoencoder.AutoencoderKL} or {@code VQModel}, and its weights,
 * as an autoencoder's training run leaves them) or the first stage of a latent diffusion model, read from its
 * checkpoint's {@code first_stage_model.*} tensors without building the denoiser. Closing frees the weights.
 */
public final class FirstStageModel implements AutoCloseable {

	private final String name;
	private final FirstStage network;
	private final StateDict checkpoint;

	private FirstStageModel(String name, FirstStage network, StateDict checkpoint) {
		this.name = name;
		this.network = network;
		this.checkpoint = checkpoint;
	}

	/** Whether {@code path} is an autoencoder's folder (by its config.yaml) or config file, not a latent diffusion model's. */
	public static boolean isAutoencoder(Path path) throws IOException {
		Path config = configOf(path);
		if (!Files.isRegularFile(config) || !ModelFolder.isYaml(config)) return false;
		return FirstStageConfig.isFirstStage(ModelConfigReader.target(Files.readString(config, StandardCharsets.UTF_8), config.toString()));
	}

	/**
	 * An autoencoder's folder or config file, with {@code weights} (null: the folder's only {@code .ckpt} or
	 * {@code .safetensors} file, a training run's {@code model.safetensors}).
	 */
	public static FirstStageModel loadAutoencoder(Path path, Path weights, NDManager manager, Precision precision) throws IOException {
		Path config = configOf(path).toAbsolutePath().normalize();
		ModelLoader.requireFile(config, "model config");
		Path dir = config.getParent();
		FirstStageConfig c = ModelConfigReader.readFirstStage(Files.readString(config, StandardCharsets.UTF_8), config.toString());
		return load(dir.getFileName().toString(), c, weights != null ? weights : ModelFolder.onlyWeights(dir), manager, precision);
	}

	/** A latent diffusion model's first stage, the weights checked against the card's SHA-256 first if it has one. */
	public static FirstStageModel load(ModelFolder model, NDManager manager, Precision precision) throws IOException {
		ModelLoader.requireFile(model.config(), "model config");
		ModelLoader.verifyChecksum(model);
		return load(model.name(), ModelConfigReader.read(model.config()).firstStage, model.weights(), manager, precision);
	}

	/**
	 * The first stage {@code config} describes, from a checkpoint of either kind: its {@code first_stage_model.*}
	 * tensors if it has them (a latent diffusion model's), else the top level (an autoencoder's own), computing in
	 * {@code precision} where the machine supports it.
	 */
	public static FirstStageModel load(String name, FirstStageConfig config, Path weights, NDManager manager, Precision precision)
		throws IOException {
		ModelLoader.requireFile(weights, "weights file");
		StateDict checkpoint = Checkpoints.load(weights, manager);
		try {
			Map<String, NDArray> tensors = checkpoint.tensors();
			Weights all = Weights.load(tensors, weights.getFileName().toString(), manager, false, precision.supported());
			Weights w = FirstStage.prefixIn(tensors.keySet()).isEmpty() ? all : all.sub(FirstStage.CHECKPOINT_MODULE);
			return new FirstStageModel(name, FirstStage.of(config, w), checkpoint);
		} catch (RuntimeException e) {
			checkpoint.close();
			throw e;
		}
	}

	private static Path configOf(Path path) {
		return Files.isDirectory(path) ? path.resolve(ModelCard.DEFAULT_CONFIG) : path;
	}

	public String name() {
		return name;
	}

	public FirstStage network() {
		return network;
	}

	@Override
	public void close() {
		checkpoint.close();
	}

	@Override
	public String toString() {
		return name + ": " + network.config();
	}
}
