package org.ldmfiji.pipeline.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.Precision;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Loaded models, each loaded once per (config, weights, raw-weights choice, device, precision) and shared by every task that
 * asks for it: a batch or a stack loads its model once. Thread-safe: concurrent first requests for one model wait
 * for a single load, while different models load in parallel. The cache is the only owner of the models' native
 * memory (one sub-manager per model under its own base manager). Tasks hold a {@link ModelLease}; {@link #clear()}
 * frees every model nobody holds at once and each held one when its last lease is returned.
 */
public final class ModelCache implements AutoCloseable {

	private final NDManager memory = NDManager.newBaseManager(Device.cpu());
	private final Map<Key, Entry> entries = new HashMap<>();
	private int openLeases;
	private int loads;
	private boolean closed;

	/**
	 * A lease on the model, loading it into this cache first if nobody has. Close the lease when done.
	 *
	 * @throws IllegalArgumentException if a file is missing or the weights do not match the card
	 */
	public ModelLease acquire(ModelFolder model, boolean rawWeights, Device device) throws IOException {
		return acquire(model, rawWeights, device, model.card().precision);
	}

	/** As {@link #acquire(ModelFolder, boolean, Device)}, computing in {@code precision} (fp32 where bf16 is unsupported). */
	public ModelLease acquire(ModelFolder model, boolean rawWeights, Device device, Precision precision) throws IOException {
		Inference.prepareThread();
		Entry entry = lease(new Key(model, rawWeights, device, precision));
		try {
			LoadedModel loaded = entry.loadOnce(model);
			return new ModelLease(loaded, () -> release(entry));
		} catch (IOException | RuntimeException | Error e) {
			forget(entry);
			release(entry);
			throw e;
		}
	}

	/** How many times a model was read from its files into this cache: once per model for as long as it stays cached. */
	public synchronized int loads() {
		return loads;
	}

	/** Models currently cached (loaded or loading). */
	public synchronized int size() {
		return entries.size();
	}

	/**
	 * Forgets every model: those without an open lease are closed now and their native memory freed; the others
	 * when their last lease is returned. The next request loads afresh.
	 */
	public synchronized void clear() {
		for (Entry e : new ArrayList<>(entries.values())) forget(e);
	}

	/** Clears the cache for good; models still leased are freed when returned. */
	@Override
	public synchronized void close() {
		if (closed) return;
		closed = true;
		clear();
		if (openLeases == 0) memory.close();
	}

	/** The base manager under which every model's memory lives (tests count its live arrays). */
	NDManager memory() {
		return memory;
	}

	private synchronized Entry lease(Key key) {
		if (closed) throw new IllegalStateException("the model cache was closed");
		Entry e = entries.computeIfAbsent(key, Entry::new);
		e.leases++;
		openLeases++;
		return e;
	}

	private synchronized void release(Entry e) {
		openLeases--;
		if (--e.leases == 0 && e.retired) e.free();
		if (closed && openLeases == 0) memory.close();
	}

	/** Takes the entry out of the cache; it is freed now if nobody holds it, else by its last {@link #release}. */
	private synchronized void forget(Entry e) {
		if (entries.get(e.key) == e) entries.remove(e.key);
		if (e.retired) return;
		e.retired = true;
		if (e.leases == 0) e.free();
	}

	/** One model in the cache. Counters are guarded by the cache's lock, loading by the entry's own. */
	private final class Entry {
		final Key key;
		int leases;
		boolean retired;
		private NDManager modelMemory;
		private LoadedModel loaded;

		Entry(Key key) {
			this.key = key;
		}

		synchronized LoadedModel loadOnce(ModelFolder model) throws IOException {
			if (loaded != null) return loaded;
			NDManager m = memory.newSubManager(key.device);
			try {
				loaded = ModelLoader.load(model, key.rawWeights, m, key.precision);
			} catch (IOException | RuntimeException | Error e) {
				m.close();
				throw e;
			}
			modelMemory = m;
			synchronized (ModelCache.this) {
				loads++;
			}
			return loaded;
		}

		synchronized void free() {
			if (loaded != null) loaded.model().close();
			if (modelMemory != null) modelMemory.close();
			loaded = null;
			modelMemory = null;
		}
	}

	/** What makes two requests the same model. */
	private static final class Key {
		final Path config;
		final Path weights;
		final boolean rawWeights;
		final Device device;
		final Precision precision;

		Key(ModelFolder model, boolean rawWeights, Device device, Precision precision) {
			this.config = model.config();
			this.weights = model.weights();
			this.rawWeights = rawWeights;
			this.device = device;
			this.precision = precision;
		}

		@Override
		public boolean equals(Object o) {
			if (!(o instanceof Key)) return false;
			Key k = (Key) o;
			return config.equals(k.config) && weights.equals(k.weights) && rawWeights == k.rawWeights && device.equals(k.device)
				&& precision == k.precision;
		}

		@Override
		public int hashCode() {
			return Objects.hash(config, weights, rawWeights, device, precision);
		}
	}
}
