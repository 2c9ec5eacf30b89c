package org.ldmfiji.train;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.io.SafetensorsReader;
import org.ldmfiji.io.SafetensorsWriter;
import org.ldmfiji.io.StateDict;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training run's folder, which is at every checkpoint a model folder the engine loads as it is:
 * <pre>
 * config.yaml                   the reference's config, as the run was started with it
 * model.safetensors             the reference's state-dict keys: model.diffusion_model.*, first_stage_model.*,
 *                               cond_stage_model.*, model_ema.* (flattened names), scale_factor (scale_by_std)
 * training/state.safetensors    what resuming needs besides: AdamW's moments, the step, the settings
 * </pre>
 * Both weight files carry the step in their metadata, so a pair torn apart by an interruption between the two writes
 * is recognised instead of resumed.
 */
public final class TrainingCheckpoint {

	public static final String CONFIG = "config.yaml";
	public static final String WEIGHTS = "model.safetensors";
	public static final String STATE = "training/state.safetensors";
	static final String STEP = "global_step";

	private TrainingCheckpoint() {}

	/** Whether {@code folder} holds a run that can be resumed. */
	public static boolean exists(Path folder) {
		return Files.isRegularFile(folder.resolve(STATE)) && Files.isRegularFile(folder.resolve(WEIGHTS));
	}

	/** Writes the run's state after {@code step} steps (the state first, then the model, each atomically). */
	static void save(Path folder, String configText, Trainer trainer, TrainingSettings settings, int step, NDManager manager)
		throws IOException {
		Files.createDirectories(folder.resolve(STATE).getParent());
		Files.write(folder.resolve(CONFIG), configText.getBytes(StandardCharsets.UTF_8));
		try (NDManager scratch = manager.newSubManager()) {
			Map<String, String> meta = new LinkedHashMap<>(settings.toMap());
			meta.putAll(trainer.metadata());
			meta.put(STEP, Integer.toString(step));
			SafetensorsWriter.write(folder.resolve(STATE), trainer.optimizerState(), meta);
			SafetensorsWriter.write(folder.resolve(WEIGHTS), trainer.weights(scratch), Map.of(STEP, Integer.toString(step)));
		}
	}

	/** The two files of a saved run, opened; closing frees their tensors. */
	static final class Saved implements AutoCloseable {
		final StateDict weights;
		final StateDict state;
		final int step;
		final TrainingSettings settings;

		Saved(Path folder, NDManager manager) throws IOException {
			if (!exists(folder))
				throw new IllegalArgumentException(folder + " holds no training run to resume (no " + STATE + " and " + WEIGHTS + ")");
			this.state = SafetensorsReader.read(folder.resolve(STATE), manager);
			try {
				this.weights = SafetensorsReader.read(folder.resolve(WEIGHTS), manager);
			} catch (IOException | RuntimeException e) {
				state.close();
				throw e;
			}
			String where = folder.resolve(STATE).toString();
			try {
				this.settings = TrainingSettings.fromMap(state.metadata(), where);
				this.step = step(state, where);
				Object weightsStep = weights.metadata().get(STEP);
				if (!String.valueOf(step).equals(String.valueOf(weightsStep)))
					throw new IllegalArgumentException(folder + ": the weights are from step " + weightsStep + " but the training state from step "
						+ step + " (a checkpoint was interrupted while being written); the run cannot be resumed from this pair");
			} catch (RuntimeException e) {
				close();
				throw e;
			}
		}

		private static int step(StateDict state, String where) {
			Object v = state.metadata().get(STEP);
			try {
				return Integer.parseInt(String.valueOf(v));
			} catch (NumberFormatException e) {
				throw new IllegalArgumentException(where + ": the training state's " + STEP + " is " + (v == null ? "missing" : "'" + v + "'")
					+ ", where the number of steps done is expected");
			}
		}

		@Override
		public void close() {
			weights.close();
			state.close();
		}
	}
}
