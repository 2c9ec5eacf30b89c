package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Locale;

/**
 * A camera's noise: shot noise (Poisson in the number of photons) plus Gaussian read noise, on images in [0, 1]
 * where 1 means {@link #photons} photons. The result is clipped to [0, 1] as a camera's range clips.
 *
 * <p>libtorch's Poisson sampler is not reachable through DJL, so counts are drawn exactly where they are small and
 * from the normal approximation where they are large: below {@value #EXACT_BELOW} expected photons a count is drawn
 * by inverting the Poisson distribution function at a uniform number, above it the count is λ + √λ·N(0, 1),
 * rounded (there the two differ by less than the noise's own sampling error). Uses the global generator; seed it around a call.
 */
public final class PoissonGaussianNoise {

	/** Expected counts below this are drawn exactly. */
	static final int EXACT_BELOW = 24;
	/** Terms of the cumulative distribution summed for the exact draw: P(Poisson(24) ≥ 56) < 1e-8. */
	private static final int TERMS = 56;

	/** Photons at intensity 1; 0 = no shot noise. */
	public final double photons;
	/** Standard deviation of the read noise, in intensity units (1 = the full range). */
	public final double readNoise;

	public PoissonGaussianNoise(double photons, double readNoise) {
		if (!(photons >= 0 && photons < 1e9)) throw new IllegalArgumentException("photons must be in [0, 1e9), got " + photons);
		if (!(readNoise >= 0 && readNoise <= 1)) throw new IllegalArgumentException("read noise must be in [0, 1], got " + readNoise);
		this.photons = photons;
		this.readNoise = readNoise;
	}

	/** No noise at all. */
	public static PoissonGaussianNoise none() {
		return new PoissonGaussianNoise(0, 0);
	}

	/** {@code clean} (values in [0, 1], any shape, float32) with noise drawn from the global generator, clipped to [0, 1]. */
	public NDArray apply(NDArray clean) {
		if (clean.getDataType() != DataType.FLOAT32) throw new IllegalArgumentException("camera noise needs float32 images, got " + clean.getDataType());
		NDManager m = clean.getManager();
		float[] pixels = TensorCopies.read(clean, new float[Math.toIntExact(clean.size())]);
		return m.create(apply(pixels, m, clean.getShape(), new Workspace()), clean.getShape());
	}

	/** The arrays {@link #apply(float[], NDManager, Shape, Workspace)} works in, kept from call to call; one caller at a time. */
	static final class Workspace {
		final TensorCopies copies = new TensorCopies();
		private float[] lambda = new float[0], count, u, s, p, uniform, small, first, root, normal;
		private int[] pixel;

		private void fit(int n) {
			if (lambda.length >= n) return;
			lambda = new float[n];
			count = new float[n];
			u = new float[n];
			s = new float[n];
			p = new float[n];
			uniform = new float[n];
			small = new float[n];
			first = new float[n];
			root = new float[n];
			normal = new float[n];
			pixel = new int[n];
		}
	}

	/**
	 * {@code clean} (values in [0, 1], {@code shape} row-major) with noise drawn from the global generator through
	 * {@code m}, clipped to [0, 1]. libtorch draws the random numbers and takes the exponentials and square roots (its
	 * square root is not the correctly rounded one); the rest (products, quotients, sums, comparisons, rounding to
	 * whole numbers) is float arithmetic that Java rounds as libtorch does, done here on the numbers libtorch gave, so
	 * the result is the one the all-libtorch noise gave, bit for bit.
	 */
	float[] apply(float[] clean, NDManager m, Shape shape, Workspace w) {
		int n = clean.length;
		w.fit(n);
		float[] x = new float[n];
		for (int i = 0; i < n; i++) x[i] = clip(clean[i]);
		if (photons > 0) shot(x, (float) photons, m, shape, w);
		if (readNoise > 0) {
			try (NDManager scope = m.newSubManager()) {
				float[] read = TensorCopies.read(scope.randomNormal(0f, (float) readNoise, shape, DataType.FLOAT32), w.normal);
				for (int i = 0; i < n; i++) x[i] = x[i] + read[i];
			}
		}
		for (int i = 0; i < n; i++) x[i] = clip(x[i]);
		return x;
	}

	/** [0, 1] clipping as libtorch's clamp does it: NaN and −0 pass unchanged. */
	static float clip(float v) {
		return v < 0f ? 0f : v > 1f ? 1f : v;
	}

	/**
	 * Replaces the intensities {@code x} by Poisson counts of {@code x · photons} photons, divided by {@code photons}.
	 * libtorch draws a uniform and a normal number per pixel, in that order, and takes exp(−min(λ, 24)) and √λ.
	 */
	private static void shot(float[] x, float photons, NDManager m, Shape shape, Workspace w) {
		int n = x.length;
		float[] lambda = w.lambda, count = w.count, small = w.small;
		for (int i = 0; i < n; i++) {
			lambda[i] = x[i] * photons;
			small[i] = Math.min(lambda[i], (float) EXACT_BELOW);
		}
		float[] uniform, first, root, normal;
		try (NDManager scope = m.newSubManager()) {
			uniform = TensorCopies.read(scope.randomUniform(0f, 1f, shape), w.uniform);
			root = TensorCopies.read(w.copies.shared(scope, lambda, shape).sqrt(), w.root);
			// exp(−min(λ, 24)); negation is exact, so done here
			for (int i = 0; i < n; i++) w.first[i] = -small[i];
			first = TensorCopies.read(w.copies.shared(scope, w.first, shape).exp(), w.first);
			normal = TensorCopies.read(scope.randomNormal(shape), w.normal);
		}
		// exact, by inverting the cumulative distribution: the count is how many of the sums P(0), P(≤1), ... lie below a
		// uniform number; they only grow, so counting stops at the first that does not. Those with a count of at least 1
		// are gathered and counted four at a time
		int[] pixel = w.pixel;
		float[] u = w.u, s = w.s, p = w.p;
		int counting = 0;
		for (int i = 0; i < n; i++) {
			count[i] = 0f;
			if (lambda[i] < EXACT_BELOW) {
				if (uniform[i] > first[i]) {
					pixel[counting] = i;
					u[counting] = uniform[i];
					s[counting] = small[i];
					p[counting] = first[i];
					counting++;
				}
			} else {
				float rounded = (float) Math.rint(lambda[i] + root[i] * normal[i]);
				// as libtorch's vectorised maximum: a −0 count becomes +0
				count[i] = rounded > 0f ? rounded : 0f;
			}
		}
		int[] counted = new int[4];
		for (int j = 0; j < counting; j += 4) {
			int last = Math.min(counting, j + 4);
			roughCounts(u, s, p, j, last, counted);
			for (int q = j; q < last; q++) {
				int c = counted[q - j];
				count[pixel[q]] = c > 0 ? c : exactCount(u[q], s[q], p[q]);
			}
		}
		for (int i = 0; i < n; i++) x[i] = count[i] / photons;
	}

	/**
	 * How far apart, relative to the sum, the float sums of {@link #exactCount} and the double ones of
	 * {@link #roughCounts} can be: each term is rounded twice (a product and a quotient) and each sum once, so after k
	 * terms the float sum is within 3kε (ε = 2⁻²⁴) of the exact one, 1e-5 for the 55 terms (terms small enough to be
	 * subnormal lie far below a sum's last bit, the sums being at least e⁻²⁴); the double sums are far closer still.
	 * Ten times that leaves room.
	 */
	private static final double TOLERANCE = 1e-4;
	/** 1/k, for products instead of quotients in {@link #roughCounts}. */
	private static final double[] INVERSE = new double[TERMS];

	static {
		for (int k = 1; k < TERMS; k++) INVERSE[k] = 1.0 / k;
	}

	/**
	 * The counts of gathered pixels {@code from} to {@code to} (at most four), where they are certain: the sums in
	 * double, with products by 1/k (no waiting on a division), compared with the uniform number only where it is farther
	 * from them than {@link #TOLERANCE}; there the float sums of {@link #exactCount} compare the same way. 0 where a
	 * uniform number lies within the tolerance of a sum: that pixel needs {@link #exactCount}. Every count is at least 1.
	 * Into {@code counts[0, to − from)}.
	 */
	private static void roughCounts(float[] u, float[] s, float[] p, int from, int to, int[] counts) {
		// lanes past the last pixel stop at once (u = 0)
		double u0 = u[from], u1 = from + 1 < to ? u[from + 1] : 0, u2 = from + 2 < to ? u[from + 2] : 0, u3 = from + 3 < to ? u[from + 3] : 0;
		double s0 = s[from], s1 = from + 1 < to ? s[from + 1] : 0, s2 = from + 2 < to ? s[from + 2] : 0, s3 = from + 3 < to ? s[from + 3] : 0;
		double p0 = p[from], p1 = from + 1 < to ? p[from + 1] : 1, p2 = from + 2 < to ? p[from + 2] : 1, p3 = from + 3 < to ? p[from + 3] : 1;
		double c0 = p0, c1 = p1, c2 = p2, c3 = p3;
		int n0 = 1, n1 = 1, n2 = 1, n3 = 1;
		boolean on0 = true, on1 = true, on2 = true, on3 = true;
		for (int k = 1; k < TERMS && (on0 | on1 | on2 | on3); k++) {
			double inverse = INVERSE[k];
			p0 *= s0 * inverse;
			p1 *= s1 * inverse;
			p2 *= s2 * inverse;
			p3 *= s3 * inverse;
			c0 += p0;
			c1 += p1;
			c2 += p2;
			c3 += p3;
			if (on0) {
				if (u0 > c0 * (1 + TOLERANCE)) n0++;
				else {
					on0 = false;
					if (!(u0 < c0 * (1 - TOLERANCE))) n0 = 0;
				}
			}
			if (on1) {
				if (u1 > c1 * (1 + TOLERANCE)) n1++;
				else {
					on1 = false;
					if (!(u1 < c1 * (1 - TOLERANCE))) n1 = 0;
				}
			}
			if (on2) {
				if (u2 > c2 * (1 + TOLERANCE)) n2++;
				else {
					on2 = false;
					if (!(u2 < c2 * (1 - TOLERANCE))) n2 = 0;
				}
			}
			if (on3) {
				if (u3 > c3 * (1 + TOLERANCE)) n3++;
				else {
					on3 = false;
					if (!(u3 < c3 * (1 - TOLERANCE))) n3 = 0;
				}
			}
		}
		counts[0] = n0;
		counts[1] = n1;
		counts[2] = n2;
		counts[3] = n3;
	}

	/**
	 * The count of one pixel as libtorch's float arithmetic gives it: how many of the sums P(0), P(≤1), ... lie below
	 * {@code u}, each term P(k) = P(k−1) · λ / k rounded as floats are, from P(0) = {@code first}.
	 */
	private static int exactCount(float u, float lambda, float first) {
		float p = first, cumulative = p;
		int count = u > cumulative ? 1 : 0;
		for (int k = 1; k < TERMS && count == k; k++) {
			p = p * lambda / k;
			cumulative = cumulative + p;
			if (u > cumulative) count++;
		}
		return count;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%s photons at 1, read noise %s", photons, readNoise);
	}
}
