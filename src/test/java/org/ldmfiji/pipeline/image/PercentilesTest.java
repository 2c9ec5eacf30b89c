package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.Random;

class PercentilesTest {

	private static final double[] PERCENTS = {0, 0.1, 1, 3.7, 25, 50, 66.6, 99, 99.8, 100};

	/** numpy's percentile (linear) by sorting every value: the definition the fast paths must meet exactly. */
	private static double bruteForce(double[] values, double percent) {
		return ofSorted(sorted(values), percent);
	}

	private static double[] sorted(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted;
	}

	private static double ofSorted(double[] sorted, double percent) {
		double rank = percent / 100 * (sorted.length - 1);
		int k = (int) Math.floor(rank);
		double frac = rank - k;
		return frac == 0 ? sorted[k] : sorted[k] + frac * (sorted[Math.min(k + 1, sorted.length - 1)] - sorted[k]);
	}

	/** Channel {@code channel}'s values over all its planes. */
	private static double[] channelValues(ImagePlus image, int channel) {
		ImageStack stack = image.getImageStack();
		int c = image.getNChannels();
		int plane = image.getWidth() * image.getHeight();
		double[] all = new double[stack.getSize() / c * plane];
		for (int i = 0; i < stack.getSize() / c; i++) {
			float[] p = (float[]) stack.getProcessor(i * c + channel).toFloat(0, null).getPixels();
			for (int j = 0; j < plane; j++) all[i * plane + j] = p[j];
		}
		return all;
	}

	@ParameterizedTest(name = "{0}-bit, C={1} Z={2} T={3}")
	@CsvSource({"8, 1, 1, 1", "16, 1, 1, 1", "16, 2, 3, 2", "32, 1, 1, 1", "32, 2, 2, 2"})
	void matchesSortingEveryPixelOfTheChannelOverAllPlanes(int bitDepth, int c, int z, int t) {
		ImagePlus image = TestImages.image("p", bitDepth, 17, 13, c, z, t, 7);
		for (int channel = 1; channel <= c; channel++) {
			double[] values = channelValues(image, channel);
			double[] got = Percentiles.ofChannel(image, channel, PERCENTS);
			for (int i = 0; i < PERCENTS.length; i++) {
				assertEquals(bruteForce(values, PERCENTS[i]), got[i], 0, "channel " + channel + ", " + PERCENTS[i] + "%");
			}
		}
	}

	/**
	 * The 32-bit path with a sort limit of 8 values instead of 2²⁰, so that small planes take every branch of the
	 * refinement: bins narrowed over several passes (a cluster of floats one ulp apart, and values a whole range
	 * apart), a bin of one repeated value that cannot be split, and the final sort. Every third rank is checked
	 * (each selection allocates its own histograms), and the last.
	 */
	@Test
	void floatSelectionIsExactAtEveryRankThroughRepeatedHistogramPasses() {
		Random random = new Random(5);
		float[][] planes = new float[3][700];
		for (float[] p : planes) {
			for (int i = 0; i < p.length; i++) {
				int kind = random.nextInt(4);
				p[i] = kind == 0 ? 5f : kind == 1 ? (float) (random.nextGaussian() * 1e4)
					: kind == 2 ? 1000f + random.nextInt(6) * Math.ulp(1000f) : -3e30f * random.nextInt(3);
			}
		}
		float[] all = new float[2100];
		for (int i = 0; i < 3; i++) System.arraycopy(planes[i], 0, all, i * 700, 700);
		Arrays.sort(all);
		Percentiles.FloatSelection selection = new Percentiles.FloatSelection(planes, 8);
		assertEquals(2100, selection.n);
		for (int rank = 0; rank < all.length; rank += 3) {
			assertEquals(all[rank], selection.select(rank), 0, "rank " + rank);
		}
		assertEquals(all[all.length - 1], selection.select(all.length - 1), 0);
	}

	@Test
	void floatPercentilesOfALargePlaneMatchSorting() {
		int w = 1100;
		int h = 1000; // more values than the sort limit: the shared first histogram pass runs
		Random random = new Random(9);
		float[] p = new float[w * h];
		for (int i = 0; i < p.length; i++) p[i] = random.nextInt(3) == 0 ? 5f : (float) (random.nextGaussian() * 1e4);
		assertEquals(true, p.length > Percentiles.SORT_LIMIT);
		double[] values = new double[p.length];
		for (int i = 0; i < p.length; i++) values[i] = p[i];
		double[] sorted = sorted(values);
		double[] percents = {0, 1, 40, 50, 99.8, 100};
		double[] got = Percentiles.ofChannel(new ImagePlus("big", new FloatProcessor(w, h, p)), 1, percents);
		for (int i = 0; i < percents.length; i++) {
			assertEquals(ofSorted(sorted, percents[i]), got[i], 0, percents[i] + "%");
		}
	}

	/**
	 * Images beyond 2³¹ pixels are too big for a test; their path is the histogram's with long counts. Here a
	 * histogram counts 9·10⁹ values (bins 10, 20 and 30 hold 3, 2 and 4·10⁹), as one of that size would.
	 */
	@Test
	void histogramPercentilesCountBeyondTwoToTheThirtyOne() {
		long[] counts = new long[65536];
		counts[10] = 3_000_000_000L;
		counts[20] = 2_000_000_000L;
		counts[30] = 4_000_000_000L;
		long n = 9_000_000_000L;
		assertEquals(10, Percentiles.binOfRank(counts, 0));
		assertEquals(10, Percentiles.binOfRank(counts, 2_999_999_999L));
		assertEquals(20, Percentiles.binOfRank(counts, 3_000_000_000L));
		assertEquals(20, Percentiles.binOfRank(counts, 4_999_999_999L));
		assertEquals(30, Percentiles.binOfRank(counts, 5_000_000_000L));
		assertEquals(30, Percentiles.binOfRank(counts, n - 1));
		assertThrows(IllegalArgumentException.class, () -> Percentiles.binOfRank(counts, n));

		assertEquals(10, Percentiles.ofHistogram(counts, 0));
		assertEquals(10, Percentiles.ofHistogram(counts, 33));
		assertEquals(20, Percentiles.ofHistogram(counts, 34));
		assertEquals(30, Percentiles.ofHistogram(counts, 99.8));
		assertEquals(30, Percentiles.ofHistogram(counts, 100));
		// rank 2 999 999 999.5 lies halfway between the last 10 and the first 20
		double halfway = 100 * 2_999_999_999.5 / (n - 1);
		assertEquals(15, Percentiles.ofHistogram(counts, halfway), 1e-3);
	}

	@Test
	void refusesRgbAndPercentsOutsideZeroToHundred() {
		ImagePlus rgb = TestImages.image("c", 24, 4, 4, 1, 1, 1, 1);
		assertEquals("percentiles need an 8-, 16- or 32-bit image, got 24-bit",
			assertThrows(IllegalArgumentException.class, () -> Percentiles.ofChannel(rgb, 1, 50)).getMessage());
		ImagePlus gray = TestImages.image("g", 16, 4, 4, 1, 1, 1, 1);
		assertEquals("a percentile must be in [0, 100], got 100.5",
			assertThrows(IllegalArgumentException.class, () -> Percentiles.ofChannel(gray, 1, 100.5)).getMessage());
		assertEquals("channel 2 does not exist; the image has 1",
			assertThrows(IllegalArgumentException.class, () -> Percentiles.ofChannel(gray, 2, 50)).getMessage());
	}

	@Test
	void readsTheImageOnly() {
		ImagePlus image = TestImages.image("h", 32, 9, 7, 2, 2, 2, 3);
		Snapshot before = new Snapshot(image);
		Percentiles.ofChannel(image, 2, PERCENTS);
		before.assertUnchanged(image);
	}
}
