package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.ldmfiji.io.SafetensorsReader;
import org.ldmfiji.io.SafetensorsWriter;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.pipeline.model.Checksums;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A trained run's folder made into a model folder to ship: {@code config.yaml} and a {@code model.safetensors} with
 * only what inference reads. By default the denoiser's EMA weights take the place of its raw ones
 * ({@code model.diffusion_model.* := model_ema.*}, what the reference's {@code ema_scope} swaps in for sampling) and
 * the EMA copy is left out; the floating-point tensors are stored as float16 unless asked otherwise, which halves the
 * file. The first stage, the conditioning stage and {@code scale_factor} are kept. An autoencoder's run is copied
 * whole, converted.
 *
 * <p>The run's folder is only read.
 */
public final class ModelExport {

	/** The type the exported floating-point tensors are stored in. */
	public enum Storage {
		FP16("fp16", DataType.FLOAT16), FP32("fp32", DataType.FLOAT32);

		private final String id;
		final DataType type;

		Storage(String id, DataType type) {
			this.id = id;
			this.type = type;
		}

		public static Storage parse(String id) {
			for (Storage s : values())
				if (s.id.equalsIgnoreCase(id.trim())) return s;
			throw new IllegalArgumentException("precision '" + id + "' not understood; expected fp16 or fp32");
		}

		@Override
		public String toString() {
			return id;
		}
	}

	/** Which weights a model file holds. */
	public enum Weights {
		EMA("ema", "the denoiser's EMA weights"), RAW("raw", "the denoiser's raw weights"), AUTOENCODER("autoencoder", "an autoencoder's weights");

		/** As the exported file's metadata names it. */
		final String id;
		private final String description;

		Weights(String id, String description) {
			this.id = id;
			this.description = description;
		}

		@Override
		public String toString() {
			return description;
		}
	}

	/** What was written. */
	public static final class Result {
		public final Path folder;
		/** The run's step the weights are from, or null if the run's file does not say. */
		public final Integer step;
		public final Weights weights;
		public final Storage storage;
		public final int tensors;
		public final long bytes;
		public final long runBytes;
		/** The exported {@code model.safetensors}'s SHA-256, as a model card's {@code sha256:} takes it. */
		public final String sha256;

		Result(Path folder, Integer step, Weights weights, Storage storage, int tensors, long bytes, long runBytes, String sha256) {
			this.folder = folder;
			this.step = step;
			this.weights = weights;
			this.storage = storage;
			this.tensors = tensors;
			this.bytes = bytes;
			this.runBytes = runBytes;
			this.sha256 = sha256;
		}
	}

	/** The largest finite float16. */
	static final float FP16_MAX = 65504f;
	private static final String EMA = LitEma.PREFIX;
	private static final String DENOISER = LitEma.DENOISER;
	/**
	 * Kept in float32 whatever the storage: one scalar multiplying every latent, measured in training; rounding it to
	 * float16 would shift every output of the model by up to 0.05 % to save two bytes.
	 */
	private static final String SCALE_FACTOR = LdmTrainer.SCALE_FACTOR;

	private ModelExport() {}

	/**
	 * Writes {@code out/config.yaml} and {@code out/model.safetensors} from the run in {@code run}. Everything is
	 * checked and converted before the first file is written, so a refusal leaves {@code out} as it was.
	 *
	 * @param raw       the denoiser's raw weights instead of its EMA
	 * @param overwrite whether an {@code out} folder that is not empty may be written into (its two files replaced)
	 * @throws IllegalArgumentException naming the folder or the tensor: no run in {@code run}, {@code out} inside it or
	 *                                  not empty, no EMA weights to fold, a value float16 cannot hold
	 */
	public static Result export(Path run, Path out, Storage storage, boolean raw, boolean overwrite, NDManager manager)
		throws IOException {
		return export(run, out, storage, raw, null, overwrite, manager);
	}

	/**
	 * @param decoderFrom an autoencoder's weights (its run's {@code model.safetensors}) whose decoder replaces the
	 *                    latent diffusion model's: its encoder must be the model's first stage encoder bit for bit
	 *                    (a stretch of the autoencoder with its encoder frozen), so that the model's latents are its
	 *                    latents; null keeps the model's own first stage
	 */
	public static Result export(Path run, Path out, Storage storage, boolean raw, Path decoderFrom, boolean overwrite, NDManager manager)
		throws IOException {
		Path configFile = run.resolve(TrainingCheckpoint.CONFIG);
		Path weightsFile = run.resolve(TrainingCheckpoint.WEIGHTS);
		if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weightsFile))
			throw new IllegalArgumentException(run + " holds no trained run (no " + TrainingCheckpoint.CONFIG + " and "
				+ TrainingCheckpoint.WEIGHTS + ")");
		checkDestination(run, out, overwrite);
		String text = Files.readString(configFile, StandardCharsets.UTF_8);
		boolean autoencoder = TrainingRun.isAutoencoder(text, configFile.toString());
		try (NDManager scratch = manager.newSubManager(); StateDict saved = SafetensorsReader.read(weightsFile, scratch)) {
			Map<String, NDArray> tensors = autoencoder ? saved.tensors() : inferenceWeights(saved.tensors(), raw, weightsFile);
			if (decoderFrom != null) {
				if (autoencoder) throw new IllegalArgumentException(run + " holds an autoencoder: a decoder goes into a latent diffusion model");
				tensors = withDecoder(tensors, decoderFrom, scratch);
			}
			Map<String, NDArray> converted = new LinkedHashMap<>();
			for (Map.Entry<String, NDArray> e : tensors.entrySet()) converted.put(e.getKey(), convert(e.getKey(), e.getValue(), storage));

			Weights weights = autoencoder ? Weights.AUTOENCODER : raw ? Weights.RAW : Weights.EMA;
			Object step = saved.metadata().get(TrainingCheckpoint.STEP);
			Map<String, String> metadata = new LinkedHashMap<>();
			// the run's folder name, not its path: a shipped file should not carry the trainer's directories
			metadata.put("source_run", run.toAbsolutePath().normalize().getFileName().toString());
			if (step != null) metadata.put(TrainingCheckpoint.STEP, step.toString());
			metadata.put("weights", weights.id);
			metadata.put("precision", storage.toString());

			String config = autoencoder ? text : ExportedConfig.withoutEma(text, configFile.toString(), raw
				? "exported with the raw denoiser weights and no model_ema.* copy"
				: "exported: the EMA weights are the denoiser's own (model.diffusion_model.*), no model_ema.* copy");
			Files.createDirectories(out);
			Files.write(out.resolve(TrainingCheckpoint.CONFIG), config.getBytes(StandardCharsets.UTF_8));
			Path file = out.resolve(TrainingCheckpoint.WEIGHTS);
			SafetensorsWriter.write(file, converted, metadata);
			Integer steps = step != null && step.toString().matches("\\d{1,9}") ? Integer.valueOf(step.toString()) : null;
			return new Result(out, steps, weights, storage, converted.size(), Files.size(file), Files.size(weightsFile), Checksums.sha256(file));
		}
	}

	/**
	 * The tensors inference reads, by the reference's keys: without {@code model_ema.*}, the denoiser's taken from its
	 * EMA copy unless {@code raw}.
	 */
	static Map<String, NDArray> inferenceWeights(Map<String, NDArray> saved, boolean raw, Path file) {
		if (!raw && saved.keySet().stream().noneMatch(k -> k.startsWith(EMA)))
			throw new IllegalArgumentException(file + " holds no EMA weights (" + EMA + "*): export its raw weights with --raw");
		Map<String, NDArray> out = new LinkedHashMap<>();
		for (Map.Entry<String, NDArray> e : saved.entrySet()) {
			String key = e.getKey();
			if (key.startsWith(EMA)) continue;
			NDArray value = e.getValue();
			if (!raw && key.startsWith(DENOISER)) {
				String name = LitEma.bufferName(key);
				value = saved.get(name);
				if (value == null || !value.getShape().equals(e.getValue().getShape()))
					throw new IllegalArgumentException(file + ": the EMA copy '" + name + "' of '" + key + "' is "
						+ (value == null ? "missing" : "of shape " + value.getShape() + ", not " + e.getValue().getShape()));
			}
			out.put(key, value);
		}
		return out;
	}

	/**
	 * The model's tensors with its first stage's decoder ({@code decoder.*}, {@code post_quant_conv.*}) taken from the
	 * autoencoder in {@code file}, after checking that its encoder ({@code encoder.*}, {@code quant_conv.*},
	 * {@code quantize.*}) is the model's bit for bit.
	 */
	static Map<String, NDArray> withDecoder(Map<String, NDArray> model, Path file, NDManager manager) throws IOException {
		StateDict autoencoder = SafetensorsReader.read(file, manager);
		Map<String, NDArray> out = new LinkedHashMap<>(model);
		int encoder = 0, decoder = 0;
		for (Map.Entry<String, NDArray> e : autoencoder.tensors().entrySet()) {
			String key = e.getKey(), inModel = FIRST_STAGE + key;
			NDArray mine = model.get(inModel);
			boolean isEncoder = AutoencoderTrainer.isEncoderKey(key);
			if (!isEncoder && !key.startsWith("decoder.") && !key.startsWith("post_quant_conv.")) continue;
			if (mine == null || !mine.getShape().equals(e.getValue().getShape()))
				throw new IllegalArgumentException(file + ": '" + key + "' has no counterpart of its shape in the model ('" + inModel
					+ "'): another autoencoder's architecture");
			if (isEncoder) {
				if (!mine.toType(DataType.FLOAT32, false).contentEquals(e.getValue().toType(DataType.FLOAT32, false)))
					throw new IllegalArgumentException(file + ": its encoder differs from the model's first stage at '" + key
						+ "', so the model's latents are not its latents: take the decoder of a stretch trained with the encoder frozen");
				encoder++;
			} else {
				out.put(inModel, e.getValue());
				decoder++;
			}
		}
		if (encoder == 0 || decoder == 0)
			throw new IllegalArgumentException(file + " holds no autoencoder (" + encoder + " encoder and " + decoder + " decoder tensors)");
		return out;
	}

	private static final String FIRST_STAGE = "first_stage_model.";

	/** A floating-point tensor in the storage type (scale_factor in float32); any other tensor as it is. */
	static NDArray convert(String key, NDArray value, Storage storage) {
		if (!value.getDataType().isFloating()) return value;
		DataType type = key.equals(SCALE_FACTOR) ? DataType.FLOAT32 : storage.type;
		if (value.size() == 0) return value.toType(type, true);
		// checked in float32: a NaN or infinity is a diverged run, whatever it is stored in
		float max;
		NDArray wide = value.getDataType() == DataType.FLOAT32 ? value : value.toType(DataType.FLOAT32, false);
		try (NDArray abs = wide.abs(); NDArray largest = abs.max()) {
			max = largest.getFloat();
		} finally {
			if (wide != value) wide.close();
		}
		if (!Float.isFinite(max)) throw new IllegalArgumentException("tensor '" + key + "' holds NaN or infinite values: the run diverged");
		// once no magnitude exceeds float16's largest finite value, no finite value can round to infinity
		if (type == DataType.FLOAT16 && max > FP16_MAX)
			throw new IllegalArgumentException("tensor '" + key + "' holds a value of magnitude " + max + ", beyond float16's largest ("
				+ (int) FP16_MAX + "): export it with --precision fp32");
		return value.getDataType() == type ? value : value.toType(type, true);
	}

	private static void checkDestination(Path run, Path out, boolean overwrite) throws IOException {
		Path runReal = run.toRealPath();
		if (real(out).startsWith(runReal))
			throw new IllegalArgumentException(out + " is the run's folder or inside it: export to a folder outside " + run
				+ ", which is never written to");
		if (Files.exists(out) && !Files.isDirectory(out)) throw new IllegalArgumentException(out + " is a file, not a folder");
		if (Files.isDirectory(out) && !overwrite) {
			try (Stream<Path> entries = Files.list(out)) {
				if (entries.findAny().isPresent())
					throw new IllegalArgumentException(out + " is not empty: export to a new or empty folder, or replace its "
						+ TrainingCheckpoint.CONFIG + " and " + TrainingCheckpoint.WEIGHTS + " with --force");
			}
		}
	}

	/** The path with its existing part resolved (links followed), the rest appended as given. */
	private static Path real(Path path) throws IOException {
		Path absolute = path.toAbsolutePath().normalize();
		Path existing = absolute;
		while (existing != null && !Files.exists(existing)) existing = existing.getParent();
		if (existing == null) return absolute;
		return existing.toRealPath().resolve(existing.relativize(absolute));
	}
}
