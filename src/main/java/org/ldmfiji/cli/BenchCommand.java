package org.ldmfiji.cli;

import ai.djl.pytorch.jni.JniUtils;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Paths;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true,
	description = "Time an architecture with random weights (a measurement, not a test).")
final class BenchCommand implements Callable<Integer> {

	@Option(names = "--arch", required = true, paramLabel = "NAME|CONFIG.yaml",
		description = "a bundled architecture (bsr_sr, inpainting_big, cin256-v2, lsun_churches-ldm-kl-8) or a config file")
	String arch;

	@Option(names = "--latent", defaultValue = "64", paramLabel = "N", description = "latent height and width (default: ${DEFAULT-VALUE})")
	int latent;

	@Option(names = "--steps", defaultValue = "5", paramLabel = "K", description = "timed denoiser steps (default: ${DEFAULT-VALUE})")
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
		LdmConfig config = arch.endsWith(".yaml") || arch.endsWith(".yml") ? ModelConfigReader.read(Paths.get(arch))
			: ModelConfigReader.readBundled(arch);
		Inference.prepareThread();
		if (threads != null) JniUtils.setNumThreads(threads);
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
}
