package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.engine.Inference;

/**
 * Gives an inpainted hole the camera noise of the pixels around it, so that its border does not show. A fill decoded
 * from a latent is smooth; next to noisy kept pixels a smooth patch stands out, its steps across the border about 0.8
 * of those between the kept pixels beside it. The noise is modelled as Poisson–Gaussian, variance {@code a·s + b} at
 * intensity {@code s}: {@code a} and {@code b} are fitted, per image and channel, to the kept pixels' squared difference
 * from the model's own decoding of them (which is smooth, so the difference is their noise). {@code strength} scales
 * the added noise's standard deviation. 1 matches the noise in full; the noise added is independent of the truth's,
 * so every bit of it lowers the fill's PSNR against the truth. The model card chooses the balance, and its README
 * gives the measured trade-off.
 */
public final class NoiseMatching {

	/** What the seed is mixed with, so that the added noise is not the sampler's start noise drawn again. */
	private static final long SEED_SALT = 0x6E6F697365L;

	private NoiseMatching() {}

	/**
	 * @param generated01 the model's decoded images in [0, 1], [B, C, H, W]
	 * @param image01     the images as given in [0, 1], [B, C, H, W]
	 * @param hole        1 = fill, [B, 1, H, W] (binary)
	 * @param strength    in [0, 1]: the added noise's standard deviation over the fitted one
	 * @param seed        the run's seed: the same seed adds the same noise
	 * @return {@code generated01} with the noise added, in [0, 1], attached to its manager
	 */
	public static NDArray apply(NDArray generated01, NDArray image01, NDArray hole, double strength, long seed) {
		requireStrength(strength);
		Shape s = generated01.getShape();
		if (!image01.getShape().equals(s)) throw new IllegalArgumentException("the image " + image01.getShape() + " and the fill " + s + " differ in shape");
		if (strength == 0) return generated01.duplicate();
		NDArray sd = noiseModel(generated01, image01, hole).mul((float) strength);
		NDArray noise = Inference.seeded(seed ^ SEED_SALT, () -> generated01.getManager().randomNormal(s));
		return generated01.add(sd.mul(noise)).clip(0f, 1f);
	}

	/** @throws IllegalArgumentException unless the strength is in [0, 1] */
	public static double requireStrength(double strength) {
		if (!(strength >= 0 && strength <= 1)) throw new IllegalArgumentException("the noise matching strength must lie in [0, 1], not " + strength);
		return strength;
	}

	/**
	 * The fitted noise standard deviation at each pixel, {@code sqrt(a·s + b)} with {@code s} the fill: a least-squares
	 * line through the kept pixels' (s, (image − s)²), held to a, b ≥ 0 (a negative slope or offset falls back to the
	 * best fit with it at 0). No kept pixels, or only one intensity among them, gives the mean square alone.
	 */
	static NDArray noiseModel(NDArray generated01, NDArray image01, NDArray hole) {
		Shape s = generated01.getShape();
		int planes = (int) (s.get(0) * s.get(1));
		NDArray keep = hole.lt(0.5f).toType(DataType.FLOAT64, false).broadcast(s);
		NDArray x = generated01.toType(DataType.FLOAT64, false);
		NDArray y = image01.toType(DataType.FLOAT64, false).sub(x).square();
		int[] axes = {2, 3};
		double[] n = keep.sum(axes).toDoubleArray();
		double[] sx = x.mul(keep).sum(axes).toDoubleArray();
		double[] sy = y.mul(keep).sum(axes).toDoubleArray();
		double[] sxx = x.square().mul(keep).sum(axes).toDoubleArray();
		double[] sxy = x.mul(y).mul(keep).sum(axes).toDoubleArray();
		float[] slope = new float[planes], offset = new float[planes];
		for (int p = 0; p < planes; p++) { // one fit per image and channel, not per pixel
			if (n[p] == 0) continue;
			double det = n[p] * sxx[p] - sx[p] * sx[p];
			double a = det > 1e-12 * n[p] * n[p] ? (n[p] * sxy[p] - sx[p] * sy[p]) / det : 0;
			double b = (sy[p] - a * sx[p]) / n[p];
			if (a < 0) {
				a = 0;
				b = sy[p] / n[p];
			} else if (b < 0) {
				b = 0;
				a = sxx[p] > 0 ? sxy[p] / sxx[p] : 0;
			}
			slope[p] = (float) a;
			offset[p] = (float) b;
		}
		Shape perPlane = new Shape(s.get(0), s.get(1), 1, 1);
		NDArray a = generated01.getManager().create(slope, perPlane);
		NDArray b = generated01.getManager().create(offset, perPlane);
		return generated01.clip(0f, 1f).mul(a).add(b).sqrt();
	}
}
