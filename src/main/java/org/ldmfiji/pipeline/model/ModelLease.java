package org.ldmfiji.pipeline.model;

import org.ldmfiji.nn.LatentDiffusion;

/**
 * A task's hold on a cached model: while any lease on it is open, clearing the cache does not close the model
 * under the task; the model is closed when the last lease is returned. Close it when the task ends (try with
 * resources); closing twice is harmless.
 */
public final class ModelLease implements AutoCloseable {

	private final LoadedModel loaded;
	private final Runnable release;
	private boolean closed;

	ModelLease(LoadedModel loaded, Runnable release) {
		this.loaded = loaded;
		this.release = release;
	}

	public LatentDiffusion model() {
		check();
		return loaded.model();
	}

	/** The model with its card, device and checksum state. */
	public LoadedModel loaded() {
		check();
		return loaded;
	}

	private synchronized void check() {
		if (closed) throw new IllegalStateException("the lease on " + loaded.source().name() + " was returned");
	}

	@Override
	public void close() {
		synchronized (this) {
			if (closed) return;
			closed = true;
		}
		release.run();
	}
}
