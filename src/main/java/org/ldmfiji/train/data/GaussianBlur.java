package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * A Gaussian point-spread function applied to images [B, C, H, W] as two 1-D convolutions. A Gaussian of
 * σ ≈ 0.21 λ/NA matches the core of a widefield microscope's Airy pattern, which is what the synthetic images and
 * the degradations need. The image is extended by repeating its edge, so a blurred border keeps its brightness.
 */
public final class GaussianBlur {

	private GaussianBlur() {}

	/** The normalised 1-D kernel of {@code sigma}, truncated at ⌈3.5 σ⌉. */
	public static float[] kernel(double sigma) {
		return kernel(sigma, radius(sigma));
	}

	/** The normalised 1-D kernel of {@code sigma} over −radius..radius. */
	public static float[] kernel(double sigma, int radius) {
		float[] k = new float[2 * radius + 1];
		double sum = 0;
		for (int i = -radius; i <= radius; i++) sum += Math.exp(-0.5 * i * i / (sigma * sigma));
		for (int i = -radius; i <= radius; i++) k[i + radius] = (float) (Math.exp(-0.5 * i * i / (sigma * sigma)) / sum);
		return k;
	}

	/** Half the kernel's width: ⌈3.5 σ⌉. */
	public static int radius(double sigma) {
		if (!(sigma > 0 && sigma < 1000)) throw new IllegalArgumentException("a blur's sigma must be in (0, 1000) pixels, got " + sigma);
		return (int) Math.ceil(3.5 * sigma);
	}

	/** {@code x} blurred; sigma 0 returns {@code x} itself. */
	public static NDArray apply(NDArray x, double sigma) {
		if (sigma == 0) return x;
		float[] k = kernel(sigma);
		int r = k.length / 2;
		return valid(replicate(replicate(x, 3, r), 2, r), k);
	}

	/**
	 * {@code x} [B, C, H, W] convolved with {@code kernel} along rows and columns, without padding: the result is
	 * smaller by the kernel's width less one on each axis. Runs in {@code x}'s data type.
	 */
	public static NDArray valid(NDArray x, float[] kernel) {
		long c = x.getShape().get(1);
		NDArray weights = x.getManager().create(kernel).toType(x.getDataType(), false);
		NDArray rows = weights.reshape(1, 1, 1, kernel.length).repeat(0, c);
		NDArray cols = weights.reshape(1, 1, kernel.length, 1).repeat(0, c);
		Shape one = new Shape(1, 1);
		Shape none = new Shape(0, 0);
		NDArray h = Conv2d.conv2d(x, rows, null, one, none, one, (int) c).singletonOrThrow();
		return Conv2d.conv2d(h, cols, null, one, none, one, (int) c).singletonOrThrow();
	}

	/** {@code x} extended by {@code r} copies of its first and last slice along {@code axis}. */
	static NDArray replicate(NDArray x, int axis, int r) {
		String first = axis == 2 ? ":, :, :1" : ":, :, :, :1";
		String last = axis == 2 ? ":, :, -1:" : ":, :, :, -1:";
		return NDArrays.concat(new NDList(x.get(new NDIndex(first)).repeat(axis, r), x, x.get(new NDIndex(last)).repeat(axis, r)), axis);
	}
}
