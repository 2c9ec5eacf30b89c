package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
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

	/** {@code clean} (values in [0, 1], any shape) with noise drawn from the global generator, clipped to [0, 1]. */
	public NDArray apply(NDArray clean) {
		NDArray x = clean.clip(0f, 1f);
		if (photons > 0) x = shot(x.mul((float) photons)).div((float) photons);
		if (readNoise > 0) x = x.add(clean.getManager().randomNormal(0f, (float) readNoise, x.getShape(), x.getDataType()));
		return x.clip(0f, 1f);
	}

	/** Poisson counts of the expected counts {@code lambda}. */
	private static NDArray shot(NDArray lambda) {
		NDManager m = lambda.getManager();
		Shape s = lambda.getShape();
		// exact, by inverting the cumulative distribution: the count is how many of P(0), P(≤1), ... lie below a uniform
		NDArray small = lambda.minimum((float) EXACT_BELOW);
		NDArray uniform = m.randomUniform(0f, 1f, s);
		NDArray p = small.neg().exp();
		NDArray cumulative = p;
		NDArray exact = uniform.gt(cumulative).toType(lambda.getDataType(), false);
		for (int k = 1; k < TERMS; k++) {
			p = p.mul(small).div(k);
			cumulative = cumulative.add(p);
			exact = exact.add(uniform.gt(cumulative).toType(lambda.getDataType(), false));
		}
		NDArray normal = lambda.add(lambda.sqrt().mul(m.randomNormal(s))).round().maximum(0f);
		return NDArrays.where(lambda.lt((float) EXACT_BELOW), exact, normal);
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%s photons at 1, read noise %s", photons, readNoise);
	}
}
