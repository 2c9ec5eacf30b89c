package org.ldmfiji.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;
import org.ldmfiji.pipeline.model.ModelRegistry;
import org.ldmfiji.train.TrainingBenchmark;
import org.ldmfiji.train.data.DataBenchmark;
import org.ldmfiji.train.data.MicroscopyConfig;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
	description = {"Time an architecture with random weights (a measurement, not a test).",
		"Without --task: the denoiser per step at --latent, and the first stage's encode and decode.",
		"With --task sr: a whole super-resolution of a random --image N x N input, tiles included, stage by stage",
		"(engine start, model load, encode, each sampling step, decode: wall and CPU time, page faults, resident memory);",
		"--model times a real model's load instead of random weights."})
final class BenchCommand implements Callable<Integer> {

	@Option(names = "--arch", paramLabel = "NAME|CONFIG.yaml",
		description = "a bundled architecture (bsr_sr, inpainting_big, cin256-v2, lsun_churches-ldm-kl-8) or a config file; not for --task data")
	String arch;

	@Option(names = "--model", paramLabel = "NAME|DIR", description = "with --task sr, instead of --arch: a model (see 'models') loaded from its files")
	String model;

	@Option(names = "--sampler", defaultValue = "ddim", paramLabel = "NAME", description = "with --task: the sampler (default: ${DEFAULT-VALUE})")
	String sampler;

	@Option(names = "--task", paramLabel = "sr|train|data",
		description = "time a whole task instead: sr (super-resolution of an --image N x N input), train (the denoiser's training step at --latent, --batch), "
			+ "or data (synthetic training images of --image N x N and their SR degradation, --steps images)")
	String task;

	@Option(names = "--image", defaultValue = "256", paramLabel = "N", description = "with --task sr: input height and width (default: ${DEFAULT-VALUE})")
	int image;

	@Option(names = "--tile-size", defaultValue = "0", paramLabel = "PX",
		description = "with --task sr: tile side in output pixels, 0 = the model card's, else from the memory budget (default: ${DEFAULT-VALUE})")
	int tileSize;

	@Option(names = "--max-memory", defaultValue = "0", paramLabel = "MIB",
		description = "with --task sr: memory budget of one tile in MiB, 0 = an eighth of physical memory (default: ${DEFAULT-VALUE})")
	long maxMemoryMiB;

	@Option(names = "--latent", defaultValue = "64", paramLabel = "N", description = "latent height and width (default: ${DEFAULT-VALUE})")
	int latent;

	@Option(names = "--steps", defaultValue = "5", paramLabel = "K",
		description = "timed denoiser steps; with --task: sampling steps (default: ${DEFAULT-VALUE})")
	int steps;

	@Option(names = "--warmup", defaultValue = "2", paramLabel = "K", description = "untimed steps first (default: ${DEFAULT-VALUE})")
	int warmup;

	@Option(names = "--batch", defaultValue = "16", paramLabel = "B", description = "with --task train: batch size (default: ${DEFAULT-VALUE})")
	int batch;

	@Option(names = "--threads", paramLabel = "T", description = "intra-op threads (default: libtorch's)")
	Integer threads;

	@Option(names = "--no-first-stage", description = "skip timing the first stage's encode and decode")
	boolean noFirstStage;

	@Option(names = "--precision", defaultValue = "both", paramLabel = "fp32|bf16|both",
		description = "number format to time; both: fp32 and bf16 with the same random weights, their steps alternating, "
			+ "and bf16's difference to fp32 (default: ${DEFAULT-VALUE})")
	String precision;

	/** The precisions {@code --precision} names. */
	List<Precision> precisions() {
		if ("both".equalsIgnoreCase(precision.trim())) return List.of(Precision.FP32, Precision.BF16);
		return List.of(Precision.of(precision));
	}

	@Override
	public Integer call() throws Exception {
		if (latent < 1 || steps < 1 || warmup < 0) throw new IllegalArgumentException("--latent and --steps must be positive, --warmup not negative");
		if ("data".equals(task)) return data();
		List<Precision> precisions = precisions();
		if ((arch == null) == (model == null || task == null)) throw new IllegalArgumentException("give --arch, or --model with --task sr");
		ModelFolder folder = model == null ? null : ModelRegistry.standard().resolve(model, Task.SR);
		LdmConfig config = arch == null ? null : arch.endsWith(".yaml") || arch.endsWith(".yml") ? ModelConfigReader.read(Paths.get(arch))
			: ModelConfigReader.readBundled(arch);
		Inference.prepareThread();
		if (threads != null) JniUtils.setNumThreads(threads);
		if ("train".equals(task)) return train(config);
		if (task != null) {
			return task(folder == null ? (m, p) -> {
				Inference.seed(0); // the same random weights in every precision
				return LatentDiffusion.random(config, m, p.supported());
			} : (m, p) -> ModelLoader.load(folder, false, m, p).model(), folder, folder == null ? arch : folder.name(), precisions);
		}
		List<Benchmark.Result> results = Benchmark.run(config, latent, steps, warmup, !noFirstStage, precisions);
		System.out.printf(Locale.ROOT, "arch %s, latent %dx%d, %d intra-op threads, %,d parameters%n", arch, latent, latent,
			JniUtils.getNumThreads(), results.get(0).parameters);
		System.out.printf(Locale.ROOT, "engine start: %.2f s%n", Inference.engineStartSeconds());
		for (Benchmark.Result r : results) {
			System.out.printf(Locale.ROOT,
				"%s%s denoiser step: median %.1f ms, min %.1f ms, max %.1f ms over %d steps (CPU time median %.0f ms)%s%n",
				r.precision, r.precision == r.requested ? "" : " (" + r.requested + " unsupported here)", r.median(), r.min(),
				r.max(), r.stepMillis.size(), r.medianCpu(), Double.isNaN(r.relativeErrorToFp32) || r.precision == Precision.FP32 ? ""
					: String.format(Locale.ROOT, "; output vs fp32: max |Δ|/max|fp32| = %.2e", r.relativeErrorToFp32));
			System.out.printf(Locale.ROOT, "%s model made (random weights): %.2f s%n", r.precision, r.modelSeconds);
			if (!Double.isNaN(r.encodeMillis)) {
				System.out.printf(Locale.ROOT, "%s first stage: encode %.1f ms, decode %.1f ms%n", r.precision, r.encodeMillis,
					r.decodeMillis);
			}
		}
		System.out.printf(Locale.ROOT, "peak resident memory: %.0f MiB%n", results.get(results.size() - 1).peakRssKiB / 1024.0);
		System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n", ProcessSample.loadAverage(),
			Runtime.getRuntime().availableProcessors());
		return 0;
	}

	private int data() {
		if (image < 16) throw new IllegalArgumentException("--image must be at least 16, not " + image);
		Inference.prepareThread(); // libtorch must be loaded before its thread count can be set
		if (threads != null) JniUtils.setNumThreads(threads);
		DataBenchmark.Result r = DataBenchmark.run(MicroscopyConfig.training(), image, steps, warmup);
		System.out.printf(Locale.ROOT, "synthetic %dx%d images (training configuration): %.1f images/s (%.0f ms CPU of this thread each); "
			+ "SR degradation of them: %.1f images/s; %d intra-op threads%n", image, image, r.imagesPerSecond, r.cpuMillisPerImage,
			r.degradedPerSecond, JniUtils.getNumThreads());
		System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n",
			java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
		return 0;
	}

	/** @param folder the model's folder, whose card gives the tile size and mean preservation a user gets; null for random weights */
	private int task(Benchmark.ModelSource source, ModelFolder folder, String name, List<Precision> precisions) throws IOException {
		if (!"sr".equals(task)) throw new IllegalArgumentException("--task must be sr, train or data, not '" + task + "'");
		if (image < 1) throw new IllegalArgumentException("--image must be positive, not " + image);
		SamplingSettings.Builder builder = folder == null ? SamplingSettings.builder() : folder.card().recommendedSampling();
		if (tileSize > 0 || folder == null) builder.tileSize(tileSize);
		SamplingSettings settings = builder.sampler(sampler).steps(steps).seed(0).maxMemoryMiB(maxMemoryMiB).build();
		PrintWriter err = new PrintWriter(System.err, true);
		TaskMonitor monitor = new TaskMonitor() {
			@Override
			public void tiling(String grid) {
				err.println(grid);
			}

			@Override
			public void stage(Stage stage) {
				err.println(stage.name().toLowerCase(Locale.ROOT));
			}

			@Override
			public void tile(int j, int m) {
				err.println("tile " + j + "/" + m);
			}

			@Override
			public void step(int step, int total) {
				err.println("step " + step + "/" + total);
			}

			@Override
			public boolean isCanceled() {
				return SignalStop.requested();
			}
		};
		try (NDManager outputs = NDManager.newBaseManager(Device.cpu())) {
			List<Benchmark.TaskResult> results = new ArrayList<>();
			for (Precision p : precisions) {
				Benchmark.TaskResult r = Benchmark.superResolution(source, p, image, settings, monitor, outputs);
				results.add(r);
				System.out.printf(Locale.ROOT, "%s: sr of %dx%d to %dx%d, %s %d steps, %s, %d intra-op threads, %,d parameters%n", name,
					image, image, r.outputSide, r.outputSide, sampler, steps, r.precision, JniUtils.getNumThreads(), r.parameters);
				System.out.printf(Locale.ROOT, "%s%n", r.plan);
				System.out.printf(Locale.ROOT, "engine start: %.2f s%n", Inference.engineStartSeconds());
				System.out.printf(Locale.ROOT, "%-18s %9s %9s %13s %9s %9s%n", "part", "wall s", "cpu s", "minor faults", "RSS MiB", "peak MiB");
				print(r.load);
				for (Benchmark.Part part : r.stages) {
					print(part);
					if (part.name.equals("sample")) for (Benchmark.Part step : r.steps) print(step);
				}
				print(r.total);
				System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n", r.loadAverage,
					Runtime.getRuntime().availableProcessors());
			}
			if (results.size() == 2 && results.get(0).precision != results.get(1).precision) {
				System.out.printf(Locale.ROOT, "%s output vs %s output (same seed and weights): PSNR %.1f dB%n",
					results.get(1).precision, results.get(0).precision,
					Benchmark.psnr(results.get(1).output, results.get(0).output));
			}
		}
		return 0;
	}

	private static void print(Benchmark.Part p) {
		System.out.printf(Locale.ROOT, "%-18s %9.2f %9.2f %,13d %9.0f %9.0f%n", p.name.startsWith("step") ? "  " + p.name : p.name, p.seconds,
			p.cpuSeconds, p.minorFaults, p.rssKiB / 1024.0, p.peakKiB / 1024.0);
	}

	private int train(LdmConfig config) {
		if (batch < 1) throw new IllegalArgumentException("--batch must be positive, not " + batch);
		TrainingBenchmark.Result r = TrainingBenchmark.run(config, latent, batch, steps, warmup);
		System.out.printf(Locale.ROOT, "arch %s, training step at latent %dx%d, batch %d, fp32, %d intra-op threads, %,d denoiser parameters%n",
			arch, latent, latent, batch, JniUtils.getNumThreads(), r.denoiserParameters);
		System.out.printf(Locale.ROOT, "s/iteration: median %.3f over %d steps (%s)%n", r.median(), r.secondsPerStep.size(),
			r.secondsPerStep.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).collect(java.util.stream.Collectors.joining(" ")));
		System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n",
			java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
		return 0;
	}
}
