package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

import java.util.Arrays;

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

	/**
	 * Whether libtorch's conv2d, given one single-channel image of {@code elements} pixels and a 1 × k or k × 1 kernel,
	 * sums each output as one fused multiply-add per tap: above 20,480 pixels it runs oneDNN (an FMA chain from the
	 * first tap), at or below it im2col and a matrix product (a rounded product and a rounded sum per tap). The two
	 * differ in the last bits; {@link Separable} rounds as the one libtorch would have taken (its
	 * {@code ConvParams::use_mkldnn}), so that images blurred in Java are those {@link #valid} blurs.
	 */
	static boolean fusedTaps(long elements) {
		return elements > 20480;
	}

	/**
	 * {@link #valid} in Java, bit for bit: each output summed from the first tap on, each tap fused or not as
	 * {@link #fusedTaps} says for the image libtorch would have convolved. Both passes add whole rows of the same length
	 * (the input is given as columns, the row pass's result is transposed back), which the JIT vectorises; an array
	 * indexed at an offset from another's index is not. Keeps its working rows from call to call; one caller at a time.
	 */
	static final class Separable {

		private float[][] columns = new float[0][], rowsBlurred = new float[0][], rows = new float[0][];
		private float[] sum = new float[0];

		/**
		 * Sets the input to the {@code width × height} image {@code pixels} (row-major) extended by {@code pad} copies of
		 * its edge on every side, as {@link GaussianBlur#apply} extends it. Stored as columns, {@code columns[x][y]}.
		 */
		void set(float[] pixels, int width, int height, int pad) {
			int w = width + 2 * pad, h = height + 2 * pad;
			columns = grow(columns, w, h);
			int[] from = new int[h];
			for (int y = 0; y < h; y++) from[y] = Math.min(Math.max(y - pad, 0), height - 1) * width;
			final int tile = 32;
			for (int x0 = 0; x0 < w; x0 += tile) {
				for (int y0 = 0; y0 < h; y0 += tile) {
					int x1 = Math.min(w, x0 + tile), y1 = Math.min(h, y0 + tile);
					for (int x = x0; x < x1; x++) {
						float[] column = columns[x];
						int sx = Math.min(Math.max(x - pad, 0), width - 1);
						for (int y = y0; y < y1; y++) column[y] = pixels[from[y] + sx];
					}
				}
			}
		}

		/**
		 * The {@code height × width} image last {@link #set} convolved with {@code kernel} along rows, then along
		 * columns, without padding, into {@code out} ({@code height − k + 1} rows of {@code width − k + 1}, row-major).
		 */
		void apply(int width, int height, float[] kernel, boolean fusedRows, boolean fusedColumns, float[] out) {
			int k = kernel.length, outWidth = width - k + 1, outHeight = height - k + 1;
			rowsBlurred = grow(rowsBlurred, outWidth, height);
			for (int x = 0; x < outWidth; x++) taps(columns, x, kernel, fusedRows, rowsBlurred[x], height);
			rows = grow(rows, height, outWidth);
			transpose(rowsBlurred, outWidth, height, rows);
			if (sum.length < outWidth) sum = new float[outWidth];
			for (int y = 0; y < outHeight; y++) {
				taps(rows, y, kernel, fusedColumns, sum, outWidth);
				System.arraycopy(sum, 0, out, y * outWidth, outWidth);
			}
		}

		/** {@code out[i] = Σ_t kernel[t] · in[first + t][i]} for i < n, from the first tap on. */
		private static void taps(float[][] in, int first, float[] kernel, boolean fused, float[] out, int n) {
			Arrays.fill(out, 0, n, 0f);
			int t = 0;
			// four taps per sweep: a quarter of the loads and stores of out, the same order of operations
			for (; t + 4 <= kernel.length; t += 4) {
				float k0 = kernel[t], k1 = kernel[t + 1], k2 = kernel[t + 2], k3 = kernel[t + 3];
				float[] r0 = in[first + t], r1 = in[first + t + 1], r2 = in[first + t + 2], r3 = in[first + t + 3];
				if (fused) {
					for (int i = 0; i < n; i++) out[i] = Math.fma(k3, r3[i], Math.fma(k2, r2[i], Math.fma(k1, r1[i], Math.fma(k0, r0[i], out[i]))));
				} else {
					for (int i = 0; i < n; i++) out[i] = (((out[i] + k0 * r0[i]) + k1 * r1[i]) + k2 * r2[i]) + k3 * r3[i];
				}
			}
			for (; t < kernel.length; t++) {
				float k0 = kernel[t];
				float[] r0 = in[first + t];
				if (fused) {
					for (int i = 0; i < n; i++) out[i] = Math.fma(k0, r0[i], out[i]);
				} else {
					for (int i = 0; i < n; i++) out[i] = out[i] + k0 * r0[i];
				}
			}
		}

		/** {@code out[j][i] = in[i][j]} for i < n, j < m, in tiles that stay in cache. */
		private static void transpose(float[][] in, int n, int m, float[][] out) {
			final int tile = 32;
			for (int i0 = 0; i0 < n; i0 += tile) {
				for (int j0 = 0; j0 < m; j0 += tile) {
					int i1 = Math.min(n, i0 + tile), j1 = Math.min(m, j0 + tile);
					for (int i = i0; i < i1; i++) {
						float[] row = in[i];
						for (int j = j0; j < j1; j++) out[j][i] = row[j];
					}
				}
			}
		}

		/** {@code a}, or a larger array, with at least {@code n} rows of at least {@code m}. */
		private static float[][] grow(float[][] a, int n, int m) {
			if (a.length >= n && (n == 0 || a[0].length >= m)) return a;
			return new float[Math.max(n, a.length)][Math.max(m, a.length == 0 ? 0 : a[0].length)];
		}
	}

	/** {@code x} extended by {@code r} copies of its first and last slice along {@code axis}. */
	static NDArray replicate(NDArray x, int axis, int r) {
		String first = axis == 2 ? ":, :, :1" : ":, :, :, :1";
		String last = axis == 2 ? ":, :, -1:" : ":, :, :, -1:";
		return NDArrays.concat(new NDList(x.get(new NDIndex(first)).repeat(axis, r), x, x.get(new NDIndex(last)).repeat(axis, r)), axis);
	}
}
