package org.ldmfiji.pipeline.model;

import java.util.Locale;

/** What a model can be asked to do, by the names a card, a macro and the command line use. */
public enum ModelTask {
	SR("sr"), INPAINT("inpaint"), SYNTHESIZE("synthesize");

	private final String id;

	ModelTask(String id) {
		this.id = id;
	}

	/** The lower-case name: {@code sr}, {@code inpaint}, {@code synthesize}. */
	public String id() {
		return id;
	}

	public static ModelTask of(String id) {
		for (ModelTask t : values()) {
			if (t.id.equals(id.toLowerCase(Locale.ROOT))) return t;
		}
		throw new IllegalArgumentException("unknown task '" + id + "'; expected sr, inpaint or synthesize");
	}

	@Override
	public String toString() {
		return id;
	}
}
