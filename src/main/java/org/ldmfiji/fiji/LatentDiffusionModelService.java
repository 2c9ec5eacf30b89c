package org.ldmfiji.fiji;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.model.DeviceChoice;
import org.ldmfiji.pipeline.model.ModelCache;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLease;
import org.ldmfiji.pipeline.model.ModelListing;
import org.ldmfiji.pipeline.model.ModelRegistry;
import org.scijava.plugin.Plugin;
import org.scijava.service.AbstractService;
import org.scijava.service.SciJavaService;
import org.scijava.service.Service;

import java.io.IOException;
import java.util.List;

/**
 * The models of one SciJava context: found through a {@link ModelRegistry}, loaded once into a {@link ModelCache}
 * and freed when the cache is cleared or the context disposed. Commands ask it for a {@link ModelLease} and close
 * the lease when they finish, and run their own arrays in a {@linkplain #newTaskMemory task scope} it hands out.
 *
 * <p>Nothing native is touched before the first command needs it: Fiji creates every service when it starts, and
 * starting must neither load libtorch nor fail where it cannot be loaded.
 */
@Plugin(type = Service.class)
public final class LatentDiffusionModelService extends AbstractService implements SciJavaService {

	private ModelRegistry registry;
	private ModelCache cache;
	private NDManager tasks;
	private boolean disposed;

	@Override
	public void initialize() {
		registry = ModelRegistry.standard();
	}

	/**
	 * The model named (by name or path; blank: the task's default) on the device given as auto, cpu, gpu0, ...
	 *
	 * @throws IllegalArgumentException if the model is unknown, cannot do the task, or its files are missing or damaged
	 */
	public ModelLease acquire(String nameOrPath, Task task, String device, boolean rawWeights) throws IOException {
		return acquire(resolve(nameOrPath, task, task.id()), DeviceChoice.resolve(device).device(), rawWeights); // a fallback to the CPU is logged there
	}

	/**
	 * The model's files, found and checked but not loaded: the one named (by name or path), or when {@code nameOrPath}
	 * is blank the default for {@code defaultUse} (a task id, or {@link org.ldmfiji.pipeline.model.ModelCard#LABEL_SYNTHESIS}).
	 *
	 * @throws IllegalArgumentException if the model is unknown or cannot do {@code task}
	 */
	public ModelFolder resolve(String nameOrPath, Task task, String defaultUse) throws IOException {
		if (nameOrPath == null || nameOrPath.isBlank()) return registry.defaultFor(defaultUse);
		return registry.resolve(nameOrPath, task);
	}

	/** A lease on {@code model} loaded on {@code device}, from the cache if it holds it already. */
	public ModelLease acquire(ModelFolder model, Device device, boolean rawWeights) throws IOException {
		return cache().acquire(model, rawWeights, device);
	}

	/** As {@link #acquire(ModelFolder, Device, boolean)}, computing in {@code precision} (fp32 where bf16 is unsupported). */
	public ModelLease acquire(ModelFolder model, Device device, boolean rawWeights, Precision precision) throws IOException {
		return cache().acquire(model, rawWeights, device, precision);
	}

	/**
	 * A native-memory scope for one task's arrays on {@code device}. Close it when the task ends, however it ends;
	 * {@link #liveTaskArrays()} then no longer counts them.
	 */
	public NDManager newTaskMemory(Device device) {
		synchronized (this) {
			checkOpen();
			if (tasks == null) tasks = NDManager.newBaseManager(Device.cpu());
			return tasks.newSubManager(device);
		}
	}

	/** The arrays alive in task scopes not yet closed: 0 whenever no task runs, also after a cancel or a failure. */
	public synchronized int liveTaskArrays() {
		return tasks == null ? 0 : tasks.getManagedArrays().size();
	}

	/** Every model found, with its card (for List Models). */
	public List<ModelListing> list() throws IOException {
		return registry.list();
	}

	public ModelRegistry registry() {
		return registry;
	}

	/** Frees every cached model (those in use once their task returns them). */
	public synchronized void clear() {
		if (cache != null) cache.clear();
	}

	/** Models currently held in memory. */
	public synchronized int cachedModels() {
		return cache == null ? 0 : cache.size();
	}

	/** How many times a model was read from its files in this context (cleared models that are asked for again count again). */
	public synchronized int modelLoads() {
		return cache == null ? 0 : cache.loads();
	}

	@Override
	public synchronized void dispose() {
		disposed = true;
		if (cache != null) cache.close();
		if (tasks != null) tasks.close();
	}

	private synchronized ModelCache cache() {
		checkOpen();
		if (cache == null) cache = new ModelCache();
		return cache;
	}

	private void checkOpen() {
		if (disposed) throw new IllegalStateException("the latent diffusion model service was disposed with its context");
	}
}
