package org.ldmfiji.cli;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.evaluate.EvaluationReport;
import org.ldmfiji.evaluate.HeldOutSet;
import org.ldmfiji.evaluate.InpaintEvaluation;
import org.ldmfiji.evaluate.ReconstructionEvaluation;
import org.ldmfiji.evaluate.SrEvaluation;
import org.ldmfiji.evaluate.SynthesisEvaluation;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.pipeline.model.DeviceChoice;
import org.ldmfiji.pipeline.model.FirstStageModel;
import org.ldmfiji.pipeline.model.ModelCard;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.train.data.FolderImages;
import org.ldmfiji.train.data.InpaintMasks;
import org.ldmfiji.train.data.MicroscopyConfig;
import org.ldmfiji.train.data.SrDegradation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
	description = {"Measure a model on held-out images never used in training, against the classical method, and write a report",
		"(report.md, report.json and side-by-side pictures).",
		"sr: PSNR/SSIM vs bicubic, LR-consistency; inpaint: PSNR/SSIM in the hole vs the harmonic fill, unchanged pixels,",
		"boundary gradient; synthesize: IoU of the Otsu foreground with the labels, Wasserstein-1 intensity distance;",
		"autoencode: PSNR/SSIM of a first stage's reconstruction (encode, decode) of each image, --model an autoencoder's",
		"folder (config.yaml + weights, as its training run leaves them) or a latent diffusion model, whose first stage is measured."})
final class EvaluateCommand implements Callable<Integer> {

	/** The evaluation of a first stage alone, which is no task a model is asked to do. */
	static final String AUTOENCODE = "autoencode";
	private static final String VARIED = "varied";

	@Option(names = "--task", required = true, paramLabel = "sr|inpaint|synthesize|autoencode", description = "what to evaluate")
	String task;

	@Mixin
	ModelOptions model;

	@Mixin
	SamplingOptions sampling;

	@Option(names = "--data", paramLabel = "held-out|training|varied",
		description = "the generator configuration the images are drawn from, always with the held-out seed; varied: each image a "
			+ "configuration of its own, as synthetic-varied trains (default: held-out for sr, "
			+ "inpaint and autoencode; training for synthesize, whose images can only look like the population its label maps were drawn with)")
	String data;

	@Option(names = "--images", paramLabel = "DIR", description = "crops of the images in this folder instead of generated ones")
	Path images;

	@Option(names = "--labels", paramLabel = "DIR", description = "with --images: label images of the same names (for synthesize)")
	Path labels;

	@Option(names = "--count", defaultValue = "8", paramLabel = "N", description = "images to measure on (default: ${DEFAULT-VALUE})")
	int count;

	@Option(names = "--size", defaultValue = "128", paramLabel = "PX",
		description = "side of each (ground-truth) image in pixels (default: ${DEFAULT-VALUE})")
	int size;

	@Option(names = "--data-seed", paramLabel = "S", description = "seed of the held-out images (default: " + HeldOutSet.DEFAULT_SEED
		+ "; never use it for training)")
	Long dataSeed;

	@Option(names = "--pictures", defaultValue = "4", paramLabel = "N", description = "side-by-side pictures to write (default: ${DEFAULT-VALUE})")
	int pictures;

	@Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "folder for the report and pictures")
	Path out;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		boolean autoencode = AUTOENCODE.equalsIgnoreCase(task.trim());
		Task t = autoencode ? null : taskOf(task);
		if (count < 1 || count > 10_000) throw new IllegalArgumentException("--count must lie in 1..10000, not " + count);
		if (size < 16 || size > 4096) throw new IllegalArgumentException("--size must lie in 16..4096, not " + size);
		if (pictures < 0) throw new IllegalArgumentException("--pictures must be 0 or more, not " + pictures);
		long seed = dataSeed == null ? HeldOutSet.DEFAULT_SEED : dataSeed;
		if (data == null) data = t == Task.SYNTHESIZE ? "training" : "held-out";
		if (labels != null && images == null) throw new IllegalArgumentException("--labels goes with --images");
		HeldOutSet set = images != null ? HeldOutSet.of("crops of " + images + (labels == null ? "" : " with labels from " + labels),
			new FolderImages(images, labels, size, size, IntensityMapping.DEFAULT_LOW_PERCENTILE, IntensityMapping.DEFAULT_HIGH_PERCENTILE),
			count, seed) : VARIED.equalsIgnoreCase(data.trim()) ? HeldOutSet.varied(size, count, seed) : generated(data, size, count, seed);
		Progress progress = new Progress(spec.commandLine().getErr());
		try {
			EvaluationReport report = autoencode ? autoencode(set, progress) : evaluate(t, set, progress);
			report.write(out);
			progress.done();
			PrintWriter stdout = spec.commandLine().getOut();
			for (Map.Entry<String, Double> e : report.means().entrySet()) stdout.printf("%s: %s%n", e.getKey(), e.getValue());
			for (Map.Entry<String, String> e : report.bars().entrySet()) stdout.printf("%s: %s%n", e.getKey(), e.getValue());
			if (report.summary() != null) stdout.println(report.summary());
			progress.say("wrote " + out.resolve("report.md") + " and " + out.resolve("report.json"));
			return 0;
		} finally {
			progress.done();
		}
	}

	/** A task a model is asked to do; an unknown name is told every evaluation there is. */
	private static Task taskOf(String id) {
		try {
			return Task.of(id);
		} catch (IllegalArgumentException e) {
			List<String> ids = new ArrayList<>();
			for (Task t : Task.values()) ids.add(t.id());
			ids.add(AUTOENCODE);
			throw new IllegalArgumentException("unknown task '" + id + "' (" + String.join(", ", ids) + ")", e);
		}
	}

	/** A manager on the chosen device, on a thread made ready for inference. */
	private NDManager manager(Progress progress) {
		DeviceChoice device = model.device();
		if (device.fallback() != null) progress.say("warning: " + device.fallback());
		Inference.prepareThread();
		return NDManager.newBaseManager(device.device());
	}

	private EvaluationReport autoencode(HeldOutSet set, Progress progress) throws IOException {
		ModelOptions.FirstStageLoader loader = model.firstStage();
		try (NDManager m = manager(progress); FirstStageModel firstStage = loader.load(m)) {
			progress.say("first stage of " + firstStage + "; " + set.description());
			return ReconstructionEvaluation.run(firstStage.network(), firstStage.name(), set, pictures, m);
		}
	}

	private EvaluationReport evaluate(Task t, HeldOutSet set, Progress progress) throws IOException {
		ModelFolder folder = model.resolve(t, t == Task.SYNTHESIZE ? ModelCard.LABEL_SYNTHESIS : t.id());
		SamplingSettings.Builder builder = sampling.apply(ModelOptions.defaults(folder.card()));
		SamplingSettings settings = builder.callback(progress.steps()).build();
		try (NDManager m = manager(progress)) {
			LatentDiffusion ldm = model.load(folder, m).model();
			progress.say("model " + folder.name() + ", " + settings + "; " + set.description());
			return evaluate(t, ldm, folder.name(), set, settings, m);
		}
	}

	private static HeldOutSet generated(String configuration, int size, int count, long seed) {
		try {
			return HeldOutSet.synthetic(configuration, MicroscopyConfig.named(configuration), size, count, seed);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("unknown --data '" + configuration + "' (held-out, training, " + VARIED + ")", e);
		}
	}

	private EvaluationReport evaluate(Task t, LatentDiffusion ldm, String name, HeldOutSet set, SamplingSettings settings, NDManager m) {
		switch (t) {
			case SR: {
				// held-out images get a held-out degradation too: the noise an SR model meets is the low-resolution image's
				boolean trainingRanges = images == null && ("training".equalsIgnoreCase(data.trim()) || VARIED.equalsIgnoreCase(data.trim()));
				SrDegradation degradation = trainingRanges ? SrDegradation.standard() : SrDegradation.heldOut();
				return SrEvaluation.run(ldm, name, set, degradation.withFactor(ldm.firstStage().downsamplingFactor()), settings, pictures, m);
			}
			case INPAINT:
				return InpaintEvaluation.run(ldm, name, set, InpaintMasks.standard(), settings, pictures, m);
			default:
				return SynthesisEvaluation.run(ldm, name, set, settings, pictures, m);
		}
	}
}
