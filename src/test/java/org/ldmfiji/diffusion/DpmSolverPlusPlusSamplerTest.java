package org.ldmfiji.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.ManagerPerClassTest;

/**
 * The solver over closed-form "models" against the official {@code DPM_Solver(..., "dpmsolver++").sample(order=2,
 * method="multistep", skip_type="time_uniform", lower_order_final=True)} in float64 (dpm-solver @ 52bc3fb, torch 2.13),
 * for step counts the fixtures do not cover: 2, under 10 (where the last update drops to first order), 10 and more;
 * for a noise-predicting model eps = 0.3·x + 0.0005·t and a data-predicting one x0 = 0.5·x − 0.0002·t (model_type
 * "x_start"), t being the timestep label the model sees. Starting point x_T = (1, −0.5, 2).
 */
class DpmSolverPlusPlusSamplerTest extends ManagerPerClassTest {

	private static final Schedule LINEAR = Schedule.make("linear", 1000, 0.0015, 0.0195, 8e-3);

	@ParameterizedTest(name = "{0}, {1} steps")
	@CsvSource({
		"eps, 2, 13.041160731720694, -51.3434221636604, 55.964215995308095",
		"eps, 5, 8.722260050849544, -26.62109382560925, 32.28449596848873",
		"eps, 9, 7.942263398699374, -21.722022024473826, 27.71845368081484",
		"eps, 10, 7.679875989965339, -20.43226298327505, 26.421301972125594",
		"eps, 12, 7.705578336168692, -20.26877002097644, 26.35514390759879",
		"eps, 25, 7.708477819689911, -19.855809179354303, 26.084669152386063",
		"x0, 2, 0.4563132881672226, -0.4283459717375725, 1.046086128103755",
		"x0, 5, 0.47890015776255507, -0.37121719050743296, 1.0456450566092137",
		"x0, 9, 0.4370428311175651, -0.32313954472400375, 0.9438310816786113",
		"x0, 10, 0.3130205891379533, -0.192588332829168, 0.6500932037827005",
		"x0, 12, 0.2911093799866043, -0.1800077051392091, 0.6051874367371464",
		"x0, 25, 0.2501964545763688, -0.16194895718004204, 0.5249600624139756"})
	void matchesTheOfficialSolver(String kind, int steps, double a, double b, double c) {
		try (NDManager m = manager.newSubManager()) {
			Parameterization p = Parameterization.of(kind);
			Denoiser model = p == Parameterization.EPS ? (x, t) -> x.mul(0.3f).add((float) (0.0005 * t))
				: (x, t) -> x.mul(0.5f).sub((float) (0.0002 * t));
			NDArray xT = m.create(new float[] {1f, -0.5f, 2f});
			NDArray out = new DpmSolverPlusPlusSampler(new NoiseScheduleVP(LINEAR), steps).sample(m, model, p, xT, null,
				StepCallback.NONE);
			// float32 tensors against float64: a few parts in 10⁶ of the largest value
			double[] expected = {a, b, c};
			double scale = Math.max(Math.abs(a), Math.max(Math.abs(b), Math.abs(c)));
			assertArrayEquals(expected, out.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray(), 1e-5 * scale);
		}
	}
}
