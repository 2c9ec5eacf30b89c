package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.SplittableRandom;

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

	/**
	 * The noise is computed in Java on libtorch's random numbers; it must be the noise the same steps give all in
	 * libtorch (resumed training runs and pinned evaluation images depend on it), bit for bit: around the switch from
	 * exact to approximate counts, at clipped intensities, with and without read noise, on a size with a ragged end.
	 */
	@ParameterizedTest(name = "{0} photons, read noise {1}")
	@CsvSource({"250, 0.01", "60, 0.02", "1000, 0", "7, 0", "0, 0.05"})
	void theNoiseIsTheAllLibtorchNoiseBitForBit(double photons, double readNoise) {
		int n = 40_003;
		float[] clean = new float[n];
		SplittableRandom random = new SplittableRandom(6);
		for (int i = 0; i < n; i++) clean[i] = (float) random.nextDouble(-0.05, 60 / Math.max(photons, 1) + 0.05);
		PoissonGaussianNoise noise = new PoissonGaussianNoise(photons, readNoise);
		Shape shape = new Shape(1, 1, 1, n);
		float[] actual = Inference.seeded(3, () -> noise.apply(manager.create(clean, shape)).toFloatArray());
		float[] expected = Inference.seeded(3, () -> allLibtorch(noise, manager.create(clean, shape)).toFloatArray());
		for (int i = 0; i < n; i++) {
			assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "pixel " + i + " at " + clean[i]);
		}
	}

	/** The noise as it was drawn before it moved to Java: every step a libtorch op. */
	private static NDArray allLibtorch(PoissonGaussianNoise noise, NDArray clean) {
		NDArray x = clean.clip(0f, 1f);
		if (noise.photons > 0) {
			NDArray lambda = x.mul((float) noise.photons);
			NDManager m = lambda.getManager();
			Shape s = lambda.getShape();
			NDArray small = lambda.minimum((float) PoissonGaussianNoise.EXACT_BELOW);
			NDArray uniform = m.randomUniform(0f, 1f, s);
			NDArray p = small.neg().exp();
			NDArray cumulative = p;
			NDArray exact = uniform.gt(cumulative).toType(lambda.getDataType(), false);
			for (int k = 1; k < 56; k++) {
				p = p.mul(small).div(k);
				cumulative = cumulative.add(p);
				exact = exact.add(uniform.gt(cumulative).toType(lambda.getDataType(), false));
			}
			NDArray normal = lambda.add(lambda.sqrt().mul(m.randomNormal(s))).round().maximum(0f);
			x = NDArrays.where(lambda.lt((float) PoissonGaussianNoise.EXACT_BELOW), exact, normal).div((float) noise.photons);
		}
		if (noise.readNoise > 0) x = x.add(clean.getManager().randomNormal(0f, (float) noise.readNoise, x.getShape(), x.getDataType()));
		return x.clip(0f, 1f);
	}
}
