package org.ldmfiji.pipeline;

import org.ldmfiji.pipeline.image.Plane;

import java.util.Locale;

/**
 * Where a run is, as one line the user reads ("a.tif (2/5), plane 1/3, tile 2/4, step 7/20") and as the fraction
 * of the whole run done: files, then planes within a file, then steps within a plane. Fiji's status bar and the
 * command line's progress lines both show it, so both say the same thing.
 */
public final class ProgressText {

	private String file = "";
	private int fileNumber = 1;
	private int files = 1;
	private String plane = "";
	private int planeNumber = 1;
	private int planes = 1;
	private String tile = "";

	/** A file of a batch starts (1-based). */
	public void file(String name, int number, int count) {
		file = String.format(Locale.ROOT, "%s (%d/%d), ", name, number, count);
		fileNumber = number;
		files = count;
		plane = "";
		tile = "";
	}

	/** A plane starts; a single plane is not mentioned. */
	public void plane(Plane p) {
		plane = p.count > 1 ? String.format(Locale.ROOT, "plane %d/%d, ", p.number, p.count) : "";
		planeNumber = p.number;
		planes = p.count;
		tile = "";
	}

	/** A tile starts; an untiled run does not mention tiles. */
	public void tile(int j, int m) {
		tile = m > 1 ? String.format(Locale.ROOT, "tile %d/%d, ", j, m) : "";
	}

	/** The line for {@code what} at the current place: "a.tif (2/5), plane 1/3, " + what. */
	public String line(String what) {
		return file + plane + tile + what;
	}

	/** The line after a sampling step. */
	public String step(int step, int steps) {
		return line(String.format(Locale.ROOT, "step %d/%d", step, steps));
	}

	/** The fraction of the whole run done after a sampling step, in [0, 1]. */
	public double fraction(int step, int steps) {
		double withinFile = (planeNumber - 1 + step / (double) steps) / planes;
		return Math.max(0, Math.min(1, (fileNumber - 1 + withinFile) / files));
	}
}
