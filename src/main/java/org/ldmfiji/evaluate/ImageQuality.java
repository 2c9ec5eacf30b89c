package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.ldmfiji.train.data.GaussianBlur;

/**
 * Full-reference image quality on images [B, C, H, W]: PSNR and SSIM, over the whole image or inside a mask.
 *
 * <p>SSIM is Wang et al. (2004) as their reference implementation and scikit-image's
 * {@code structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=peak)}
 * define it: an 11 × 11 Gaussian window of σ 1.5, K1 = 0.01, K2 = 0.03, statistics only where the whole window lies
 * inside the image, the mean of the SSIM map. Computed in float64.
 */
public final class ImageQuality {

	/** The SSIM window's σ and half-width. */
	static final double SSIM_SIGMA = 1.5;
	static final int SSIM_RADIUS = 5;

	private ImageQuality() {}

	/** Peak signal-to-noise ratio in dB of {@code a} against {@code b}, for values whose range is {@code peak}; ∞ if equal. */
	public static double psnr(NDArray a, NDArray b, double peak) {
		requireSameShape(a, b);
		return psnrOfMse(a.toType(DataType.FLOAT64, false).sub(b.toType(DataType.FLOAT64, false)).square().mean().getDouble(), peak);
	}

	/** PSNR over the pixels where {@code mask} (broadcastable to the images) is 1. */
	public static double psnr(NDArray a, NDArray b, NDArray mask, double peak) {
		requireSameShape(a, b);
		NDArray squared = a.toType(DataType.FLOAT64, false).sub(b.toType(DataType.FLOAT64, false)).square();
		return psnrOfMse(maskedMean(squared, mask), peak);
	}

	static double psnrOfMse(double mse, double peak) {
		return 10 * Math.log10(peak * peak / mse);
	}

	/** Mean SSIM of {@code a} against {@code b} (symmetric), images at least 11 × 11. */
	public static double ssim(NDArray a, NDArray b, double peak) {
		return ssimMap(a, b, peak).mean().getDouble();
	}

	/**
	 * Mean SSIM over the pixels where {@code mask} ([B, 1, H, W]) is 1 and the window lies inside the image: how well
	 * a filled hole matches, structure included.
	 */
	public static double ssim(NDArray a, NDArray b, NDArray mask, double peak) {
		NDArray map = ssimMap(a, b, peak);
		long h = mask.getShape().get(2), w = mask.getShape().get(3);
		NDArray inner = mask.get(new NDIndex(":, :, {}:{}, {}:{}", SSIM_RADIUS, h - SSIM_RADIUS, SSIM_RADIUS, w - SSIM_RADIUS));
		return maskedMean(map, inner);
	}

	/** The SSIM of each window position, [B, C, H − 10, W − 10], float64. */
	public static NDArray ssimMap(NDArray a, NDArray b, double peak) {
		requireSameShape(a, b);
		if (a.getShape().get(2) < 2 * SSIM_RADIUS + 1 || a.getShape().get(3) < 2 * SSIM_RADIUS + 1) {
			throw new IllegalArgumentException("SSIM needs images of at least 11x11 pixels, got " + a.getShape());
		}
		float[] window = GaussianBlur.kernel(SSIM_SIGMA, SSIM_RADIUS);
		NDArray x = a.toType(DataType.FLOAT64, false);
		NDArray y = b.toType(DataType.FLOAT64, false);
		NDArray mx = GaussianBlur.valid(x, window);
		NDArray my = GaussianBlur.valid(y, window);
		NDArray vx = GaussianBlur.valid(x.square(), window).sub(mx.square());
		NDArray vy = GaussianBlur.valid(y.square(), window).sub(my.square());
		NDArray cxy = GaussianBlur.valid(x.mul(y), window).sub(mx.mul(my));
		double c1 = Math.pow(0.01 * peak, 2), c2 = Math.pow(0.03 * peak, 2);
		NDArray numerator = mx.mul(my).mul(2).add(c1).mul(cxy.mul(2).add(c2));
		NDArray denominator = mx.square().add(my.square()).add(c1).mul(vx.add(vy).add(c2));
		return numerator.div(denominator);
	}

	/** The mean of {@code values} where {@code mask} is 1 (the mask broadcast to the values' shape). */
	static double maskedMean(NDArray values, NDArray mask) {
		NDArray m = mask.toType(values.getDataType(), false).broadcast(values.getShape());
		double count = m.sum().getDouble();
		if (count == 0) throw new IllegalArgumentException("the mask selects no pixel");
		return values.mul(m).sum().getDouble() / count;
	}

	static void requireSameShape(NDArray a, NDArray b) {
		if (!a.getShape().equals(b.getShape())) throw new IllegalArgumentException("shapes differ: " + a.getShape() + " vs " + b.getShape());
	}
}
