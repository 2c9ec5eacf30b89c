package org.ldmfiji.diffusion;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The one place where a sampler is chosen by name; adding a sampler is a class and a line here. */
public final class Samplers {

	/** What a sampler may be configured with; each sampler reads what it needs. */
	public static final class Settings {
		public final int steps;
		public final double eta;
		/** The config's {@code v_posterior} (DDPM's variance interpolation). */
		public final double vPosterior;

		public Settings(int steps, double eta, double vPosterior) {
			this.steps = steps;
			this.eta = eta;
			this.vPosterior = vPosterior;
		}
	}

	private interface Factory {
		Sampler create(Schedule schedule, Settings s);
	}

	/** How a sampler is made and what it accepts. */
	private static final class Entry {
		final Factory factory;
		final int minSteps;
		/** Whether eta may be other than 0 (the deterministic samplers refuse it). */
		final boolean takesEta;

		Entry(Factory factory, int minSteps, boolean takesEta) {
			this.factory = factory;
			this.minSteps = minSteps;
			this.takesEta = takesEta;
		}
	}

	private static final Map<String, Entry> SAMPLERS = new LinkedHashMap<>();

	static {
		SAMPLERS.put("ddim", new Entry((schedule, s) -> new DdimSampler(ddim(schedule, s)), 1, true));
		SAMPLERS.put("plms", new Entry((schedule, s) -> new PlmsSampler(ddim(schedule, s)), 1, false));
		SAMPLERS.put("ddpm", new Entry((schedule, s) -> new DdpmSampler(schedule, s.vPosterior, s.steps), 1, true));
		SAMPLERS.put("dpmpp2m", new Entry((schedule, s) -> new DpmSolverPlusPlusSampler(new NoiseScheduleVP(schedule), s.steps), 2, false));
	}

	private Samplers() {}

	/** The sampler names, in the order they are offered to users. */
	public static List<String> names() {
		return List.copyOf(SAMPLERS.keySet());
	}

	/** @throws IllegalArgumentException for an unknown name or settings the sampler refuses, in one line */
	public static Sampler create(String name, Schedule schedule, Settings settings) {
		return check(name, settings.steps, settings.eta).factory.create(schedule, settings);
	}

	/**
	 * Refuses, before any model is loaded, what the named sampler cannot use: an unknown name, too few steps, an
	 * eta other than 0 for a deterministic sampler.
	 *
	 * @throws IllegalArgumentException saying which, in one line
	 */
	public static void validate(String name, int steps, double eta) {
		check(name, steps, eta);
	}

	/** Whether the named sampler uses eta; the deterministic ones (plms, dpmpp2m) accept only 0. Unknown names: true. */
	public static boolean takesEta(String name) {
		Entry e = SAMPLERS.get(name == null ? "" : name.toLowerCase(Locale.ROOT));
		return e == null || e.takesEta;
	}

	private static Entry check(String name, int steps, double eta) {
		Entry e = SAMPLERS.get(name == null ? "" : name.toLowerCase(Locale.ROOT));
		if (e == null) {
			throw new IllegalArgumentException("unknown sampler '" + name + "' (one of " + String.join(", ", names()) + ")");
		}
		if (steps < e.minSteps) throw new IllegalArgumentException("the " + name + " sampler needs at least " + e.minSteps + " steps, not " + steps);
		if (!e.takesEta && eta != 0) throw new IllegalArgumentException("the " + name + " sampler needs eta = 0, not " + eta);
		return e;
	}

	private static DdimSchedule ddim(Schedule schedule, Settings s) {
		return new DdimSchedule(schedule, s.steps, s.eta, DdimSchedule.Discretization.UNIFORM);
	}
}
