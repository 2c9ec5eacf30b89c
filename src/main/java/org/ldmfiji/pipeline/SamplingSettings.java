package org.ldmfiji.pipeline;

import org.ldmfiji.diffusion.Samplers;
import org.ldmfiji.diffusion.StepCallback;

import java.util.Locale;

/**
 * How to sample, for every task: sampler, steps, eta, seed, guidance scale and the step callback. Immutable; the
 * builder owns the defaults and refuses values no sampler can use, before any work starts.
 */
public final class SamplingSettings {

	public final String sampler;
	public final int steps;
	public final double eta;
	public final long seed;
	public final double guidanceScale;
	public final StepCallback callback;
	/** Side of a square tile in pixels of the generated image; 0 = chosen from {@link #maxMemoryMiB}. */
	public final int tileSize;
	/** Memory budget for one tile's sampling and decoding, in MiB; 0 = chosen from the machine's memory. */
	public final long maxMemoryMiB;
	/** Told of the tile grid and of each tile, and asked between tiles whether to stop. */
	public final TaskMonitor monitor;
	/** Super-resolution: whether the result keeps the input's local mean intensity ({@link MeanPreservation}). */
	public final boolean preserveMean;
	/** Inpainting: how much of the kept pixels' camera noise the fill gets, 0..1 ({@link NoiseMatching}); 0 = none. */
	public final double matchNoise;

	private SamplingSettings(Builder b) {
		this.sampler = b.sampler;
		this.steps = b.steps;
		this.eta = b.eta;
		this.seed = b.seed;
		this.guidanceScale = b.guidanceScale;
		this.callback = b.callback;
		this.tileSize = b.tileSize;
		this.maxMemoryMiB = b.maxMemoryMiB;
		this.monitor = b.monitor;
		this.preserveMean = b.preserveMean;
		this.matchNoise = b.matchNoise;
	}

	public static Builder builder() {
		return new Builder();
	}

	/** A builder starting from these settings. */
	public Builder toBuilder() {
		return new Builder().sampler(sampler).steps(steps).eta(eta).seed(seed).guidanceScale(guidanceScale).callback(callback)
			.tileSize(tileSize).maxMemoryMiB(maxMemoryMiB).monitor(monitor).preserveMean(preserveMean)
			.matchNoise(matchNoise);
	}

	Samplers.Settings samplerSettings(double vPosterior) {
		return new Samplers.Settings(steps, eta, vPosterior);
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%s, %d steps, eta %s, seed %d, guidance %s%s%s", sampler, steps, eta, seed, guidanceScale,
			preserveMean ? ", local mean kept" : "", matchNoise > 0 ? ", noise matched " + matchNoise : "");
	}

	public static final class Builder {
		private String sampler = "ddim";
		private int steps = 50;
		private double eta = 0.0;
		private long seed = 0;
		private double guidanceScale = 1.0;
		private StepCallback callback = StepCallback.NONE;
		private int tileSize = 0;
		private long maxMemoryMiB = 0;
		private TaskMonitor monitor = TaskMonitor.NONE;
		private boolean preserveMean = false;
		private double matchNoise = 0;

		private Builder() {}

		/**
		 * The sampler. One that takes no eta (plms, dpmpp2m) sets eta to 0, the only value it accepts: an eta
		 * recommended with another sampler (a model card's DDIM eta 1) must not make it refuse. Set eta after this.
		 */
		public Builder sampler(String name) {
			this.sampler = name == null ? null : name.trim().toLowerCase(Locale.ROOT);
			if (!Samplers.takesEta(sampler)) this.eta = 0;
			return this;
		}

		public Builder steps(int steps) {
			this.steps = steps;
			return this;
		}

		public Builder eta(double eta) {
			this.eta = eta;
			return this;
		}

		public Builder seed(long seed) {
			this.seed = seed;
			return this;
		}

		public Builder guidanceScale(double scale) {
			this.guidanceScale = scale;
			return this;
		}

		public Builder callback(StepCallback callback) {
			this.callback = callback == null ? StepCallback.NONE : callback;
			return this;
		}

		/** Side of a square tile in pixels of the generated image; 0 (the default) = from the memory budget. */
		public Builder tileSize(int pixels) {
			this.tileSize = pixels;
			return this;
		}

		/** Memory budget for one tile, in MiB; 0 (the default) = from the machine's memory. */
		public Builder maxMemoryMiB(long mib) {
			this.maxMemoryMiB = mib;
			return this;
		}

		/** Told of the tile grid and each tile, asked between tiles whether to stop (steps go to the callback). */
		public Builder monitor(TaskMonitor monitor) {
			this.monitor = monitor == null ? TaskMonitor.NONE : monitor;
			return this;
		}

		/** Super-resolution: keep the input's local mean intensity (off by default, as the reference). */
		public Builder preserveMean(boolean keep) {
			this.preserveMean = keep;
			return this;
		}

		/** Inpainting: give the fill this share (0..1) of the kept pixels' camera noise; 0 (the default) = none, as the reference. */
		public Builder matchNoise(double strength) {
			this.matchNoise = strength;
			return this;
		}

		/** @throws IllegalArgumentException naming the first value that cannot be used */
		public SamplingSettings build() {
			if (!Samplers.names().contains(sampler)) {
				throw new IllegalArgumentException("unknown sampler '" + sampler + "' (one of " + String.join(", ", Samplers.names()) + ")");
			}
			if (steps < 1 || steps > 1000) throw new IllegalArgumentException("steps must lie in 1..1000, not " + steps);
			if (!(eta >= 0) || Double.isInfinite(eta)) throw new IllegalArgumentException("eta must be 0 or more, not " + eta);
			Samplers.validate(sampler, steps, eta);
			if (!(guidanceScale >= 0) || Double.isInfinite(guidanceScale)) {
				throw new IllegalArgumentException("guidance scale must be 0 or more, not " + guidanceScale);
			}
			if (tileSize < 0) throw new IllegalArgumentException("tile size must be 0 (automatic) or a positive number of pixels, not " + tileSize);
			if (maxMemoryMiB < 0) throw new IllegalArgumentException("max memory must be 0 (automatic) or a positive number of MiB, not " + maxMemoryMiB);
			NoiseMatching.requireStrength(matchNoise);
			return new SamplingSettings(this);
		}
	}
}
