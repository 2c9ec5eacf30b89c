package org.ldmfiji.train;

import org.ldmfiji.train.data.ImageSource;

/**
 * The image sources a run can be given by name, as the {@code train} command and the Fiji command name them:
 * {@code synthetic} (the built-in microscopy generator) or a folder of images.
 */
public final class TrainingData {

	public static final String SYNTHETIC = "synthetic";

	private TrainingData() {}

	/**
	 * @param spec {@value #SYNTHETIC} or a folder of images
	 * @param size the side of the square crops
	 */
	public static ImageSource open(String spec, int size) {
		if (size < 8) throw new IllegalArgumentException("training crops must be at least 8 pixels wide, not " + size);
		throw new IllegalArgumentException("no training images '" + spec + "': this build has no image sources yet "
			+ "(the synthetic generator and image folders are not part of it)");
	}
}
