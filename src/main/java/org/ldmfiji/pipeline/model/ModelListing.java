package org.ldmfiji.pipeline.model;

/** One model a registry found, or failed to read, with where it is: what {@code models} and List Models show. */
public final class ModelListing {

	private final String name;
	private final ModelFolder.Origin origin;
	private final String location;
	private final ModelCard card;
	private final String problem;
	private final boolean shadowed;

	ModelListing(String name, ModelFolder.Origin origin, String location, ModelCard card, String problem, boolean shadowed) {
		this.name = name;
		this.origin = origin;
		this.location = location;
		this.card = card;
		this.problem = problem;
		this.shadowed = shadowed;
	}

	public String name() {
		return name;
	}

	public ModelFolder.Origin origin() {
		return origin;
	}

	/** The folder, or for a bundled model its place in the jar. */
	public String location() {
		return location;
	}

	/** The card; null if the model could not be read (see {@link #problem()}). */
	public ModelCard card() {
		return card;
	}

	/** Why the model cannot be used; null if it can. */
	public String problem() {
		return problem;
	}

	/** True if a model of the same name found earlier (user folder, then Fiji.app, then bundled) takes precedence. */
	public boolean shadowed() {
		return shadowed;
	}

	/** The card in a few lines plus where it was found, or the problem. */
	public String describe() {
		String where = "  found: " + origin + ", " + location + (shadowed ? " (hidden by a model of the same name found earlier)" : "");
		if (card == null) return name + "  [UNUSABLE]\n" + where + "\n  problem: " + problem;
		return card.describe() + "\n" + where;
	}

	@Override
	public String toString() {
		return name + " (" + origin + ")";
	}
}
