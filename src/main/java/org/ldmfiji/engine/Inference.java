package org.ldmfiji.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

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
		NativeAllocator.tune(); // once per process, before libtorch's first large allocations
		Engine.getEngine("PyTorch"); // loads libtorch if this is the first use
		JniUtils.setGradMode(false);
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
		Engine.getEngine("PyTorch");
		JniUtils.setSeed(seed);
	}
}
