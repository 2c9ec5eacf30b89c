package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import org.ldmfiji.engine.Inference;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How a high-resolution image becomes the low-resolution input of super-resolution: optical blur, area downsampling
 * (each low-resolution pixel integrates its {@code factor × factor} block, as a camera pixel does), then the camera's
 * Poisson–Gaussian noise. Each image draws its own blur σ and photon count (log-uniform) from the ranges given; the
 * clean low-resolution image (blurred and downsampled, no noise) comes back too, for LR-consistency.
 */
public final class SrDegradation {

	/** A low-resolution image with and without noise, [B, 1, h, w], in [0, 1]. */
	public static final class Result {
		public final NDArray lowRes, cleanLowRes;

		Result(NDArray lowRes, NDArray cleanLowRes) {
			this.lowRes = lowRes;
			this.cleanLowRes = cleanLowRes;
		}
	}

	public final int factor;
	public final double blurMin, blurMax, photonsMin, photonsMax, readNoise;

	/**
	 * @param blurMin, blurMax     the blur's σ in high-resolution pixels (0 = none)
	 * @param photonsMin, photonsMax photons at intensity 1 (0 = no shot noise)
	 */
	public SrDegradation(int factor, double blurMin, double blurMax, double photonsMin, double photonsMax, double readNoise) {
		if (factor < 1 || factor > 16) throw new IllegalArgumentException("the factor must be 1 to 16, not " + factor);
		if (!(blurMin >= 0 && blurMin <= blurMax && blurMax <= 20)) {
			throw new IllegalArgumentException("the blur range must satisfy 0 <= min <= max <= 20, got " + blurMin + ".." + blurMax);
		}
		if (!(photonsMin >= 0 && photonsMin <= photonsMax) || (photonsMin == 0 && photonsMax > 0)) {
			throw new IllegalArgumentException("the photon range must be 0..0 (no shot noise) or 0 < min <= max, got "
				+ photonsMin + ".." + photonsMax);
		}
		new PoissonGaussianNoise(photonsMax, readNoise); // checks the values' ranges
		this.factor = factor;
		this.blurMin = blurMin;
		this.blurMax = blurMax;
		this.photonsMin = photonsMin;
		this.photonsMax = photonsMax;
		this.readNoise = readNoise;
	}

	/**
	 * The degradation the shipped 4× model is trained with: σ 0.6–2.2 px, 40–1000 photons, read noise 0.01. Wide, as
	 * the images a user enlarges were taken with many optics and exposures.
	 */
	public static SrDegradation standard() {
		return new SrDegradation(4, 0.6, 2.2, 40, 1000, 0.01);
	}

	/**
	 * The degradation held-out evaluation uses: blur (σ 1.2–2.0 px) and photons (60–600) within {@link #standard()}'s
	 * ranges but drawn apart from them, and more read noise (0.015) than training ever adds.
	 */
	public static SrDegradation heldOut() {
		return new SrDegradation(4, 1.2, 2.0, 60, 600, 0.015);
	}

	/** The same ranges for another factor. */
	public SrDegradation withFactor(int f) {
		return new SrDegradation(f, blurMin, blurMax, photonsMin, photonsMax, readNoise);
	}

	/** The same blur and noise ranges with a fixed blur and photon count (for evaluation at one known level). */
	public static SrDegradation fixed(int factor, double blur, double photons, double readNoise) {
		return new SrDegradation(factor, blur, blur, photons, photons, readNoise);
	}

	/**
	 * @param highRes images [B, 1, H, W] in [0, 1], H and W multiples of the factor
	 * @return the degraded images, owned by {@code highRes}'s manager
	 */
	public Result degrade(NDArray highRes, SplittableRandom random) {
		Shape s = highRes.getShape();
		if (s.dimension() != 4 || s.get(2) % factor != 0 || s.get(3) % factor != 0) {
			throw new IllegalArgumentException("expected images [B, C, H, W] with sides that are multiples of " + factor + ", got " + s);
		}
		NDManager owner = highRes.getManager();
		NDList noisy = new NDList();
		NDList clean = new NDList();
		try (NDManager m = owner.newSubManager()) {
			for (int i = 0; i < s.get(0); i++) {
				double sigma = blurMin == blurMax ? blurMin : random.nextDouble(blurMin, blurMax);
				double photons = photonsMin == photonsMax ? photonsMin : Math.exp(random.nextDouble(Math.log(photonsMin), Math.log(photonsMax)));
				NDArray item = highRes.get(i).expandDims(0);
				NDArray low = downsample(GaussianBlur.apply(item, sigma));
				NDArray lowNoisy = Inference.seeded(random.nextLong(), () -> new PoissonGaussianNoise(photons, readNoise).apply(low));
				clean.add(low);
				noisy.add(lowNoisy);
			}
			NDArray lowRes = NDArrays.concat(noisy, 0);
			NDArray cleanLowRes = NDArrays.concat(clean, 0);
			lowRes.attach(owner);
			cleanLowRes.attach(owner);
			return new Result(lowRes, cleanLowRes);
		}
	}

	/** One image: the noisy low-resolution image and the clean one. */
	public LabelledImage[] degrade(LabelledImage highRes, SplittableRandom random) {
		try (NDManager m = NDManager.newBaseManager()) {
			Result r = degrade(m.create(highRes.pixels, new Shape(1, 1, highRes.height, highRes.width)), random);
			int w = highRes.width / factor, h = highRes.height / factor;
			return new LabelledImage[] {new LabelledImage(w, h, r.lowRes.toFloatArray(), null),
				new LabelledImage(w, h, r.cleanLowRes.toFloatArray(), null)};
		}
	}

	/** Area downsampling by the factor: the mean of each factor × factor block. */
	public NDArray downsample(NDArray x) {
		if (factor == 1) return x;
		Shape k = new Shape(factor, factor);
		return Pool.avgPool2d(x, k, k, new Shape(0, 0), false, true);
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%dx: blur sigma %s-%s px, %s-%s photons, read noise %s", factor, blurMin, blurMax,
			photonsMin, photonsMax, readNoise);
	}
}
