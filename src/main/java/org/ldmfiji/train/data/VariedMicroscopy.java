package org.ldmfiji.train.data;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The generator with its configuration drawn anew for every image, from wide ranges around {@link
 * MicroscopyConfig#training()}: object sizes, density, crowding, shapes, brightness, background, blur and noise all
 * vary. A model trained on one configuration learns its statistics too: an autoencoder trained on the training
 * configuration alone reconstructed it at 44 dB but {@link MicroscopyConfig#heldOut()} at 32 dB, darker than it is,
 * because its GroupNorm layers take image-wide statistics. Real images differ from each other at least as much.
 */
public final class VariedMicroscopy implements ImageSource {

	private final int width, height;

	public VariedMicroscopy(int width, int height) {
		SyntheticMicroscopy.requireSize(width, height);
		this.width = width;
		this.height = height;
	}

	/** One configuration from the ranges. */
	public static MicroscopyConfig draw(SplittableRandom random) {
		double radius = random.nextDouble(3, 10);
		double cellScale = random.nextDouble(1.3, 1.8);
		double brightness = random.nextDouble(0.15, 0.6);
		double cytoplasm = random.nextDouble(0.05, 0.3);
		return new MicroscopyConfig.Builder()
			.nucleusRadius(radius, radius * random.nextDouble(1.2, 1.8))
			.elongationMin(random.nextDouble(0.5, 0.9))
			.irregularity(random.nextDouble(0.02, 0.15))
			.density(logUniform(random, 0.5, 6))
			.clustering(random.nextDouble(0, 0.6))
			.cells(random.nextDouble(0, 1), cellScale, cellScale + random.nextDouble(0.3, 0.8))
			.nucleusBrightness(brightness, Math.min(0.95, brightness + random.nextDouble(0.1, 0.4)))
			.cytoplasmRatio(cytoplasm, cytoplasm + random.nextDouble(0.05, 0.2))
			.texture(random.nextDouble(0.05, 0.4))
			.background(logUniform(random, 0.005, 0.25), random.nextDouble(0, 0.5))
			.blurSigma(random.nextDouble(0.6, 2.6))
			.noise(new PoissonGaussianNoise(logUniform(random, 30, 1000), random.nextDouble(0.003, 0.03)))
			.build();
	}

	private static double logUniform(SplittableRandom random, double min, double max) {
		return Math.exp(random.nextDouble(Math.log(min), Math.log(max)));
	}

	/** The image with and without the camera's noise, of a configuration of its own. */
	public SyntheticMicroscopy.Sample render(SplittableRandom random) {
		MicroscopyConfig config = draw(random);
		return new SyntheticMicroscopy(config, width, height).render(random);
	}

	/** The noisy image, as a microscope records it. */
	@Override
	public LabelledImage next(SplittableRandom random) {
		return render(random).noisy;
	}

	/** The same images without the camera's noise. */
	public ImageSource clean() {
		return random -> render(random).clean;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "synthetic %dx%d images, each with its own generator configuration", width, height);
	}
}
