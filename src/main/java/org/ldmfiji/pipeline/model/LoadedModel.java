package org.ldmfiji.pipeline.model;

import ai.djl.Device;
import org.ldmfiji.nn.LatentDiffusion;

/** A model in memory with what is known about how it was loaded (for {@code info} and logs). */
public final class LoadedModel {

	private final ModelFolder source;
	private final LatentDiffusion model;
	private final boolean checksumVerified;
	private final Device device;
	private final boolean rawWeights;
	private final double loadSeconds;

	LoadedModel(ModelFolder source, LatentDiffusion model, boolean checksumVerified, Device device, boolean rawWeights,
		double loadSeconds) {
		this.source = source;
		this.model = model;
		this.checksumVerified = checksumVerified;
		this.device = device;
		this.rawWeights = rawWeights;
		this.loadSeconds = loadSeconds;
	}

	public LatentDiffusion model() {
		return model;
	}

	/** The files and card it came from. */
	public ModelFolder source() {
		return source;
	}

	public ModelCard card() {
		return source.card();
	}

	/** True if the weights matched the card's SHA-256 before loading; false if there was no checksum to check. */
	public boolean checksumVerified() {
		return checksumVerified;
	}

	public Device device() {
		return device;
	}

	/** True if the EMA weights were refused on request. */
	public boolean rawWeights() {
		return rawWeights;
	}

	/** Wall-clock time of the load: checksum, config, reading and placing the weights. */
	public double loadSeconds() {
		return loadSeconds;
	}

	@Override
	public String toString() {
		return source.name() + " on " + device + " in " + model.precision() + (checksumVerified ? ", checksum verified" : ", no checksum")
			+ (model.usesEma() ? ", EMA weights" : ", raw weights");
	}
}
