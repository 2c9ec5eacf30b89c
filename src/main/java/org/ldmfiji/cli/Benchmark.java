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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

/**
 * Times an architecture with random weights: the denoiser per step at a given latent size, and the first
 * stage's encode and decode, after warm-up, in one or more precisions (the same random weights in each, the steps
 * of the precisions alternating so that a change in the machine's load touches them alike); or a whole task, stage
 * by stage. A measurement, not a test.
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

		/** Making the model with random weights. */
		public final double modelSeconds;

		Result(Precision requested, Precision precision, long parameters, double modelSeconds, List<Double> stepMillis,
			double encodeMillis, double decodeMillis, long peakRssKiB)
		{
			this.requested = requested;
			this.precision = precision;
			this.parameters = parameters;
			this.modelSeconds = modelSeconds;
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

	/** One part of a whole task's run: what it cost the process. */
	public static final class Part {
		public final String name;
		public final double seconds;
		public final double cpuSeconds;
		public final long minorFaults;
		/** Resident memory at the part's end, and its high-water mark so far. */
		public final long rssKiB;
		public final long peakKiB;

		Part(String name, ProcessSample from, ProcessSample to) {
			this.name = name;
			this.seconds = to.secondsSince(from);
			this.cpuSeconds = to.cpuSecondsSince(from);
			this.minorFaults = to.faultsSince(from);
			this.rssKiB = to.rssKiB;
			this.peakKiB = to.peakKiB;
		}
	}

	/** A whole task's run, part by part: the model's making or loading, then each stage and each sampling step. */
	public static final class TaskResult {
		public final long parameters;
		public final long outputSide;
		public final String plan;
		public final Part load;
		public final List<Part> stages;
		public final List<Part> steps;
		public final Part total;
		public final double loadAverage;
		public final Precision precision;
		/** The super-resolved image, in [0, 1]. */
		final NDArray output;

		TaskResult(Precision precision, NDArray output, long parameters, long outputSide, String plan, Part load, List<Part> stages,
			List<Part> steps, Part total)
		{
			this.precision = precision;
			this.output = output;
			this.parameters = parameters;
			this.outputSide = outputSide;
			this.plan = plan;
			this.load = load;
			this.stages = stages;
			this.steps = steps;
			this.total = total;
			this.loadAverage = ProcessSample.loadAverage();
		}
	}

	/**
	 * Makes the benchmarked model in a manager and a precision: random weights for an architecture (the same in every
	 * precision), or a model folder loaded.
	 */
	public interface ModelSource {
		LatentDiffusion make(NDManager manager, Precision precision) throws IOException;
	}

	private Benchmark() {}

	/**
	 * Super-resolution of a random n×n image (seeded) through the whole pipeline, tiled as the settings and the memory
	 * budget say: what the model's making, the conditioning (encode), each sampling step and the decoding cost.
	 * The output is attached to {@code results}, to compare precisions.
	 */
	public static TaskResult superResolution(ModelSource source, Precision precision, int n, SamplingSettings s, TaskMonitor monitor,
		NDManager results) throws IOException
	{
		Inference.prepareThread();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
			ProcessSample begin = ProcessSample.now();
			try (LatentDiffusion model = source.make(manager, precision)) {
				ProcessSample made = ProcessSample.now();
				LdmConfig config = model.config();
				Task.SR.requireSupportedBy(config, "the benchmarked model");
				int multiple = LatentSequence.sideMultiple(config);
				if (n % multiple != 0) throw new IllegalArgumentException("--image must be a multiple of " + multiple + " for this model, not " + n);
				Inference.seed(1);
				NDArray input = manager.randomUniform(0f, 1f, new Shape(1, config.firstStage.ddconfig.inChannels, n, n));
				String plan = LatentSequence.plan(config, new Shape(1, config.diffusion.channels, n, n), false, s).describe();
				StageClock clock = new StageClock(monitor);
				NDArray out = SuperResolution.run(model, input, s.toBuilder().monitor(clock).callback(clock.steps()).build(), manager);
				out.get(0).toType(DataType.FLOAT32, false).close(); // the result is computed
				ProcessSample end = ProcessSample.now();
				long side = out.getShape().get(2);
				out.attach(results);
				ProcessSample encode = clock.start(TaskMonitor.Stage.ENCODE);
				ProcessSample sample = clock.start(TaskMonitor.Stage.SAMPLE);
				ProcessSample decode = clock.start(TaskMonitor.Stage.DECODE);
				List<Part> steps = new ArrayList<>();
				ProcessSample previous = sample;
				for (ProcessSample stepEnd : clock.stepEnds()) {
					steps.add(new Part("step " + (steps.size() + 1), previous, stepEnd));
					previous = stepEnd;
				}
				List<Part> stages = List.of(new Part("encode", encode, sample), new Part("sample", sample, decode), new Part("decode", decode, end));
				return new TaskResult(model.precision(), out, model.parameterCount(), side, plan, new Part("load", begin, made), stages, steps,
					new Part("encode to decoded", encode, end));
			}
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
			List<Double> modelSeconds = new ArrayList<>();
			for (Precision p : precisions) {
				Precision supported = p.supported();
				long made0 = System.nanoTime();
				Inference.seed(0); // the same random weights in every precision
				models.add(LatentDiffusion.random(config, manager, supported));
				modelSeconds.add((System.nanoTime() - made0) / 1e9);
			}
			int channels = config.diffusion.channels;
			NDArray x = manager.randomNormal(new Shape(1, channels, latent, latent));
			NDArray t = manager.create(new long[] {500});
			Conditioning c = dummyConditioning(config, manager, latent);
			List<NDArray> outputs = new ArrayList<>();
			for (LatentDiffusion model : models) {
				outputs.add(Scoped.keep(manager, () -> model.applyModel(x, t, c)));
				for (int i = 1; i < warmup; i++) {
					SignalStop.check();
					time(manager, () -> model.applyModel(x, t, c));
				}
			}
			List<List<Double>> stepMillis = new ArrayList<>();
			List<List<Double>> stepCpuMillis = new ArrayList<>();
			for (int k = 0; k < models.size(); k++) {
				stepMillis.add(new ArrayList<>());
				stepCpuMillis.add(new ArrayList<>());
			}
			for (int i = 0; i < steps; i++) {
				for (int k = 0; k < models.size(); k++) {
					SignalStop.check();
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
				Result r = new Result(precisions.get(k), model.precision(), model.parameterCount(), modelSeconds.get(k),
					stepMillis.get(k), enc,
					dec, ProcessSample.now().peakKiB);
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

	/** CPU time of this process, all threads, in milliseconds, or NaN where unknown. */
	static double cpuMillis() {
		ProcessSample now = ProcessSample.now();
		return now.cpuNanos < 0 ? Double.NaN : now.cpuNanos / 1e6;
	}
}
