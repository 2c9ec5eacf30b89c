package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

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
}
