package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;

/** The fixed resampling ops both the UNet and the autoencoder use. */
public final class Resample {

	private Resample() {}

	/** {@code F.interpolate(x, scale_factor=2, mode="nearest")} on NCHW. */
	public static NDArray nearest2x(NDArray x) {
		Shape s = x.getShape();
		return x.getNDArrayInternal().interpolation(new long[] {s.get(2) * 2, s.get(3) * 2}, 0, false);
	}

	/**
	 * {@code F.interpolate(x, scale_factor=s, mode=nearest|bilinear)} on NCHW with torch's defaults
	 * (align_corners False, no antialiasing; DJL's own bilinear path forces antialiasing, so the
	 * separable weights are built here and applied as two matrix products).
	 */
	public static NDArray interpolate(NDArray x, double scaleFactor, String mode) {
		Shape s = x.getShape();
		long h = (long) Math.floor(s.get(2) * scaleFactor);
		long w = (long) Math.floor(s.get(3) * scaleFactor);
		float scale = (float) (1.0 / scaleFactor);
		return separable(x, weights(s.get(2), h, scale, mode), weights(s.get(3), w, scale, mode));
	}

	/** {@code F.interpolate(x, size=(h, w), mode=nearest|bilinear)}: as above, with torch's in/out scale. */
	public static NDArray resize(NDArray x, long h, long w, String mode) {
		Shape s = x.getShape();
		return separable(x, weights(s.get(2), h, (float) s.get(2) / h, mode), weights(s.get(3), w, (float) s.get(3) / w, mode));
	}

	private static NDArray separable(NDArray x, float[][] rows, float[][] cols) {
		NDArray r = x.getManager().create(rows);
		NDArray c = x.getManager().create(cols);
		return r.matMul(x).matMul(c.transpose());
	}

	/** [out, in] interpolation weights along one axis, following ATen's index arithmetic. */
	private static float[][] weights(long inSize, long outSize, float scale, String mode) {
		requireSupported(mode);
		int in = Math.toIntExact(inSize);
		int out = Math.toIntExact(outSize);
		if (out < 1) throw new IllegalArgumentException("resizing " + in + " pixels leaves nothing");
		float[][] w = new float[out][in];
		for (int o = 0; o < out; o++) {
			if ("nearest".equals(mode)) {
				w[o][Math.min((int) Math.floor(o * scale), in - 1)] = 1f;
			} else {
				float src = Math.max(scale * (o + 0.5f) - 0.5f, 0f);
				int i0 = Math.min((int) src, in - 1);
				int i1 = Math.min(i0 + 1, in - 1);
				float lambda = src - i0;
				w[o][i0] += 1f - lambda;
				w[o][i1] += lambda;
			}
		}
		return w;
	}

	/** Fails, with a message naming the mode, for an interpolation mode that {@link #interpolate} lacks. */
	public static void requireSupported(String mode) {
		if (!"nearest".equals(mode) && !"bilinear".equals(mode)) {
			throw new IllegalArgumentException("interpolation mode '" + mode + "' is not supported yet (nearest, bilinear)");
		}
	}

	/** {@code avg_pool2d(kernel_size=2, stride=2)}. */
	public static NDArray avgPool2x(NDArray x) {
		return Pool.avgPool2d(x, new Shape(2, 2), new Shape(2, 2), new Shape(0, 0), false, true);
	}
}
