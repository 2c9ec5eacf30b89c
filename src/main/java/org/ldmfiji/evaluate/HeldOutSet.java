package org.ldmfiji.evaluate;

import org.ldmfiji.train.data.ImageSource;
import org.ldmfiji.train.data.LabelledImage;
import org.ldmfiji.train.data.MicroscopyConfig;
import org.ldmfiji.train.data.PoissonGaussianNoise;
import org.ldmfiji.train.data.SyntheticMicroscopy;
import org.ldmfiji.train.data.VariedMicroscopy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Images an evaluation measures on, never used in training: drawn from the generator with its own seed (by default
 * the held-out configuration), or crops of a folder of real images. Each comes as recorded (with noise) and, where
 * known, clean; for real images the two are the same.
 */
public final class HeldOutSet {

	/** The seed held-out images are drawn with unless told otherwise; training runs must use other seeds. */
	public static final long DEFAULT_SEED = 20261202L;

	final String description;
	final List<LabelledImage> recorded, clean;
	/** The camera that recorded each generated image (its noise can be drawn again); empty for real images. */
	final List<PoissonGaussianNoise> cameras;
	/** Whether the clean images differ from the recorded ones: generated images; crops of real images are both at once. */
	final boolean cleanKnown;

	private HeldOutSet(String description, List<LabelledImage> recorded, List<LabelledImage> clean, List<PoissonGaussianNoise> cameras) {
		this.description = description;
		this.cleanKnown = recorded != clean;
		this.recorded = Collections.unmodifiableList(recorded);
		this.clean = Collections.unmodifiableList(clean);
		this.cameras = Collections.unmodifiableList(cameras);
		if (cleanKnown && cameras.size() != recorded.size()) throw new IllegalArgumentException("a generated set needs a camera for each image");
	}

	/** {@code count} synthetic images of {@code size}², with labels and clean versions. */
	public static HeldOutSet synthetic(String configName, MicroscopyConfig config, int size, int count, long seed) {
		return drawn(new SyntheticMicroscopy(config, size, size)::render, count, seed, String.format(Locale.ROOT,
			"%d synthetic %dx%d images, generator configuration '%s' (%s), seed %d", count, size, size, configName, config, seed));
	}

	/** {@code count} synthetic images of {@code size}², each of a generator configuration of its own ({@link VariedMicroscopy}). */
	public static HeldOutSet varied(int size, int count, long seed) {
		return drawn(new VariedMicroscopy(size, size)::render, count, seed, String.format(Locale.ROOT,
			"%d synthetic %dx%d images, each of a generator configuration drawn from the varied training ranges, seed %d",
			count, size, size, seed));
	}

	private static HeldOutSet drawn(Function<SplittableRandom, SyntheticMicroscopy.Sample> source, int count, long seed, String description) {
		SplittableRandom random = new SplittableRandom(seed);
		List<LabelledImage> recorded = new ArrayList<>(), clean = new ArrayList<>();
		List<PoissonGaussianNoise> cameras = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			SyntheticMicroscopy.Sample s = source.apply(random.split());
			recorded.add(s.noisy);
			clean.add(s.clean);
			cameras.add(s.camera);
		}
		return new HeldOutSet(description, recorded, clean, cameras);
	}

	/** {@code count} crops from any source (a folder of real images): recorded and clean are the same. */
	public static HeldOutSet of(String description, ImageSource source, int count, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		List<LabelledImage> images = new ArrayList<>();
		for (int i = 0; i < count; i++) images.add(source.next(random.split()));
		return new HeldOutSet(description + ", " + count + " crops, seed " + seed, images, images, Collections.emptyList());
	}

	public String description() {
		return description;
	}

	public int size() {
		return recorded.size();
	}
}
