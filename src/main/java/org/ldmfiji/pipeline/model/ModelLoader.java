package org.ldmfiji.pipeline.model;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.Precision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds a {@link LatentDiffusion} from its files, checking them first. */
public final class ModelLoader {

	private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);

	private ModelLoader() {}

	/**
	 * Loads a model folder into {@code manager} (whose device the weights go to). The weights are checked against
	 * the card's SHA-256 first, if the card has one.
	 *
	 * @throws IllegalArgumentException naming the file if the config or weights are missing or the checksum differs
	 */
	public static LoadedModel load(ModelFolder model, boolean rawWeights, NDManager manager) throws IOException {
		return load(model, rawWeights, manager, model.card().precision);
	}

	/**
	 * As {@link #load(ModelFolder, boolean, NDManager)}, computing in {@code precision} where the machine supports it
	 * (else in fp32, with a logged line).
	 */
	public static LoadedModel load(ModelFolder model, boolean rawWeights, NDManager manager, Precision precision)
		throws IOException
	{
		long t0 = System.nanoTime();
		requireFile(model.config(), "model config");
		boolean verified = verifyChecksum(model);
		LdmConfig config = ModelConfigReader.read(model.config());
		LatentDiffusion network = load(config, model.weights(), manager, rawWeights, precision);
		double seconds = (System.nanoTime() - t0) / 1e9;
		// once per model and cache: a second line for the same model means it was loaded again
		LOG.info(String.format(Locale.ROOT, "model %s loaded in %.2f s in %s (%s)", model.name(), seconds, network.precision(),
			model.weights()));
		return new LoadedModel(model, network, verified, manager.getDevice(), rawWeights, seconds);
	}

	/**
	 * Loads a config + weights pair. The denoiser reads the checkpoint's EMA copy where the config asks for it
	 * ({@code use_ema}, the reference's default, as its sampling scripts do) unless {@code rawWeights}.
	 */
	public static LatentDiffusion load(LdmConfig config, Path weights, NDManager manager, boolean rawWeights)
		throws IOException
	{
		return load(config, weights, manager, rawWeights, Precision.FP32);
	}

	/** As {@link #load(LdmConfig, Path, NDManager, boolean)}, computing in {@code precision} where supported. */
	public static LatentDiffusion load(LdmConfig config, Path weights, NDManager manager, boolean rawWeights,
		Precision precision) throws IOException
	{
		requireFile(weights, "weights file");
		Precision supported = precision.supported();
		StateDict checkpoint = Checkpoints.load(weights, manager);
		try {
			return LatentDiffusion.load(config, checkpoint, manager, config.diffusion.useEma && !rawWeights, supported);
		} catch (RuntimeException e) {
			checkpoint.close();
			throw e;
		}
	}

	/** Checks the weights against the card's SHA-256, if it has one; returns whether it had. */
	static boolean verifyChecksum(ModelFolder model) throws IOException {
		ModelCard card = model.card();
		if (card.sha256 == null) return false;
		Checksums.verify(model.weights(), card.sha256, model.folder().resolve(ModelCard.FILE_NAME).toString());
		return true;
	}

	static void requireFile(Path file, String what) {
		if (!Files.isRegularFile(file)) throw new IllegalArgumentException(what + " " + file + " not found");
	}
}
