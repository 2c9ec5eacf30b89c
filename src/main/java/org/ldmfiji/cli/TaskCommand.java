package org.ldmfiji.cli;

import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.FolderBatch;
import org.ldmfiji.pipeline.ImageTasks;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.pipeline.model.DeviceChoice;
import org.ldmfiji.pipeline.model.ModelFolder;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * What the task subcommands share: the model, the sampling options, the intensity percentiles, progress on stderr,
 * and the order of work: every option, input and output is checked, then the model is loaded once, then the work runs.
 */
abstract class TaskCommand implements Callable<Integer> {

	@Mixin
	ModelOptions model;

	@Mixin
	SamplingOptions sampling;

	@Option(names = "--percentile-low", paramLabel = "P", defaultValue = "1.0",
		description = "16/32-bit images: this percentile maps to the model's black (default: ${DEFAULT-VALUE})")
	double percentileLow;

	@Option(names = "--percentile-high", paramLabel = "P", defaultValue = "99.8",
		description = "16/32-bit images: this percentile maps to the model's white (default: ${DEFAULT-VALUE})")
	double percentileHigh;

	@Spec
	CommandSpec spec;

	private Progress progress;

	/** Progress lines and messages, on the command line's stderr. */
	Progress progress() {
		if (progress == null) progress = new Progress(spec.commandLine().getErr());
		return progress;
	}

	/** The work once the model is loaded. */
	interface Work {
		void run(ImageTasks tasks, SamplingSettings settings) throws Exception;
	}

	/** Checks the options, loads the model for {@code task}, runs {@code work}, and ends the progress line. */
	int withModel(Task task, Work work) throws Exception {
		return withModel(task, task.id(), work);
	}

	/** As {@link #withModel(Task, Work)}, with the default model for {@code defaultUse} when none is named. */
	int withModel(Task task, String defaultUse, Work work) throws Exception {
		IntensityMapping.requirePercentiles(percentileLow, percentileHigh);
		ModelFolder folder = model.resolve(task, defaultUse);
		SamplingSettings settings = sampling.apply(ModelOptions.defaults(folder.card())).build();
		DeviceChoice device = model.device();
		if (device.fallback() != null) progress().say("warning: " + device.fallback());
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(device.device())) {
			LatentDiffusion network = model.load(folder, m).model();
			ImageTasks tasks = new ImageTasks(network, folder.name(), m).percentiles(percentileLow, percentileHigh).monitor(progress());
			progress().say("model " + folder.name() + " in " + network.precision() + ", " + settings);
			work.run(tasks, settings);
			return 0;
		} finally {
			progress().done();
		}
	}

	/** Opens an image with ImageJ's own readers (TIFF, PNG, ...), or says which file could not be read. */
	static ImagePlus open(Path file) {
		return FolderBatch.open(file);
	}
}
