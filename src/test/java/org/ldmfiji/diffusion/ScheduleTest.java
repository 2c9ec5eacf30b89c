package org.ldmfiji.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Schedules and DDIM sub-sequences against values printed by the reference's make_beta_schedule /
 * make_ddim_timesteps (torch 2.13, float64), for the schedule kinds the fixtures do not cover.
 */
class ScheduleTest {

	@ParameterizedTest(name = "{0}")
	@CsvSource({
		"linear,      0.0015,                0.007945156998524846, 0.0195,             1.4230397519201775e-04",
		"cosine,      4.128422482196914e-05, 0.0031458862304780677, 0.999,             2.4287669070348542e-09",
		"sqrt_linear, 0.0015,                0.01049099099099099,  0.0195,             2.5692025264026525e-05",
		"sqrt,        0.03872983346207417,   0.102425538763489,    0.1396424004376894, 4.695078073920069e-46"})
	void betasAndCumulativeProductMatchTheReference(String kind, double b0, double b499, double b999, double ac999) {
		Schedule s = Schedule.make(kind, 1000, 0.0015, 0.0195, 8e-3);
		assertEquals(b0, s.beta(0), 1e-15 * Math.max(1, b0 * 1e3));
		assertEquals(b499, s.beta(499), 1e-15);
		assertEquals(b999, s.beta(999), 1e-15);
		assertEquals(ac999, s.alphaCumprod(999), Math.abs(ac999) * 1e-10);
	}

	@Test
	void unknownScheduleIsRefusedByName() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.make("quadratic", 1000, 0, 0, 0));
		assertEquals(true, e.getMessage().contains("quadratic"));
	}

	@Test
	void ddimSubsequencesFollowTheReference() {
		Schedule s = Schedule.make("linear", 1000, 0.0015, 0.0195, 8e-3);
		assertArrayEquals(new int[] {1, 101, 201, 301, 401, 501, 601, 701, 801, 901},
			new DdimSchedule(s, 10, 0, DdimSchedule.Discretization.UNIFORM).timesteps());
		// T // S does not divide T: the reference takes range(0, T, 33), i.e. 31 steps
		assertEquals(31, new DdimSchedule(s, 30, 0, DdimSchedule.Discretization.UNIFORM).size());
		assertArrayEquals(new int[] {1, 23, 89, 201, 356, 556, 801},
			new DdimSchedule(s, 7, 0, DdimSchedule.Discretization.QUAD).timesteps());
		// S = 3: the reference's last timestep would be 1000, past the schedule; it is left out
		assertArrayEquals(new int[] {1, 334, 667}, new DdimSchedule(s, 3, 0, DdimSchedule.Discretization.UNIFORM).timesteps());
	}

	@Test
	void firstPreviousAlphaIsTheFirstCumulativeAlphaNotOne() {
		Schedule s = Schedule.make("linear", 1000, 0.0015, 0.0155, 8e-3);
		DdimSchedule d = new DdimSchedule(s, 50, 0, DdimSchedule.Discretization.UNIFORM);
		assertEquals((float) s.alphaCumprod(0), d.alphaPrev(0));
		assertEquals(0f, d.sigma(10));
	}
}
