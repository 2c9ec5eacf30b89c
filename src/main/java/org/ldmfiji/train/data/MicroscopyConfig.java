package org.ldmfiji.train.data;

import java.util.Locale;

/**
 * What {@link SyntheticMicroscopy} draws: object sizes, density and shapes, brightness, background, blur and noise.
 * Immutable; {@link #training()} is what the shipped models learn from, {@link #heldOut()} a clearly different
 * population (other sizes, densities, shapes, blur and noise) for measuring whether they generalise.
 * Lengths are in pixels, intensities in [0, 1].
 */
public final class MicroscopyConfig {

	/** Nucleus radius (the mean of its two semi-axes) is drawn uniformly from this range. */
	public final double nucleusRadiusMin, nucleusRadiusMax;
	/** Minor/major axis ratio of a nucleus, drawn from [elongationMin, 1]. */
	public final double elongationMin;
	/** Amplitude of the random wobble of an outline (0 = perfect ellipses). */
	public final double irregularity;
	/** Nuclei per 10,000 pixels (a 100 × 100 area). */
	public final double density;
	/** Probability that an object is placed touching (or overlapping) one already placed. */
	public final double clustering;
	/** Fraction of nuclei with a visible cell body around them, and the cell's radius over its nucleus's. */
	public final double cellFraction, cellScaleMin, cellScaleMax;
	/** Peak brightness of a nucleus, drawn uniformly; a cell body's brightness is a fraction of its nucleus's. */
	public final double nucleusBrightnessMin, nucleusBrightnessMax, cytoplasmRatioMin, cytoplasmRatioMax;
	/** Strength of the chromatin/cytoplasm texture (relative modulation of an object's brightness). */
	public final double texture;
	/** Background level, and how much the illumination varies across the field (relative). */
	public final double background, unevenness;
	/** The point-spread function's σ. */
	public final double blurSigma;
	/** The camera noise. */
	public final PoissonGaussianNoise noise;

	private MicroscopyConfig(Builder b) {
		this.nucleusRadiusMin = b.nucleusRadiusMin;
		this.nucleusRadiusMax = b.nucleusRadiusMax;
		this.elongationMin = b.elongationMin;
		this.irregularity = b.irregularity;
		this.density = b.density;
		this.clustering = b.clustering;
		this.cellFraction = b.cellFraction;
		this.cellScaleMin = b.cellScaleMin;
		this.cellScaleMax = b.cellScaleMax;
		this.nucleusBrightnessMin = b.nucleusBrightnessMin;
		this.nucleusBrightnessMax = b.nucleusBrightnessMax;
		this.cytoplasmRatioMin = b.cytoplasmRatioMin;
		this.cytoplasmRatioMax = b.cytoplasmRatioMax;
		this.texture = b.texture;
		this.background = b.background;
		this.unevenness = b.unevenness;
		this.blurSigma = b.blurSigma;
		this.noise = b.noise;
	}

	/**
	 * The training population: medium nuclei, moderately crowded, most with a dim cell body, moderate noise. Nuclei are
	 * clearly brighter than cell bodies, so that Otsu's threshold finds the labelled nuclei in the real images (IoU about
	 * 0.8), which the label-map model's bar presumes.
	 */
	public static MicroscopyConfig training() {
		return new Builder().build();
	}

	/**
	 * A held-out population no shipped model sees in training: larger and more elongated, rarer nuclei, fewer cell
	 * bodies, stronger blur and about four times fewer photons.
	 */
	public static MicroscopyConfig heldOut() {
		return new Builder().nucleusRadius(11, 18).elongationMin(0.45).irregularity(0.14).density(1.1).clustering(0.5)
			.cells(0.3, 1.4, 1.9).nucleusBrightness(0.35, 0.9).texture(0.35).background(0.08, 0.45).blurSigma(2.2)
			.noise(new PoissonGaussianNoise(60, 0.02)).build();
	}

	/** A configuration by name: {@code training} or {@code held-out}. */
	public static MicroscopyConfig named(String name) {
		switch (name == null ? "" : name.trim().toLowerCase(Locale.ROOT)) {
			case "training":
				return training();
			case "held-out":
			case "heldout":
				return heldOut();
			default:
				throw new IllegalArgumentException("unknown generator configuration '" + name + "' (training, held-out)");
		}
	}

	public Builder toBuilder() {
		return new Builder().nucleusRadius(nucleusRadiusMin, nucleusRadiusMax).elongationMin(elongationMin)
			.irregularity(irregularity).density(density).clustering(clustering).cells(cellFraction, cellScaleMin, cellScaleMax)
			.nucleusBrightness(nucleusBrightnessMin, nucleusBrightnessMax).cytoplasmRatio(cytoplasmRatioMin, cytoplasmRatioMax)
			.texture(texture).background(background, unevenness).blurSigma(blurSigma).noise(noise);
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "nuclei r %.1f-%.1f px, %.2f per 100x100, clustering %.2f, cells %.0f%%, "
			+ "blur sigma %.1f px, %s", nucleusRadiusMin, nucleusRadiusMax, density, clustering, cellFraction * 100, blurSigma, noise);
	}

	/** Starts from the training configuration. */
	public static final class Builder {
		private double nucleusRadiusMin = 6, nucleusRadiusMax = 11, elongationMin = 0.65, irregularity = 0.08;
		private double density = 3.0, clustering = 0.3;
		private double cellFraction = 0.7, cellScaleMin = 1.6, cellScaleMax = 2.4;
		private double nucleusBrightnessMin = 0.45, nucleusBrightnessMax = 0.8, cytoplasmRatioMin = 0.1, cytoplasmRatioMax = 0.25;
		private double texture = 0.25, background = 0.05, unevenness = 0.3, blurSigma = 1.5;
		private PoissonGaussianNoise noise = new PoissonGaussianNoise(250, 0.01);

		public Builder nucleusRadius(double min, double max) {
			this.nucleusRadiusMin = min;
			this.nucleusRadiusMax = max;
			return this;
		}

		public Builder elongationMin(double v) {
			this.elongationMin = v;
			return this;
		}

		public Builder irregularity(double v) {
			this.irregularity = v;
			return this;
		}

		public Builder density(double v) {
			this.density = v;
			return this;
		}

		public Builder clustering(double v) {
			this.clustering = v;
			return this;
		}

		public Builder cells(double fraction, double scaleMin, double scaleMax) {
			this.cellFraction = fraction;
			this.cellScaleMin = scaleMin;
			this.cellScaleMax = scaleMax;
			return this;
		}

		public Builder nucleusBrightness(double min, double max) {
			this.nucleusBrightnessMin = min;
			this.nucleusBrightnessMax = max;
			return this;
		}

		public Builder cytoplasmRatio(double min, double max) {
			this.cytoplasmRatioMin = min;
			this.cytoplasmRatioMax = max;
			return this;
		}

		public Builder texture(double v) {
			this.texture = v;
			return this;
		}

		public Builder background(double level, double unevenness) {
			this.background = level;
			this.unevenness = unevenness;
			return this;
		}

		public Builder blurSigma(double v) {
			this.blurSigma = v;
			return this;
		}

		public Builder noise(PoissonGaussianNoise v) {
			this.noise = v;
			return this;
		}

		/** @throws IllegalArgumentException naming the first value out of range */
		public MicroscopyConfig build() {
			range("nucleus radius", nucleusRadiusMin, nucleusRadiusMax, 1, 200);
			range("elongation", elongationMin, 1, 0.1, 1);
			range("irregularity", irregularity, irregularity, 0, 0.3);
			range("density", density, density, 0, 50);
			range("clustering", clustering, clustering, 0, 1);
			range("cell fraction", cellFraction, cellFraction, 0, 1);
			range("cell scale", cellScaleMin, cellScaleMax, 1, 5);
			range("nucleus brightness", nucleusBrightnessMin, nucleusBrightnessMax, 0, 1);
			range("cytoplasm ratio", cytoplasmRatioMin, cytoplasmRatioMax, 0, 1);
			range("texture", texture, texture, 0, 1);
			range("background", background, background, 0, 1);
			range("unevenness", unevenness, unevenness, 0, 1);
			range("blur sigma", blurSigma, blurSigma, 0, 20);
			if (noise == null) throw new IllegalArgumentException("noise must be given (PoissonGaussianNoise.none() for none)");
			return new MicroscopyConfig(this);
		}

		private static void range(String what, double min, double max, double lo, double hi) {
			if (!(min >= lo && max <= hi && min <= max)) {
				throw new IllegalArgumentException(String.format(Locale.ROOT, "%s must lie in [%s, %s] with min <= max, got %s..%s",
					what, lo, hi, min, max));
			}
		}
	}
}
