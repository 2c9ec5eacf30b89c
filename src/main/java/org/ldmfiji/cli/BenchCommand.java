package org.ldmfiji.cli;

import ai.djl.pytorch.jni.JniUtils;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.train.data.DataBenchmark;
import org.ldmfiji.train.data.MicroscopyConfig;

import java.io.PrintWriter;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
	description = {"Time an architecture with random weights (a measurement, not a test).",
		"Without --task: the denoiser per step at --latent, and the first stage's encode and decode.",
		"With --task sr: a whole super-resolution of a random --image N x N input, tiles included."})
final class BenchCommand implements Callable<Integer> {

	@Option(names = "--arch", paramLabel = "NAME|CONFIG.yaml",
		description = "a bundled architecture (bsr_sr, inpainting_big, cin256-v2, lsun_churches-ldm-kl-8) or a config file; not for --task data")
	String arch;

	@Option(names = "--task", paramLabel = "sr|data",
		description = "time a whole task instead: sr (super-resolution of an --image N x N input), or data (synthetic training images of --image N x N and their SR degradation, --steps images)")
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
		if ("data".equals(task)) return data();
		if (arch == null) throw new IllegalArgumentException("--arch is needed (a bundled architecture or a config file)");
		LdmConfig config = arch.endsWith(".yaml") || arch.endsWith(".yml") ? ModelConfigReader.read(Paths.get(arch))
			: ModelConfigReader.readBundled(arch);
		Inference.prepareThread();
		if (threads != null) JniUtils.setNumThreads(threads);
		if (task != null) return task(config);
		Benchmark.Result r = Benchmark.run(config, latent, steps, warmup, !noFirstStage);
		System.out.printf(Locale.ROOT, "arch %s, latent %dx%d, %d intra-op threads, %,d parameters%n", arch, latent, latent,
			JniUtils.getNumThreads(), r.parameters);
		System.out.printf(Locale.ROOT, "denoiser step: median %.1f ms, min %.1f ms, max %.1f ms over %d steps%n", r.median(),
			r.min(), r.max(), r.stepMillis.size());
		if (!Double.isNaN(r.encodeMillis)) {
			System.out.printf(Locale.ROOT, "first stage: encode %.1f ms, decode %.1f ms%n", r.encodeMillis, r.decodeMillis);
		}
		System.out.printf(Locale.ROOT, "peak resident memory: %.0f MiB%n", r.peakRssKiB / 1024.0);
		return 0;
	}

	private int data() {
		if (image < 16) throw new IllegalArgumentException("--image must be at least 16, not " + image);
		if (threads != null) JniUtils.setNumThreads(threads);
		DataBenchmark.Result r = DataBenchmark.run(MicroscopyConfig.training(), image, steps, warmup);
		System.out.printf(Locale.ROOT, "synthetic %dx%d images (training configuration): %.1f images/s (%.0f ms CPU of this thread each); "
			+ "SR degradation of them: %.1f images/s; %d intra-op threads%n", image, image, r.imagesPerSecond, r.cpuMillisPerImage,
			r.degradedPerSecond, JniUtils.getNumThreads());
		System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n",
			java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), Runtime.getRuntime().availableProcessors());
		return 0;
	}

	private int task(LdmConfig config) {
		if (!"sr".equals(task)) throw new IllegalArgumentException("--task must be sr, not '" + task + "'");
		if (image < 1) throw new IllegalArgumentException("--image must be positive, not " + image);
		SamplingSettings settings = SamplingSettings.builder().steps(steps).seed(0).tileSize(tileSize).maxMemoryMiB(maxMemoryMiB).build();
		PrintWriter err = new PrintWriter(System.err, true);
		Benchmark.TaskResult r = Benchmark.superResolution(config, image, settings, new TaskMonitor() {
			@Override
			public void tiling(String grid) {
				err.println(grid);
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
		System.out.printf(Locale.ROOT, "arch %s, sr of %dx%d to %dx%d, %d steps, %d intra-op threads, %,d parameters%n", arch, image, image,
			r.outputSide, r.outputSide, steps, JniUtils.getNumThreads(), r.parameters);
		System.out.printf(Locale.ROOT, "%s%n", r.plan);
		System.out.printf(Locale.ROOT, "time: %.1f s (sampling and decoding, after the model is made)%n", r.seconds);
		System.out.printf(Locale.ROOT, "resident memory: %.0f MiB with the model made, peak %.0f MiB%n", r.modelRssKiB / 1024.0,
			r.peakRssKiB / 1024.0);
		System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n", r.loadAverage,
			Runtime.getRuntime().availableProcessors());
		return 0;
	}
}
