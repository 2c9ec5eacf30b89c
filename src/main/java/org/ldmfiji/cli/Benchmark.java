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
import org.ldmfiji.nn.Precision;
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
 * stage's encode and decode, after warm-up, in one or more precisions (the same random weights in each, the steps
 * of the precisions alternating so that a change in the machine's load touches them alike). A measurement, not a test.
 */
final class Benchmark {

	/** Timings in milliseconds. */
	public static final class Result {
		/** The precision asked for and the one the model ran in (fp32 where bf16 is unsupported). */
		public final Precision requested, precision;
		public final long parameters;
		public final List<Double> stepMillis;
		/**
		 * CPU time of the whole process (every thread) per step: on a machine shared with other work it shows what a step
		 * costs better than the wall-clock time, if the intra-op threads do not spin (one thread, or OMP_WAIT_POLICY=PASSIVE).
		 */
		public final List<Double> stepCpuMillis = new ArrayList<>();
		public final double encodeMillis;
		public final double decodeMillis;
		public final long peakRssKiB;
		/** max |Δ| / max |fp32| of one step's output against the fp32 model's; NaN without an fp32 run. */
		public double relativeErrorToFp32 = Double.NaN;

		Result(Precision requested, Precision precision, long parameters, List<Double> stepMillis, double encodeMillis,
			double decodeMillis, long peakRssKiB)
		{
			this.requested = requested;
			this.precision = precision;
			this.parameters = parameters;
			this.stepMillis = stepMillis;
			this.encodeMillis = encodeMillis;
			this.decodeMillis = decodeMillis;
			this.peakRssKiB = peakRssKiB;
		}

		public double median() {
			return median(stepMillis);
		}

		private static double median(List<Double> values) {
			List<Double> s = new ArrayList<>(values);
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

		public double medianCpu() {
			return median(stepCpuMillis);
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
		public final Precision precision;
		/** The super-resolved image, in [0, 1]. */
		final NDArray output;

		TaskResult(Precision precision, NDArray output, long parameters, long outputSide, String plan, double seconds,
			long modelRssKiB, long peakRssKiB, double loadAverage)
		{
			this.precision = precision;
			this.output = output;
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
	public static TaskResult superResolution(LdmConfig config, int n, SamplingSettings s, TaskMonitor monitor,
		Precision precision, NDManager results)
	{
		Inference.prepareThread();
		Precision supported = precision.supported();
		Inference.seed(0); // the same random weights in every precision
		try (NDManager manager = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = LatentDiffusion.random(config, manager, supported)) {
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
			out.attach(results);
			return new TaskResult(model.precision(), out, model.parameterCount(), side, plan, seconds, modelRss, peakRssKiB(),
				loadAverage());
		}
	}

	/**
	 * @param latent  latent height and width
	 * @param steps   timed denoiser evaluations per precision (after {@code warmup} untimed ones)
	 * @param firstStage whether to time the first stage's encode and decode too
	 * @param precisions the precisions to time, in this order at every step
	 */
	public static List<Result> run(LdmConfig config, int latent, int steps, int warmup, boolean firstStage,
		List<Precision> precisions)
	{
		Inference.prepareThread();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
			List<LatentDiffusion> models = new ArrayList<>();
			for (Precision p : precisions) {
				Precision supported = p.supported();
				Inference.seed(0); // the same random weights in every precision
				models.add(LatentDiffusion.random(config, manager, supported));
			}
			int channels = config.diffusion.channels;
			NDArray x = manager.randomNormal(new Shape(1, channels, latent, latent));
			NDArray t = manager.create(new long[] {500});
			Conditioning c = dummyConditioning(config, manager, latent);
			List<NDArray> outputs = new ArrayList<>();
			for (LatentDiffusion model : models) {
				outputs.add(Scoped.keep(manager, () -> model.applyModel(x, t, c)));
				for (int i = 1; i < warmup; i++) time(manager, () -> model.applyModel(x, t, c));
			}
			List<List<Double>> stepMillis = new ArrayList<>();
			List<List<Double>> stepCpuMillis = new ArrayList<>();
			for (int k = 0; k < models.size(); k++) {
				stepMillis.add(new ArrayList<>());
				stepCpuMillis.add(new ArrayList<>());
			}
			for (int i = 0; i < steps; i++) {
				for (int k = 0; k < models.size(); k++) {
					LatentDiffusion model = models.get(k);
					double cpu0 = cpuMillis();
					stepMillis.get(k).add(time(manager, () -> model.applyModel(x, t, c)));
					stepCpuMillis.get(k).add(cpuMillis() - cpu0);
				}
			}
			List<Result> results = new ArrayList<>();
			int fp32 = precisions.indexOf(Precision.FP32);
			for (int k = 0; k < models.size(); k++) {
				LatentDiffusion model = models.get(k);
				double enc = Double.NaN;
				double dec = Double.NaN;
				if (firstStage) {
					int f = model.firstStage().downsamplingFactor();
					NDArray image = manager.randomUniform(-1f, 1f, new Shape(1, 3, (long) latent * f, (long) latent * f));
					enc = time(manager, () -> model.firstStage().encode(image));
					NDArray z = manager.randomNormal(new Shape(1, model.firstStage().latentChannels(), latent, latent));
					dec = time(manager, () -> model.decodeFirstStage(z, true));
				}
				Result r = new Result(precisions.get(k), model.precision(), model.parameterCount(), stepMillis.get(k), enc,
					dec, peakRssKiB());
				r.stepCpuMillis.addAll(stepCpuMillis.get(k));
				if (fp32 >= 0) r.relativeErrorToFp32 = relativeMaxError(outputs.get(k), outputs.get(fp32));
				results.add(r);
			}
			return results;
		}
	}

	/** max |a − b| / max |b|. */
	static double relativeMaxError(NDArray a, NDArray b) {
		double err = a.sub(b).abs().max().toType(DataType.FLOAT64, false).getDouble();
		return err / b.abs().max().toType(DataType.FLOAT64, false).getDouble();
	}

	/** PSNR of two images in [0, 1]. */
	static double psnr(NDArray a, NDArray b) {
		double mse = a.sub(b).square().mean().toType(DataType.FLOAT64, false).getDouble();
		return 10 * Math.log10(1 / mse);
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

	/** User + system CPU time of this process, all threads (Linux: /proc/self/stat in clock ticks of 10 ms), or NaN. */
	static double cpuMillis() {
		try {
			String stat = Files.readString(Paths.get("/proc/self/stat"));
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // fields from the 3rd (state) on
			return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0; // utime, stime (fields 14, 15)
		} catch (IOException | RuntimeException e) {
			return Double.NaN;
		}
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

	static double loadAverage() {
		return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
	}
}
