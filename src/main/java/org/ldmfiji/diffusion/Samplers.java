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

	private static final Map<String, Factory> FACTORIES = new LinkedHashMap<>();

	static {
		FACTORIES.put("ddim", (schedule, s) -> new DdimSampler(ddim(schedule, s)));
		FACTORIES.put("plms", (schedule, s) -> new PlmsSampler(ddim(schedule, s)));
		FACTORIES.put("ddpm", (schedule, s) -> new DdpmSampler(schedule, s.vPosterior, s.steps));
	}

	private Samplers() {}

	/** The sampler names, in the order they are offered to users. */
	public static List<String> names() {
		return List.copyOf(FACTORIES.keySet());
	}

	/** @throws IllegalArgumentException for an unknown name or settings the sampler refuses, in one line */
	public static Sampler create(String name, Schedule schedule, Settings settings) {
		Factory f = FACTORIES.get(name == null ? "" : name.toLowerCase(Locale.ROOT));
		if (f == null) {
			throw new IllegalArgumentException("unknown sampler '" + name + "' (one of " + String.join(", ", names()) + ")");
		}
		return f.create(schedule, settings);
	}

	private static DdimSchedule ddim(Schedule schedule, Settings s) {
		return new DdimSchedule(schedule, s.steps, s.eta, DdimSchedule.Discretization.UNIFORM);
	}
}
