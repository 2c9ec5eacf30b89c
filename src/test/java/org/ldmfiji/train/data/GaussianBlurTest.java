package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.SplittableRandom;

class GaussianBlurTest extends ManagerPerClassTest {

	@Test
	void anImpulseBecomesTheSampledGaussianAndAConstantStaysConstant() {
		double sigma = 1.5;
		int size = 31, c = size / 2;
		float[] impulse = new float[size * size];
		impulse[c * size + c] = 1f;
		float[] out = GaussianBlur.apply(manager.create(impulse, new Shape(1, 1, size, size)), sigma).toFloatArray();
		double norm = 0;
		for (int i = -GaussianBlur.radius(sigma); i <= GaussianBlur.radius(sigma); i++) norm += Math.exp(-i * i / (2 * sigma * sigma));
		for (int dy = -3; dy <= 3; dy++) {
			for (int dx = -3; dx <= 3; dx++) {
				double expected = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) / (norm * norm);
				assertEquals(expected, out[(c + dy) * size + c + dx], 1e-6, "at " + dx + ", " + dy);
			}
		}
		// edges are extended, not darkened: a constant image stays constant up to its border
		NDArray constant = manager.full(new Shape(2, 3, 12, 9), 0.7f);
		for (float v : GaussianBlur.apply(constant, 2.0).toFloatArray()) assertEquals(0.7f, v, 1e-6);
	}

	/**
	 * The Java blur rounds as libtorch's conv2d does on an AMD Zen 5, on both sides of the size where conv2d switches
	 * from its own im2col (a product and a sum per tap) to oneDNN (one fused multiply-add per tap), where the two blur
	 * the same image to the same bits. On other CPUs libtorch's kernels sum in another order (an Intel Xeon with AMX
	 * differs in the last bits), so what is checked everywhere is agreement far below any visible difference.
	 */
	@Test
	void theJavaBlurIsLibtorchsOnBothSidesOfItsSwitch() {
		SplittableRandom random = new SplittableRandom(4);
		// {height, width, sigma}: 9 taps; rows on 130 × 157 = 20410 and 131 × 157 = 20567 pixels, columns on fewer
		// and more than 20480; a 43-tap kernel on a field as large as a 256-pixel crop's
		double[][] cases = {{130, 157, 1.0}, {131, 157, 1.0}, {150, 150, 1.0}, {47, 61, 2.5}, {326, 326, 6.0}, {98, 154, 6.0}};
		for (double[] c : cases) {
			int h = (int) c[0], w = (int) c[1];
			float[] k = GaussianBlur.kernel(c[2]);
			float[] x = new float[h * w];
			for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble(-2, 2);
			float[] expected = GaussianBlur.valid(manager.create(x, new Shape(1, 1, h, w)), k).toFloatArray();
			int ow = w - k.length + 1;
			boolean fusedRows = GaussianBlur.fusedTaps((long) h * w), fusedColumns = GaussianBlur.fusedTaps((long) h * ow);
			float[] actual = new float[expected.length];
			GaussianBlur.Separable blur = new GaussianBlur.Separable();
			blur.set(x, w, h, 0);
			blur.apply(w, h, k, fusedRows, fusedColumns, actual);
			String at = h + " x " + w + ", sigma " + c[2];
			for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-6f, at + ", pixel " + i);
		}
		assertFalse(GaussianBlur.fusedTaps(20480));
		assertTrue(GaussianBlur.fusedTaps(20481));
	}

	@Test
	void theJavaBlurExtendsTheEdgeAsApplyDoes() {
		int h = 23, w = 31;
		double sigma = 2.0;
		float[] x = new float[h * w];
		SplittableRandom random = new SplittableRandom(5);
		for (int i = 0; i < x.length; i++) x[i] = (float) random.nextDouble();
		float[] expected = GaussianBlur.apply(manager.create(x, new Shape(1, 1, h, w)), sigma).toFloatArray();
		float[] k = GaussianBlur.kernel(sigma);
		int r = GaussianBlur.radius(sigma), pw = w + 2 * r, ph = h + 2 * r;
		float[] actual = new float[h * w];
		GaussianBlur.Separable blur = new GaussianBlur.Separable();
		blur.set(x, w, h, r);
		blur.apply(pw, ph, k, GaussianBlur.fusedTaps((long) pw * ph), GaussianBlur.fusedTaps((long) ph * w), actual);
		for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-6f, "pixel " + i);
	}
}
