package org.ldmfiji.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.LatentSequence;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.SuperResolution;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.TaskMonitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Times an architecture with random weights: the denoiser per step at a given latent size, and the first
 * stage's encode and decode, after warm-up. A measurement, not a test.
 */
final class Benchmark {

	/** Timings in milliseconds. */
	public static final class Result {
		public final long parameters;
		public final List<Double> stepMillis;
		public final double encodeMillis;
		public final double decodeMillis;
		public final long peakRssKiB;

		Result(long parameters, List<Double> stepMillis, double encodeMillis, double decodeMillis, long peakRssKiB) {
			this.parameters = parameters;
			this.stepMillis = stepMillis;
			this.encodeMillis = encodeMillis;
			this.decodeMillis = decodeMillis;
			this.peakRssKiB = peakRssKiB;
		}

		public double median() {
			List<Double> s = new ArrayList<>(stepMillis);
			Collections.sort(s);
			int n = s.size();
			return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
		}

		public double min() {
			return Collections.min(stepMillis);
		}

		public double max() {
			return Collections.max(stepMillis);
		}
	}

	/** A whole task's run. */
	public static final class TaskResult {
		public final long parameters;
		public final long outputSide;
		public final String plan;
		public final double seconds;
		public final long modelRssKiB;
		public final long peakRssKiB;
		public final double loadAverage;

		TaskResult(long parameters, long outputSide, String plan, double seconds, long modelRssKiB, long peakRssKiB, double loadAverage) {
			this.parameters = parameters;
			this.outputSide = outputSide;
			this.plan = plan;
			this.seconds = seconds;
			this.modelRssKiB = modelRssKiB;
			this.peakRssKiB = peakRssKiB;
			this.loadAverage = loadAverage;
		}
	}

	private Benchmark() {}

	/**
	 * Super-resolution of a random n×n image (seeded) through the whole sequence, tiled as the settings and the memory
	 * budget say: the time from noise to the decoded image and the process's peak resident memory.
	 */
	public static TaskResult superResolution(LdmConfig config, int n, SamplingSettings s, TaskMonitor monitor) {
		Inference.prepareThread();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = LatentDiffusion.fresh(config, manager)) {
			Task.SR.requireSupportedBy(config, "the benchmarked architecture");
			Inference.seed(1);
			NDArray input = manager.randomUniform(0f, 1f, new Shape(1, 3, n, n));
			int multiple = LatentSequence.sideMultiple(config);
			if (n % multiple != 0) throw new IllegalArgumentException("--image must be a multiple of " + multiple + " for this architecture, not " + n);
			String plan = LatentSequence.plan(config, new Shape(1, config.diffusion.channels, n, n), false, s).describe();
			long modelRss = rssKiB();
			SamplingSettings run = s.toBuilder().monitor(monitor).callback(monitor.steps()).build();
			long t0 = System.nanoTime();
			NDArray out = SuperResolution.run(model, input, run, manager);
			out.get(0).toType(DataType.FLOAT32, false).close(); // the result is computed
			double seconds = (System.nanoTime() - t0) / 1e9;
			long side = out.getShape().get(2);
			out.close();
			return new TaskResult(model.parameterCount(), side, plan, seconds, modelRss, peakRssKiB(), loadAverage());
		}
	}

	/**
	 * @param latent  latent height and width
	 * @param steps   timed denoiser evaluations (after {@code warmup} untimed ones)
	 * @param firstStage whether to time the first stage's encode and decode too
	 */
	public static Result run(LdmConfig config, int latent, int steps, int warmup, boolean firstStage) {
		Inference.prepareThread();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = LatentDiffusion.fresh(config, manager)) {
			int channels = config.diffusion.channels;
			NDArray x = manager.randomNormal(new Shape(1, channels, latent, latent));
			NDArray t = manager.create(new long[] {500});
			Conditioning c = dummyConditioning(config, manager, latent);
			for (int i = 0; i < warmup; i++) time(manager, () -> model.applyModel(x, t, c));
			List<Double> stepMillis = new ArrayList<>();
			for (int i = 0; i < steps; i++) stepMillis.add(time(manager, () -> model.applyModel(x, t, c)));
			double enc = Double.NaN;
			double dec = Double.NaN;
			if (firstStage) {
				int f = model.firstStage().downsamplingFactor();
				NDArray image = manager.randomUniform(-1f, 1f, new Shape(1, 3, (long) latent * f, (long) latent * f));
				enc = time(manager, () -> model.firstStage().encode(image));
				NDArray z = manager.randomNormal(new Shape(1, model.firstStage().latentChannels(), latent, latent));
				dec = time(manager, () -> model.decodeFirstStage(z, true));
			}
			return new Result(model.parameterCount(), stepMillis, enc, dec, peakRssKiB());
		}
	}

	/** Conditioning of the right shapes for the architecture (values are irrelevant to the timing). */
	private static Conditioning dummyConditioning(LdmConfig config, NDManager m, int latent) {
		String key = config.diffusion.conditioningKey;
		if (key == null) return Conditioning.none();
		List<NDArray> concat = new ArrayList<>();
		List<NDArray> cross = new ArrayList<>();
		int extra = config.unet.inChannels - config.diffusion.channels;
		if (extra > 0) concat.add(m.randomNormal(new Shape(1, extra, latent, latent)));
		if (config.unet.contextDim != null) cross.add(m.randomNormal(new Shape(1, 1, config.unet.contextDim)));
		if ("adm".equals(key)) cross.add(m.create(new long[] {0}));
		return new Conditioning(concat, cross);
	}

	private static double time(NDManager m, Supplier<NDArray> work) {
		long t0 = System.nanoTime();
		// toFloatArray-free sync: reading one element forces the computation to finish
		Scoped.keep(m, () -> work.get().get(0).toType(DataType.FLOAT32, false)).close();
		return (System.nanoTime() - t0) / 1e6;
	}

	/** VmHWM of this process (Linux), or -1 where unknown. */
	static long peakRssKiB() {
		return status("VmHWM:");
	}

	/** VmRSS of this process (Linux), or -1 where unknown. */
	static long rssKiB() {
		return status("VmRSS:");
	}

	private static long status(String key) {
		try {
			for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
				if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
			}
		} catch (IOException | NumberFormatException e) {
			return -1;
		}
		return -1;
	}

	private static double loadAverage() {
		return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
	}
}
