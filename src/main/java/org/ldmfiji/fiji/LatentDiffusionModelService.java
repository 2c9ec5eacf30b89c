package org.ldmfiji.fiji;

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
 * the lease when they finish.
 */
@Plugin(type = Service.class)
public final class LatentDiffusionModelService extends AbstractService implements SciJavaService {

	private ModelRegistry registry;
	private ModelCache cache;

	@Override
	public void initialize() {
		registry = ModelRegistry.standard();
		cache = new ModelCache();
	}

	/**
	 * The model named (by name or path; blank: the task's default) on the device given as auto, cpu, gpu0, ...
	 *
	 * @throws IllegalArgumentException if the model is unknown, cannot do the task, or its files are missing or damaged
	 */
	public ModelLease acquire(String nameOrPath, Task task, String device, boolean rawWeights) throws IOException {
		ModelFolder model = registry.resolve(nameOrPath, task);
		return cache.acquire(model, rawWeights, DeviceChoice.resolve(device).device()); // a fallback to the CPU is logged there
	}

	/** Every model found, with its card (for List Models). */
	public List<ModelListing> list() throws IOException {
		return registry.list();
	}

	public ModelRegistry registry() {
		return registry;
	}

	/** Frees every cached model (those in use once their task returns them). */
	public void clear() {
		cache.clear();
	}

	/** Models currently held in memory. */
	public int cachedModels() {
		return cache.size();
	}

	@Override
	public void dispose() {
		cache.close();
	}
}
