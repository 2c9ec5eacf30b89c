package org.ldmfiji.fiji;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.pipeline.FolderBatch;
import org.ldmfiji.pipeline.ImageTasks;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.pipeline.model.DeviceChoice;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLease;
import org.scijava.app.StatusService;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.CancellationException;

/**
 * What the diffusion commands share: the model and sampling parameters (snake_case: they are the macro keys), the
 * order of work (parameters checked, model leased from the context's cache, one pipeline call in a native-memory
 * scope of its own, the result handed out), progress, and how a run ends when it cannot finish: the command is
 * cancelled with a one-line reason that is also logged, its output stays empty, and no dialog opens (the ImageJ 1
 * bridge decides whether a user at the screen sees one).
 *
 * <p>Numbers a user leaves at their "automatic" value take the model card's recommendation: {@code steps} 0,
 * {@code eta} and {@code guidance_scale} -1, {@code sampler} auto.
 */
public abstract class DiffusionCommand extends ContextCommand {

	static final String AUTO = "auto";

	@Parameter
	private LatentDiffusionModelService models;

	@Parameter(required = false)
	private StatusService status;

	@Parameter(required = false)
	private LogService log;

	@Parameter(required = false, persist = false, description = "model name (List Models), model folder or config.yaml; empty: the task's bundled default")
	private String model = "";

	/** The choices are AUTO and {@code Samplers.names()}, spelt out because an annotation needs constants. */
	@Parameter(choices = { AUTO, "ddim", "plms", "ddpm", "dpmpp2m" }, persist = false,
		description = "auto: the model's recommendation; dpmpp2m (DPM-Solver++) needs far fewer steps, e.g. 20")
	private String sampler = AUTO;

	@Parameter(min = "0", max = "1000", persist = false, description = "sampling steps; 0: the model's recommendation")
	private int steps = 0;

	@Parameter(min = "-1", persist = false, description = "DDIM eta (0 = deterministic); -1: the model's recommendation")
	private double eta = -1;

	@Parameter(persist = false, description = "random seed: the same seed and parameters give the same image")
	private long seed = 0;

	@Parameter(min = "0", persist = false, description = "side of a tile in pixels of the result; 0: the model's, else from max_memory")
	private int tile_size = 0;

	@Parameter(min = "0", persist = false, description = "memory budget per tile in MiB; 0: from the machine's memory")
	private long max_memory = 0;

	@Parameter(required = false, persist = false, description = "auto, cpu, gpu0, gpu1, ...; a missing GPU falls back to the CPU")
	private String device = AUTO;

	@Parameter(required = false, choices = { AUTO, "fp32", "bf16" }, persist = false,
		description = "number format: fp32 (the reference's) or bf16 (faster; fp32 where the CPU lacks bfloat16); auto: the model's")
	private String precision = AUTO;

	private final String title;

	/** @param title how progress and messages name the command, e.g. "Super-Resolution" */
	protected DiffusionCommand(String title) {
		this.title = title;
	}

	/** The command's work; throws {@link IllegalArgumentException} for anything the user can fix. */
	abstract void execute(CommandProgress progress) throws IOException;

	@Override
	public final void run() {
		Inference.prepareThread();
		CommandProgress progress = new CommandProgress(title, status, this);
		try {
			execute(progress);
		} catch (CancellationException e) {
			String reason = progress.cancelReason();
			if (!isCanceled()) cancel(reason);
			if (log != null) log.info(title + ": " + reason);
		} catch (IllegalArgumentException | IllegalStateException | IOException e) {
			fail(FolderBatch.oneLine(e));
		} catch (OutOfMemoryError e) {
			fail(outOfMemory());
		} catch (EngineException e) {
			fail(isOutOfMemory(e) ? outOfMemory() : "the PyTorch engine failed: " + FolderBatch.oneLine(e));
		} finally {
			progress.done();
		}
	}

	/** What the user can do about it. */
	private static String outOfMemory() {
		return "out of memory: lower tile_size or max_memory, or give Fiji more memory (Edit > Options > Memory & Threads)";
	}

	private static boolean isOutOfMemory(Throwable e) {
		String m = e.getMessage();
		return m != null && m.toLowerCase(Locale.ROOT).contains("out of memory");
	}

	/** Ends the command: cancelled with {@code reason}, which the log repeats (a headless script may not ask). */
	void fail(String reason) {
		cancel(reason);
		if (log != null) log.error(title + ": " + reason);
	}

	/** Logs a problem that does not end the command (a failing file of a batch). */
	void warn(String message) {
		if (log != null) log.warn(title + ": " + message);
	}

	/** The work once the model is loaded. */
	interface Work<T> {
		T run(ImageTasks tasks, SamplingSettings settings) throws IOException;
	}

	/**
	 * Checks the sampling parameters, leases the model ({@code model}, or the default for {@code defaultUse}) and
	 * runs {@code work} with it in a native-memory scope that is freed when it returns, fails or is cancelled.
	 *
	 * @param defaultUse a task id, or {@link org.ldmfiji.pipeline.model.ModelCard#LABEL_SYNTHESIS}
	 */
	<T> T withModel(Task task, String defaultUse, double percentileLow, double percentileHigh, CommandProgress progress, Work<T> work)
		throws IOException {
		IntensityMapping.requirePercentiles(percentileLow, percentileHigh);
		ModelFolder folder = models.resolve(model, task, defaultUse);
		SamplingSettings settings = settings(folder);
		DeviceChoice where = DeviceChoice.resolve(device);
		if (where.fallback() != null && log != null) log.warn(title + ": " + where.fallback());
		try (ModelLease lease = models.acquire(folder, where.device(), false, precision(folder));
			NDManager memory = models.newTaskMemory(where.device())) {
			ImageTasks tasks = new ImageTasks(lease.model(), folder.name(), memory).percentiles(percentileLow, percentileHigh)
				.monitor(progress);
			if (log != null) log.info(title + ": model " + folder.name() + " on " + where + " in " + lease.model().precision() + ", " + settings);
			return work.run(tasks, settings);
		}
	}

	/** The precision the user chose, or the card's. */
	private Precision precision(ModelFolder folder) {
		return precision == null || precision.isBlank() || AUTO.equals(precision) ? folder.card().precision : Precision.of(precision);
	}

	/** The card's recommendations, overridden by what the user set. */
	private SamplingSettings settings(ModelFolder folder) {
		SamplingSettings.Builder b = folder.card().recommendedSampling();
		if (sampler != null && !sampler.isBlank() && !AUTO.equals(sampler)) b.sampler(sampler);
		if (steps > 0) b.steps(steps);
		if (eta != -1) b.eta(eta);
		if (guidanceScale() != -1) b.guidanceScale(guidanceScale());
		if (tile_size > 0) b.tileSize(tile_size);
		return b.seed(seed).maxMemoryMiB(max_memory).build();
	}

	/** The guidance scale the user set, or -1 for the model's; commands without guidance leave it at -1. */
	double guidanceScale() {
		return -1;
	}

	/** {@code image}, or why it cannot be used. */
	static ImagePlus requireImage(ImagePlus image, String what) {
		// headless SciJava fills a missing image input with an empty ImagePlus
		if (image == null || image.getProcessor() == null) throw new IllegalArgumentException("no " + what + " given; open an image first");
		return image;
	}

	/** A class label parameter: -1 is none. */
	static Integer classLabel(int value) {
		if (value < -1) throw new IllegalArgumentException("class_label must be a class (0 or more), or -1 for none; not " + value);
		return value == -1 ? null : value;
	}

	/** A title with {@code suffix} before its file extension, as ImageJ names derived images: cells.tif → cells_sr.tif. */
	static String suffixed(String title, String suffix) {
		int dot = title.lastIndexOf('.');
		boolean extension = dot > 0 && title.length() - dot <= 5 && title.substring(dot + 1).matches("[A-Za-z][A-Za-z0-9]*");
		return extension ? title.substring(0, dot) + suffix + title.substring(dot) : title + suffix;
	}
}
