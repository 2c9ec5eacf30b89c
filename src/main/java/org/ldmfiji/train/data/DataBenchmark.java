package org.ldmfiji.train.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;

/**
 * How fast the training data are made: synthetic images per second, and the same with the 4× SR degradation applied
 * (a measurement, not a test).
 */
public final class DataBenchmark {

	/** Images per second of each stage, after {@code warmup} untimed images. */
	public static final class Result {
		public final double imagesPerSecond, degradedPerSecond;
		/**
		 * CPU time of the calling thread per synthetic image, in ms: with one intra-op thread all of libtorch's work runs
		 * there, so this figure does not depend on what else the machine is doing.
		 */
		public final double cpuMillisPerImage;

		Result(double imagesPerSecond, double degradedPerSecond, double cpuMillisPerImage) {
			this.imagesPerSecond = imagesPerSecond;
			this.degradedPerSecond = degradedPerSecond;
			this.cpuMillisPerImage = cpuMillisPerImage;
		}
	}

	private DataBenchmark() {}

	public static Result run(MicroscopyConfig config, int size, int count, int warmup) {
		SyntheticMicroscopy source = new SyntheticMicroscopy(config, size, size);
		SplittableRandom random = new SplittableRandom(1);
		for (int i = 0; i < warmup; i++) source.render(random);
		ThreadMXBean threads = ManagementFactory.getThreadMXBean();
		long cpu0 = threads.getCurrentThreadCpuTime();
		long t0 = System.nanoTime();
		LabelledImage last = null;
		for (int i = 0; i < count; i++) last = source.render(random).clean;
		double images = count / ((System.nanoTime() - t0) / 1e9);
		double cpuMillis = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6 / count;
		SrDegradation degradation = SrDegradation.standard();
		long t1;
		Shape shape = new Shape(1, 1, size, size);
		try (NDManager m = NDManager.newBaseManager()) {
			t1 = System.nanoTime();
			for (int i = 0; i < count + warmup; i++) {
				if (i == warmup) t1 = System.nanoTime();
				try (NDManager step = m.newSubManager()) {
					degradation.degrade(step.create(last.pixels, shape), random);
				}
			}
		}
		double degraded = count / ((System.nanoTime() - t1) / 1e9);
		return new Result(images, degraded, cpuMillis);
	}
}
