package org.ldmfiji.pipeline.image;

import ij.ImagePlus;
import ij.ImageStack;

import java.util.Arrays;

/**
 * Percentiles of one channel of an image over all its z and t planes, so a stack is mapped consistently.
 *
 * <p>Defined as numpy's default ({@code linear}): the value at rank {@code p/100·(n−1)} of the sorted
 * pixels, interpolated between its two neighbours. Counts are {@code long}, and no pixel array is ever
 * sorted whole, so images beyond 2³¹ pixels work (CSBDeep and StarDist fail there by sorting one
 * int-indexed array):
 * <ul>
 * <li>8- and 16-bit: one pass into a histogram with a bin per value, exact.</li>
 * <li>32-bit: a min/max pass, then rank selection by histograms: each pass bins the remaining value range
 * into {@value #BINS} bins, keeping each bin's smallest and largest value, and narrows to the bin holding
 * the rank, until that bin holds few enough values to sort or a single value. Exact (the float at that
 * rank, bit for bit); the first pass is shared by all percentiles of the channel, and typically one more pass per percentile.</li>
 * </ul>
 * The interpolated rank is a double, so beyond 2⁵³ pixels it is rounded to a neighbour rank.
 */
public final class Percentiles {

	static final int BINS = 1 << 16;
	/** A bin holding at most this many values is sorted (4 MB) instead of binned again. */
	static final int SORT_LIMIT = 1 << 20;

	private Percentiles() {}

	/**
	 * The values at {@code percents} (each in [0, 100]) of channel {@code channel} (1-based) over all z and t.
	 * 8-, 16- and 32-bit images only; 32-bit values must be finite (see {@link ImageChecks#requireFinite}).
	 */
	public static double[] ofChannel(ImagePlus image, int channel, double... percents) {
		for (double p : percents) {
			if (!(p >= 0 && p <= 100)) throw new IllegalArgumentException("a percentile must be in [0, 100], got " + p);
		}
		Object[] planes = channelPlanes(image, channel);
		double[] out = new double[percents.length];
		switch (image.getBitDepth()) {
			case 8:
			case 16: {
				long[] counts = histogram(planes, image.getBitDepth() == 8 ? 256 : 65536);
				for (int i = 0; i < percents.length; i++) out[i] = ofHistogram(counts, percents[i]);
				return out;
			}
			case 32: {
				FloatSelection selection = new FloatSelection(planes, SORT_LIMIT);
				for (int i = 0; i < percents.length; i++) out[i] = interpolate(percents[i], selection.n, selection::select);
				return out;
			}
			default:
				throw new IllegalArgumentException("percentiles need an 8-, 16- or 32-bit image, got "
					+ image.getBitDepth() + "-bit");
		}
	}

	/** The pixel arrays of one channel's planes, in stack order (no copies). */
	static Object[] channelPlanes(ImagePlus image, int channel) {
		int channels = image.getNChannels();
		if (channel < 1 || channel > channels) {
			throw new IllegalArgumentException("channel " + channel + " does not exist; the image has " + channels);
		}
		ImageStack stack = image.getImageStack();
		Object[] planes = new Object[stack.getSize() / channels];
		for (int i = 0; i < planes.length; i++) planes[i] = stack.getPixels(i * channels + channel);
		return planes;
	}

	private interface RankValue {
		double at(long rank);
	}

	private static double interpolate(double percent, long n, RankValue sorted) {
		double rank = percent / 100.0 * (n - 1);
		long k = (long) Math.floor(rank);
		double frac = rank - k;
		double v = sorted.at(k);
		return frac == 0 ? v : v + frac * (sorted.at(Math.min(k + 1, n - 1)) - v);
	}

	private static long[] histogram(Object[] planes, int bins) {
		long[] counts = new long[bins];
		for (Object p : planes) {
			if (p instanceof byte[]) {
				for (byte v : (byte[]) p) counts[v & 0xff]++;
			} else {
				for (short v : (short[]) p) counts[v & 0xffff]++;
			}
		}
		return counts;
	}

	/** The percentile of values counted by {@code counts}, bin b holding the value b. */
	static double ofHistogram(long[] counts, double percent) {
		long n = Arrays.stream(counts).sum();
		return interpolate(percent, n, k -> binOfRank(counts, k));
	}

	/** The bin holding the value of 0-based rank {@code rank} among all counted values. */
	static int binOfRank(long[] counts, long rank) {
		long seen = 0;
		for (int b = 0; b < counts.length; b++) {
			seen += counts[b];
			if (seen > rank) return b;
		}
		throw new IllegalArgumentException("rank " + rank + " is beyond the " + seen + " counted values");
	}

	/** Exact rank selection over the finite floats of some planes, by repeated histogram passes. */
	static final class FloatSelection {

		private final float[][] planes;
		private final int sortLimit;
		final long n;
		private final float min;
		private final float max;
		/** The first pass over the whole range, shared by every selection. */
		private final Level top;
		/** The last bin sorted, kept because neighbouring ranks (k and k + 1) almost always fall in it. */
		private float sortedLo = Float.NaN;
		private float sortedHi = Float.NaN;
		private float[] sorted;

		FloatSelection(Object[] planes, int sortLimit) {
			this.planes = new float[planes.length][];
			this.sortLimit = sortLimit;
			long count = 0;
			float lo = Float.POSITIVE_INFINITY;
			float hi = Float.NEGATIVE_INFINITY;
			for (int i = 0; i < planes.length; i++) {
				float[] p = (float[]) planes[i];
				this.planes[i] = p;
				count += p.length;
				for (float v : p) {
					if (v < lo) lo = v;
					if (v > hi) hi = v;
				}
			}
			this.n = count;
			this.min = lo;
			this.max = hi;
			this.top = n > sortLimit && lo < hi ? new Level(this.planes, lo, hi) : null;
		}

		/** The value of 0-based rank {@code rank} in the sorted values. */
		double select(long rank) {
			if (rank < 0 || rank >= n) throw new IllegalArgumentException("rank " + rank + " outside 0.." + (n - 1));
			if (rank == 0) return min;
			if (rank == n - 1) return max;
			float lo = min;
			float hi = max;
			long below = 0; // values < lo
			long inRange = n; // values in [lo, hi]
			Level level = top;
			while (lo < hi && inRange > sortLimit) {
				if (level == null) level = new Level(planes, lo, hi);
				int b = binOfRank(level.counts, rank - below);
				for (int i = 0; i < b; i++) below += level.counts[i];
				inRange = level.counts[b];
				// lo falls in the first bin and hi in the last, so the range shrinks every pass
				lo = level.binMin[b];
				hi = level.binMax[b];
				level = null;
			}
			if (lo == hi) return lo;
			return sortedBetween(lo, hi, (int) inRange)[(int) (rank - below)];
		}

		private float[] sortedBetween(float lo, float hi, int count) {
			if (lo != sortedLo || hi != sortedHi) {
				float[] values = new float[count];
				int i = 0;
				for (float[] p : planes) {
					for (float v : p) {
						if (v >= lo && v <= hi) values[i++] = v;
					}
				}
				Arrays.sort(values);
				sorted = values;
				sortedLo = lo;
				sortedHi = hi;
			}
			return sorted;
		}
	}

	/** One histogram pass over the values in [lo, hi]: each bin's count, smallest and largest value. */
	private static final class Level {

		final long[] counts = new long[BINS];
		final float[] binMin = new float[BINS];
		final float[] binMax = new float[BINS];

		Level(float[][] planes, float lo, float hi) {
			Arrays.fill(binMin, Float.POSITIVE_INFINITY);
			Arrays.fill(binMax, Float.NEGATIVE_INFINITY);
			double scale = BINS / ((double) hi - lo);
			for (float[] p : planes) {
				for (float v : p) {
					if (v < lo || v > hi) continue;
					int b = (int) Math.min(BINS - 1, (v - (double) lo) * scale);
					counts[b]++;
					if (v < binMin[b]) binMin[b] = v;
					if (v > binMax[b]) binMax[b] = v;
				}
			}
		}
	}
}
