package org.ldmfiji.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Several sources mixed: each crop comes from one of them, chosen at random in proportion to its weight (for example
 * real images and the generator, 1:1). The sources must make crops of the same size.
 */
public final class MixedSource implements ImageSource {

	private final List<ImageSource> sources = new ArrayList<>();
	private final List<Double> cumulative = new ArrayList<>();
	private double total;

	/** Adds a source with a weight > 0. */
	public MixedSource add(ImageSource source, double weight) {
		if (source == null) throw new IllegalArgumentException("a source must be given");
		if (!(weight > 0 && weight < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("a source's weight must be positive, not " + weight);
		total += weight;
		sources.add(source);
		cumulative.add(total);
		return this;
	}

	@Override
	public LabelledImage next(SplittableRandom random) {
		if (sources.isEmpty()) throw new IllegalStateException("no sources to mix");
		double pick = random.nextDouble() * total;
		for (int i = 0; i < sources.size(); i++) {
			if (pick < cumulative.get(i)) return sources.get(i).next(random);
		}
		return sources.get(sources.size() - 1).next(random);
	}
}
