package org.ldmfiji.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.TaskMonitor;

import java.io.PrintWriter;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
	description = {"Time an architecture with random weights (a measurement, not a test).",
		"Without --task: the denoiser per step at --latent, and the first stage's encode and decode.",
		"With --task sr: a whole super-resolution of a random --image N x N input, tiles included."})
final class BenchCommand implements Callable<Integer> {

	@Option(names = "--arch", required = true, paramLabel = "NAME|CONFIG.yaml",
		description = "a bundled architecture (bsr_sr, inpainting_big, cin256-v2, lsun_churches-ldm-kl-8) or a config file")
	String arch;

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
		LdmConfig config = arch.endsWith(".yaml") || arch.endsWith(".yml") ? ModelConfigReader.read(Paths.get(arch))
			: ModelConfigReader.readBundled(arch);
		Inference.prepareThread();
		if (threads != null) JniUtils.setNumThreads(threads);
		List<Precision> precisions = precisions();
		if (task != null) return task(config, precisions);
		List<Benchmark.Result> results = Benchmark.run(config, latent, steps, warmup, !noFirstStage, precisions);
		System.out.printf(Locale.ROOT, "arch %s, latent %dx%d, %d intra-op threads, %,d parameters%n", arch, latent, latent,
			JniUtils.getNumThreads(), results.get(0).parameters);
		for (Benchmark.Result r : results) {
			System.out.printf(Locale.ROOT,
				"%s%s denoiser step: median %.1f ms, min %.1f ms, max %.1f ms over %d steps (CPU time median %.0f ms)%s%n",
				r.precision, r.precision == r.requested ? "" : " (" + r.requested + " unsupported here)", r.median(), r.min(),
				r.max(), r.stepMillis.size(), r.medianCpu(), Double.isNaN(r.relativeErrorToFp32) || r.precision == Precision.FP32 ? ""
					: String.format(Locale.ROOT, "; output vs fp32: max |Δ|/max|fp32| = %.2e", r.relativeErrorToFp32));
			if (!Double.isNaN(r.encodeMillis)) {
				System.out.printf(Locale.ROOT, "%s first stage: encode %.1f ms, decode %.1f ms%n", r.precision, r.encodeMillis,
					r.decodeMillis);
			}
		}
		System.out.printf(Locale.ROOT, "peak resident memory: %.0f MiB%n", results.get(results.size() - 1).peakRssKiB / 1024.0);
		System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f on %d processors%n", Benchmark.loadAverage(),
			Runtime.getRuntime().availableProcessors());
		return 0;
	}

	private int task(LdmConfig config, List<Precision> precisions) {
		if (!"sr".equals(task)) throw new IllegalArgumentException("--task must be sr, not '" + task + "'");
		if (image < 1) throw new IllegalArgumentException("--image must be positive, not " + image);
		SamplingSettings settings = SamplingSettings.builder().steps(steps).seed(0).tileSize(tileSize).maxMemoryMiB(maxMemoryMiB).build();
		PrintWriter err = new PrintWriter(System.err, true);
		TaskMonitor monitor = new TaskMonitor() {
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
		};
		try (NDManager outputs = NDManager.newBaseManager(Device.cpu())) {
			List<Benchmark.TaskResult> results = new ArrayList<>();
			for (Precision p : precisions) {
				Benchmark.TaskResult r = Benchmark.superResolution(config, image, settings, monitor, p, outputs);
				results.add(r);
				if (results.size() == 1) {
					System.out.printf(Locale.ROOT, "arch %s, sr of %dx%d to %dx%d, %d steps, %d intra-op threads, %,d parameters%n",
						arch, image, image, r.outputSide, r.outputSide, steps, JniUtils.getNumThreads(), r.parameters);
					System.out.printf(Locale.ROOT, "%s%n", r.plan);
				}
				System.out.printf(Locale.ROOT, "%s time: %.1f s (sampling and decoding, after the model is made)%n", r.precision,
					r.seconds);
				System.out.printf(Locale.ROOT, "%s resident memory: %.0f MiB with the model made, peak %.0f MiB%n", r.precision,
					r.modelRssKiB / 1024.0, r.peakRssKiB / 1024.0);
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
}
