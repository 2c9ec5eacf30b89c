package org.ldmfiji.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The continuous-time schedule against values printed by the official {@code NoiseScheduleVP('discrete', alphas_cumprod,
 * dtype=torch.float64)} (dpm-solver @ 52bc3fb, torch 2.13) from the float32 alphas_cumprod of the reference's schedules:
 * at keypoints, between them, below the first one (extrapolated), and for a cosine schedule that the solver clips.
 * The official keypoint times come from a float32 {@code torch.linspace} even with dtype float64 (0.9 is 0.89999998),
 * ours are exact: between keypoints the two differ by a few parts in 10⁸, hence the tolerance of 1e-7 relative.
 */
class NoiseScheduleVPTest {

	private static final Schedule LINEAR = Schedule.make("linear", 1000, 0.0015, 0.0195, 8e-3);
	private static final Schedule COSINE = Schedule.make("cosine", 1000, 0.0015, 0.0195, 8e-3);

	@ParameterizedTest(name = "{0} t = {1}")
	@CsvSource({
		"linear, 1.0,    -4.4287725442912365,     0.9999288454788303,   -4.428701387238464",
		"linear, 0.9001, -3.514428025033631,      0.9995569295055245,   -3.513984856354421",
		"linear, 0.5005, -1.0797521431326615,     0.9405411721682372,   -1.0184522888268235",
		"linear, 0.1,    -0.0961347666500156,     0.4182290630937604,    0.775591232071382",
		"linear, 0.001,  -0.0007505682803862555,  0.038729967968660954,  3.2503910442174937",
		"linear, 0.0005, -0.0003733299585305051,  0.027319978695259286,  3.599763694143456",
		"cosine, 1.0,    -5.077775153209398,      0.999980569912124,    -5.077755722932755",
		"cosine, 0.9001, -1.8288386461470363,     0.9870195786817926,   -1.8157732429586728",
		"cosine, 0.5005, -0.35040437988991174,    0.7098000789426486,   -0.0076324523383226595",
		"cosine, 0.1,    -0.01404662012740326,    0.16644006341962148,   1.779073393704128",
		"cosine, 0.001,  -2.0561162899067684e-05, 0.006412603237913496,  5.049469407972257"})
	void marginalsMatchTheOfficialSchedule(String kind, double t, double logAlpha, double sigma, double lambda) {
		NoiseScheduleVP s = new NoiseScheduleVP(kind.equals("linear") ? LINEAR : COSINE);
		assertEquals(logAlpha, s.logAlpha(t), 1e-7 * Math.abs(logAlpha));
		assertEquals(sigma, s.sigma(t), 1e-7 * sigma);
		assertEquals(lambda, s.lambda(t), 1e-7 * Math.max(1, Math.abs(lambda)));
	}

	@Test
	void aCosineScheduleLosesItsNoisiestStepsAndTheTimeAxisStretches() {
		// the official solver drops the 4 last steps (λ < −5.1) and spreads t = 1/N .. 1 over the 996 left
		NoiseScheduleVP s = new NoiseScheduleVP(COSINE);
		assertEquals(996, s.totalN());
		assertEquals(1000, new NoiseScheduleVP(LINEAR).totalN());
		assertEquals((1 - 1.0 / 996) * 1000, s.modelTime(1.0), 1e-9);
	}

	@Test
	void atTheDiscreteStepsAlphaIsTheSquareRootOfTheCumulativeProduct() {
		NoiseScheduleVP s = new NoiseScheduleVP(LINEAR);
		float[] ac = LINEAR.alphasCumprodF32();
		for (int n : new int[] {0, 1, 99, 500, 998, 999}) {
			double t = (n + 1) / 1000.0;
			assertEquals(n, s.modelTime(t), 1e-9);
			assertEquals(Math.sqrt(ac[n]), s.alpha(t), 1e-12);
		}
	}

	@Test
	void tenTimeUniformStepsShowTheNetworkTheReferenceLabels() {
		DpmSolverPlusPlusSampler sampler = new DpmSolverPlusPlusSampler(new NoiseScheduleVP(LINEAR), 10);
		// the reference's labels, computed in float32: 899.0999755859375, …, 499.5000305175781, …
		double[] reference = {999.0, 899.0999755859375, 799.2000122070312, 699.2999877929688, 599.3999633789062,
			499.5000305175781, 399.6000061035156, 299.70001220703125, 199.8000030517578, 99.9000015258789};
		assertArrayEquals(reference, sampler.modelTimes(), 1e-4);
		assertEquals(10, sampler.steps());
		assertArrayEquals(new double[] {1.0, 0.5005, 0.001}, new NoiseScheduleVP(LINEAR).timeUniform(2), 1e-15);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"dpmpp2m | 1  | 0   | the dpmpp2m sampler needs at least 2 steps, not 1",
		"dpmpp2m | 20 | 0.5 | the dpmpp2m sampler needs eta = 0, not 0.5",
		"plms    | 20 | 1   | the plms sampler needs eta = 0, not 1.0",
		"euler   | 20 | 0   | unknown sampler 'euler' (one of ddim, plms, ddpm, dpmpp2m)"})
	void samplersRefuseWhatTheyCannotUse(String name, int steps, double eta, String message) {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> Samplers.create(name, LINEAR, new Samplers.Settings(steps, eta, 0)));
		assertEquals(message, e.getMessage());
	}
}
