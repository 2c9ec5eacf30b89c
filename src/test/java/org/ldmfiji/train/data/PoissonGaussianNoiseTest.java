package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.testing.ManagerPerClassTest;

class PoissonGaussianNoiseTest extends ManagerPerClassTest {

	/** Mean and variance of the counts equal the expected count, on both sides of the exact/approximate switch. */
	@ParameterizedTest(name = "{0} photons")
	@CsvSource({"0.5", "3", "12", "23.5", "24", "80"})
	void shotNoiseHasPoissonMeanAndVariance(double lambda) {
		int n = 60_000;
		double photons = 1000;
		PoissonGaussianNoise noise = new PoissonGaussianNoise(photons, 0);
		float[] counts = Inference.seeded(1, () -> {
			NDArray clean = manager.full(new Shape(n), (float) (lambda / photons));
			return noise.apply(clean).mul((float) photons).toFloatArray();
		});
		double mean = 0, square = 0;
		for (float c : counts) {
			assertEquals(Math.rint(c), c, 1e-3, "counts are whole numbers");
			mean += c;
			square += (double) c * c;
		}
		mean /= n;
		double variance = square / n - mean * mean;
		// five standard errors
		assertEquals(lambda, mean, 5 * Math.sqrt(lambda / n) + 1e-3, "mean");
		assertEquals(lambda, variance, 5 * lambda * Math.sqrt(2.0 / n) + 0.02 * lambda, "variance");
	}

	@ParameterizedTest(name = "read noise {0}")
	@CsvSource({"0.01", "0.05"})
	void readNoiseIsGaussianOfTheGivenSpread(double sigma) {
		int n = 100_000;
		float[] v = Inference.seeded(2, () -> new PoissonGaussianNoise(0, sigma).apply(manager.full(new Shape(n), 0.5f)).toFloatArray());
		double mean = 0, square = 0;
		for (float x : v) {
			mean += x;
			square += (double) x * x;
		}
		mean /= n;
		double sd = Math.sqrt(square / n - mean * mean);
		assertEquals(0.5, mean, 5 * sigma / Math.sqrt(n));
		assertEquals(sigma, sd, 0.02 * sigma);
		assertTrue(new PoissonGaussianNoise(0, 0).apply(manager.full(new Shape(3), 0.25f)).toFloatArray()[0] == 0.25f);
	}
}
