package org.ldmfiji.train;

import org.ldmfiji.train.data.FolderImages;
import org.ldmfiji.train.data.ImageSource;
import org.ldmfiji.train.data.MicroscopyConfig;
import org.ldmfiji.train.data.MixedSource;
import org.ldmfiji.train.data.SyntheticMicroscopy;
import org.ldmfiji.train.data.VariedMicroscopy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Paths;

/**
 * The image sources a run can be given by name, as the {@code train} command and the Fiji command name them:
 * {@value #SYNTHETIC} (the built-in microscopy generator in its training configuration), {@value #SYNTHETIC_CLEAN} (the
 * same without camera noise), a folder of images, or several
 * of these joined by the path separator ({@code synthetic:DIR} on Linux and macOS, {@code synthetic;DIR} on Windows),
 * mixed in equal parts.
 *
 * <p>No pool of pre-rendered images ({@code ImagePool}) sits in front of the generator: its contents are not part of a
 * checkpoint, and a resumed run must draw exactly the crops the uninterrupted run would have drawn. Every crop is a
 * function of the step's seed alone.
 */
public final class TrainingData {

	public static final String SYNTHETIC = "synthetic";

	/**
	 * The generator without camera noise. Mixed with {@value #SYNTHETIC} ({@code synthetic:synthetic-clean}) it lets an
	 * autoencoder learn to reproduce the clean images super-resolution aims at while still encoding recorded ones.
	 */
	public static final String SYNTHETIC_CLEAN = "synthetic-clean";

	/**
	 * The generator with a configuration of its own for every image ({@link VariedMicroscopy}): what a model meant for
	 * images other than the generator's own should learn from. With the suffix {@value #CLEAN_SUFFIX}, without noise.
	 */
	public static final String SYNTHETIC_VARIED = "synthetic-varied";

	private static final String CLEAN_SUFFIX = "-clean";

	/** Opens a run's images once it is known what the model learns and at which crop size. */
	@FunctionalInterface
	public interface Opener {
		/**
		 * @param run   the run's settings: its crop size and the images it was started with
		 * @param clean whether the generator's images are wanted without camera noise: super-resolution's targets, whose
		 *              low-resolution input the degradation makes noisy (real images are what they are)
		 */
		ImageSource open(TrainingSettings run, boolean clean) throws IOException;
	}

	private TrainingData() {}

	/**
	 * An opener for {@code spec}, or with null for the images the run was started with (a resumed run may be given
	 * its folder anew, for example on another machine).
	 */
	public static Opener opener(String spec) {
		return (run, clean) -> {
			String images = spec != null ? spec : run.data;
			if (images.isEmpty()) throw new IllegalArgumentException("the run does not record its training images: give them");
			return open(images, run.cropSize, clean);
		};
	}

	/**
	 * @param spec  {@value #SYNTHETIC}, a folder of images, or several joined by {@link File#pathSeparator}
	 * @param size  the side of the square crops
	 * @param clean see {@link Opener#open(TrainingSettings, boolean)}
	 * @throws IllegalArgumentException naming the part of {@code spec} that cannot be used
	 */
	public static ImageSource open(String spec, int size, boolean clean) throws IOException {
		if (size == 0) throw new IllegalArgumentException("the run does not record its crop size: start it again");
		if (size < 8) throw new IllegalArgumentException("training crops must be at least 8 pixels wide, not " + size);
		if (spec == null || spec.trim().isEmpty())
			throw new IllegalArgumentException("no training images given: '" + SYNTHETIC + "' or a folder of images");
		String[] parts = spec.split(File.pathSeparator);
		if (parts.length == 1) return one(parts[0].trim(), size, clean);
		MixedSource mix = new MixedSource();
		for (String part : parts) {
			if (part.trim().isEmpty()) throw new IllegalArgumentException("training images '" + spec + "' have an empty part");
			mix.add(one(part.trim(), size, clean), 1);
		}
		return mix;
	}

	private static ImageSource one(String spec, int size, boolean clean) throws IOException {
		boolean noiseless = clean || spec.toLowerCase(java.util.Locale.ROOT).endsWith(CLEAN_SUFFIX);
		if (SYNTHETIC.equalsIgnoreCase(spec) || SYNTHETIC_CLEAN.equalsIgnoreCase(spec)) {
			SyntheticMicroscopy generator = new SyntheticMicroscopy(MicroscopyConfig.training(), size, size);
			return noiseless ? generator.clean() : generator;
		}
		if (SYNTHETIC_VARIED.equalsIgnoreCase(spec) || (SYNTHETIC_VARIED + CLEAN_SUFFIX).equalsIgnoreCase(spec)) {
			VariedMicroscopy generator = new VariedMicroscopy(size, size);
			return noiseless ? generator.clean() : generator;
		}
		return FolderImages.open(Paths.get(spec), size, size);
	}
}
