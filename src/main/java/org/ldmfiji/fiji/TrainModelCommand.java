package org.ldmfiji.fiji;

import org.ldmfiji.engine.Inference;
import org.ldmfiji.pipeline.FolderBatch;
import org.ldmfiji.train.TrainingData;
import org.ldmfiji.train.TrainingListener;
import org.ldmfiji.train.TrainingProgress;
import org.ldmfiji.train.TrainingRun;
import org.ldmfiji.train.TrainingSettings;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.widget.FileWidget;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Train Model: trains a latent diffusion model into a run folder, or resumes the run the folder holds. The folder is a
 * model folder (config.yaml + model.safetensors) at every checkpoint, usable by the other commands as {@code model}.
 * Cancelling (or Esc) checkpoints first, so the same command with the same folder carries on later.
 */
@Plugin(type = Command.class, headless = true, label = "Train Model")
public final class TrainModelCommand extends ContextCommand {

	@Parameter(required = false)
	private org.scijava.app.StatusService status;

	@Parameter(required = false)
	private LogService log;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, persist = false, description = "the run's folder: a new run, or the run it holds is resumed")
	private File run_directory;

	@Parameter(required = false, persist = false, description = "a new run's CompVis config (config.yaml); leave empty to resume")
	private File config_file;

	@Parameter(required = false, persist = false, description = "a new run's trained autoencoder weights (kept frozen)")
	private File first_stage;

	@Parameter(required = false, persist = false, description = "a new run starts from this trained model's weights (model.safetensors "
		+ "of a model folder, such as a bundled model's, or a checkpoint) to fine-tune it; its config must be the run's config")
	private File start_from;

	@Parameter(persist = false, description = "synthetic (the built-in microscopy generator; synthetic-varied: a configuration of its own for every image), a folder of images, or both joined by the path separator (mixed 1:1)")
	private String data = TrainingData.SYNTHETIC;

	@Parameter(min = "8", persist = false, description = "a new run's side of the square training crops in pixels (a resumed run keeps its own)")
	private int crop = 128;

	@Parameter(min = "0", persist = false, description = "total steps of the run; 0: 1000 for a new run, the run's own when resuming")
	private int steps = 0;

	@Parameter(min = "1", persist = false, description = "images per step")
	private int batch_size = 8;

	@Parameter(min = "0", persist = false, description = "AdamW learning rate; 0: the config's base_learning_rate x batch size")
	private double learning_rate = 0;

	@Parameter(min = "1", persist = false, description = "steps between checkpoints")
	private int checkpoint_every = 500;

	@Parameter(persist = false, description = "the run's seed: the same seed and settings train the same model")
	private long seed = 0;

	@Parameter(type = ItemIO.OUTPUT)
	private String summary;

	/** An optional file parameter as a path: null when it was left empty (null or an empty path). */
	private static Path given(File file) {
		return file == null || file.getPath().isEmpty() ? null : file.toPath();
	}

	@Override
	public void run() {
		Inference.prepareThread();
		CommandProgress progress = new CommandProgress("Train Model", status, this);
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			if (run_directory == null) throw new IllegalArgumentException("no run_directory given");
			TrainingRun r = TrainingRun.open(run_directory.toPath(), given(config_file), given(first_stage), given(start_from), this::settings, s -> steps > 0 ? s.withSteps(steps) : s,
				TrainingData.opener(data), m);
			boolean done = r.run(new TrainingListener() {
				@Override
				public void step(TrainingProgress p) {
					progress.training(p.toString(), p.fraction());
				}

				@Override
				public void checkpoint(Path folder, int step) {
					if (log != null) log.info("Train Model: checkpoint at step " + step + " in " + folder);
				}
			}, progress::isCanceled);
			summary = (done ? "trained " : "stopped at step " + r.step() + " of ") + r.settings().steps + " steps into " + r.folder();
			if (!done && !isCanceled()) cancel(progress.cancelReason() + "; checkpointed at step " + r.step());
		} catch (IllegalArgumentException | IllegalStateException | IOException e) {
			cancel(FolderBatch.oneLine(e));
			if (log != null) log.error("Train Model: " + getCancelReason());
		} finally {
			progress.done();
		}
	}

	private TrainingSettings settings(double baseLearningRate) {
		double lr = learning_rate > 0 ? learning_rate : TrainingRun.scaledLearningRate(baseLearningRate, batch_size);
		return TrainingSettings.builder().steps(steps > 0 ? steps : 1000).batchSize(batch_size).learningRate(lr)
			.checkpointEvery(checkpoint_every).seed(seed).cropSize(crop).data(data).build();
	}
}
