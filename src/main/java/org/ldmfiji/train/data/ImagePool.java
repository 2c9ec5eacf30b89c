package org.ldmfiji.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Crops from a pool of larger images that is slowly renewed: each call replaces one pooled image by a new one from the
 * source with probability {@code renewal}, then returns a random crop of a random pooled image, turned and flipped at
 * random. Rendering a synthetic image costs about as much as a training step of a small model, a crop almost
 * nothing, so a pool of a few dozen large images renewed at a few per cent keeps the data from slowing training while
 * every image still varies. Deterministic for a given sequence of random numbers; the pool is filled on first use.
 * Not for use from several threads at once.
 */
public final class ImagePool implements ImageSource {

	private final ImageSource source;
	private final int size, width, height;
	private final double renewal;
	private final List<LabelledImage> pool = new ArrayList<>();

	/**
	 * @param source  of images at least {@code max(width, height)} on each side
	 * @param size    how many images the pool holds
	 * @param renewal probability per call of replacing a pooled image, in [0, 1]
	 */
	public ImagePool(ImageSource source, int size, double renewal, int width, int height) {
		if (size < 1) throw new IllegalArgumentException("a pool must hold at least 1 image, not " + size);
		if (!(renewal >= 0 && renewal <= 1)) throw new IllegalArgumentException("the renewal probability must be in [0, 1], not " + renewal);
		if (width < 1 || height < 1) throw new IllegalArgumentException("the crop size must be positive, not " + width + "x" + height);
		this.source = source;
		this.size = size;
		this.renewal = renewal;
		this.width = width;
		this.height = height;
	}

	@Override
	public synchronized LabelledImage next(SplittableRandom random) {
		while (pool.size() < size) pool.add(source.next(random));
		if (random.nextDouble() < renewal) pool.set(random.nextInt(size), source.next(random));
		return Crops.take(pool.get(random.nextInt(size)), width, height, random);
	}
}
