package org.ldmfiji.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

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

	/** Seeds the global generator exactly as {@code torch.manual_seed(seed)} does. */
	public static void seed(long seed) {
		Engine.getEngine("PyTorch");
		JniUtils.setSeed(seed);
	}
}
