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
		/** Making the model with random weights. */
		public final double modelSeconds;

		Result(long parameters, double modelSeconds, List<Double> stepMillis, double encodeMillis, double decodeMillis, long peakRssKiB) {
			this.parameters = parameters;
			this.modelSeconds = modelSeconds;
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

		TaskResult(long parameters, long outputSide, String plan, Part load, List<Part> stages, List<Part> steps, Part total) {
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

	/** Makes the benchmarked model in a manager: random weights for an architecture, or a model folder loaded. */
	public interface ModelSource {
		LatentDiffusion make(NDManager manager) throws IOException;
	}

	private Benchmark() {}

	/**
	 * Super-resolution of a random n×n image (seeded) through the whole pipeline, tiled as the settings and the memory
	 * budget say: what the model's making, the conditioning (encode), each sampling step and the decoding cost.
	 */
	public static TaskResult superResolution(ModelSource source, int n, SamplingSettings s, TaskMonitor monitor) throws IOException {
		Inference.prepareThread();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
			ProcessSample begin = ProcessSample.now();
			try (LatentDiffusion model = source.make(manager)) {
				ProcessSample made = ProcessSample.now();
				LdmConfig config = model.config();
				Task.SR.requireSupportedBy(config, "the benchmarked model");
				int multiple = LatentSequence.sideMultiple(config);
				if (n % multiple != 0) throw new IllegalArgumentException("--image must be a multiple of " + multiple + " for this model, not " + n);
				Inference.seed(1);
				NDArray input = manager.randomUniform(0f, 1f, new Shape(1, 3, n, n));
				String plan = LatentSequence.plan(config, new Shape(1, config.diffusion.channels, n, n), false, s).describe();
				StageClock clock = new StageClock(monitor);
				NDArray out = SuperResolution.run(model, input, s.toBuilder().monitor(clock).callback(clock.steps()).build(), manager);
				out.get(0).toType(DataType.FLOAT32, false).close(); // the result is computed
				ProcessSample end = ProcessSample.now();
				long side = out.getShape().get(2);
				out.close();
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
				return new TaskResult(model.parameterCount(), side, plan, new Part("load", begin, made), stages, steps,
					new Part("encode to decoded", encode, end));
			}
		}
	}

	/**
	 * @param latent  latent height and width
	 * @param steps   timed denoiser evaluations (after {@code warmup} untimed ones)
	 * @param firstStage whether to time the first stage's encode and decode too
	 */
	public static Result run(LdmConfig config, int latent, int steps, int warmup, boolean firstStage) {
		Inference.prepareThread();
		long made0 = System.nanoTime();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = LatentDiffusion.fresh(config, manager)) {
			double modelSeconds = (System.nanoTime() - made0) / 1e9;
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
			return new Result(model.parameterCount(), modelSeconds, stepMillis, enc, dec, ProcessSample.now().peakKiB);
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

}
