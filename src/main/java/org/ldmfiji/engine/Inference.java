package org.ldmfiji.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.function.Supplier;

/** Per-thread set-up for running models without autograd. */
public final class Inference {

	private Inference() {}

	/**
	 * Switches gradient recording off for the calling thread. libtorch's grad mode is thread-local and
	 * DJL switches it off only on the thread that loaded the engine; every other thread would record an
	 * autograd graph (and keep every activation alive) for each op.
	 */
	public static void prepareThread() {
		engine();
		JniUtils.setGradMode(false);
	}

	/**
	 * The PyTorch engine, loaded on first use after the process-wide native set-up that must come before it (malloc
	 * tuning, OpenMP's wait policy). Every path into libtorch goes through here first.
	 */
	public static Engine engine() {
		NativeAllocator.tune(); // once per process, before libtorch's first large allocations
		OpenMpWaiting.configure(); // before libtorch (and its OpenMP runtime) loads
		return startEngine();
	}

	private static final Logger LOG = LoggerFactory.getLogger(Inference.class);

	private static double engineStartSeconds = Double.NaN;

	/** Loads libtorch on first use, timed and logged once per process. */
	private static synchronized Engine startEngine() {
		if (!Double.isNaN(engineStartSeconds)) return Engine.getEngine("PyTorch");
		long t0 = System.nanoTime();
		Engine engine = Engine.getEngine("PyTorch");
		engineStartSeconds = (System.nanoTime() - t0) / 1e9;
		LOG.info(String.format(Locale.ROOT, "PyTorch engine started in %.2f s", engineStartSeconds));
		return engine;
	}

	/** How long loading libtorch took in this process (NaN before the first {@link #prepareThread}). */
	public static synchronized double engineStartSeconds() {
		return engineStartSeconds;
	}

	/** libtorch's generator is one per process; whoever holds this lock owns its stream. */
	private static final Object RANDOM_STREAM = new Object();

	/**
	 * Runs {@code work} on the global generator seeded with {@code seed}, holding it until {@code work} returns.
	 * Two seeded runs on different threads would otherwise interleave their draws, and each would get noise that
	 * depends on the other's timing: the same seed would no longer give the same image. A second run waits for the
	 * first (libtorch spreads each op over every core already, so little parallelism is lost).
	 */
	public static <T> T seeded(long seed, Supplier<T> work) {
		synchronized (RANDOM_STREAM) {
			seed(seed);
			return work.get();
		}
	}

	/** Seeds the global generator exactly as {@code torch.manual_seed(seed)} does. */
	public static void seed(long seed) {
		engine();
		JniUtils.setSeed(seed);
	}
}
