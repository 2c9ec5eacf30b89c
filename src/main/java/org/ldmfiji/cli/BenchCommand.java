package org.ldmfiji.cli;

import ai.djl.pytorch.jni.JniUtils;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;
import org.ldmfiji.pipeline.model.ModelRegistry;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Paths;
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
		description = "a bundled architecture (bsr_sr, inpainting_big, cin256-v2, lsun_churches-ldm-kl-8) or a config file")
	String arch;

	@Option(names = "--model", paramLabel = "NAME|DIR", description = "with --task sr, instead of --arch: a model (see 'models') loaded from its files")
	String model;

	@Option(names = "--sampler", defaultValue = "ddim", paramLabel = "NAME", description = "with --task: the sampler (default: ${DEFAULT-VALUE})")
	String sampler;

	@Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32",
		description = "the precision the model runs in (default: ${DEFAULT-VALUE}; fp32 only so far)")
	String precision;

	@Option(names = "--task", paramLabel = "sr", description = "time a whole task instead: sr (super-resolution of an --image N x N input)")
	String task;

	@Option(names = "--image", defaultValue = "256", paramLabel = "N", description = "with --task sr: input height and width (default: ${DEFAULT-VALUE})")
	int image;

	@Option(names = "--tile-size", defaultValue = "0", paramLabel = "PX",
		description = "with --task sr: tile side in output pixels, 0 = from the memory budget (default: ${DEFAULT-VALUE})")
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

	@Option(names = "--threads", paramLabel = "T", description = "intra-op threads (default: libtorch's)")
	Integer threads;

	@Option(names = "--no-first-stage", description = "skip timing the first stage's encode and decode")
	boolean noFirstStage;

	@Override
	public Integer call() throws Exception {
		if (latent < 1 || steps < 1 || warmup < 0) throw new IllegalArgumentException("--latent and --steps must be positive, --warmup not negative");
		// the hook for a faster precision: until one exists, anything but fp32 is refused here, before any work
		if (!"fp32".equals(precision)) throw new IllegalArgumentException("--precision must be fp32 (the only one so far), not '" + precision + "'");
		if ((arch == null) == (model == null || task == null)) throw new IllegalArgumentException("give --arch, or --model with --task sr");
		ModelFolder folder = model == null ? null : ModelRegistry.standard().resolve(model, Task.SR);
		LdmConfig config = arch == null ? null : arch.endsWith(".yaml") || arch.endsWith(".yml") ? ModelConfigReader.read(Paths.get(arch))
			: ModelConfigReader.readBundled(arch);
		Inference.prepareThread();
		if (threads != null) JniUtils.setNumThreads(threads);
		if (task != null) {
			return task(folder == null ? m -> LatentDiffusion.fresh(config, m) : m -> ModelLoader.load(folder, false, m).model(),
				folder == null ? arch : folder.name());
		}
		Benchmark.Result r = Benchmark.run(config, latent, steps, warmup, !noFirstStage);
		System.out.printf(Locale.ROOT, "arch %s, latent %dx%d, %d intra-op threads, %,d parameters%n", arch, latent, latent,
			JniUtils.getNumThreads(), r.parameters);
		System.out.printf(Locale.ROOT, "engine start: %.2f s; model made (random weights): %.2f s%n", Inference.engineStartSeconds(),
			r.modelSeconds);
		System.out.printf(Locale.ROOT, "denoiser step: median %.1f ms, min %.1f ms, max %.1f ms over %d steps%n", r.median(),
			r.min(), r.max(), r.stepMillis.size());
		if (!Double.isNaN(r.encodeMillis)) {
			System.out.printf(Locale.ROOT, "first stage: encode %.1f ms, decode %.1f ms%n", r.encodeMillis, r.decodeMillis);
		}
		System.out.printf(Locale.ROOT, "peak resident memory: %.0f MiB%n", r.peakRssKiB / 1024.0);
		return 0;
	}

	private int task(Benchmark.ModelSource source, String name) throws IOException {
		if (!"sr".equals(task)) throw new IllegalArgumentException("--task must be sr, not '" + task + "'");
		if (image < 1) throw new IllegalArgumentException("--image must be positive, not " + image);
		SamplingSettings settings = SamplingSettings.builder().sampler(sampler).steps(steps).seed(0).tileSize(tileSize)
			.maxMemoryMiB(maxMemoryMiB).build();
		PrintWriter err = new PrintWriter(System.err, true);
		Benchmark.TaskResult r = Benchmark.superResolution(source, image, settings, new TaskMonitor() {
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
		});
		System.out.printf(Locale.ROOT, "%s: sr of %dx%d to %dx%d, %s %d steps, %s, %d intra-op threads, %,d parameters%n", name, image,
			image, r.outputSide, r.outputSide, sampler, steps, precision, JniUtils.getNumThreads(), r.parameters);
		System.out.printf(Locale.ROOT, "%s%n", r.plan);
		System.out.printf(Locale.ROOT, "engine start: %.2f s%n", Inference.engineStartSeconds());
		System.out.printf(Locale.ROOT, "%-18s %9s %9s %13s %9s %9s%n", "part", "wall s", "cpu s", "minor faults", "RSS MiB", "peak MiB");
		print(r.load);
		for (Benchmark.Part p : r.stages) {
			print(p);
			if (p.name.equals("sample")) for (Benchmark.Part step : r.steps) print(step);
		}
		print(r.total);
		System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n", r.loadAverage,
			Runtime.getRuntime().availableProcessors());
		return 0;
	}

	private static void print(Benchmark.Part p) {
		System.out.printf(Locale.ROOT, "%-18s %9.2f %9.2f %,13d %9.0f %9.0f%n", p.name.startsWith("step") ? "  " + p.name : p.name, p.seconds,
			p.cpuSeconds, p.minorFaults, p.rssKiB / 1024.0, p.peakKiB / 1024.0);
	}
}
