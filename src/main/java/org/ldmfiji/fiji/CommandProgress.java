package org.ldmfiji.fiji;

import ij.IJ;
import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.pipeline.image.Plane;
import org.scijava.Cancelable;
import org.scijava.app.StatusService;

import java.util.Locale;

/**
 * A command's progress as Fiji shows it: "Super-Resolution: file a.tif 2/5, plane 1/3, tile 2/4, step 7/20" in
 * SciJava's status (and ImageJ 1's status bar and progress bar when ImageJ 1 has a window). The run stops when the
 * command is cancelled (its module's cancel) or when Esc is pressed in ImageJ while it runs.
 */
final class CommandProgress implements TaskMonitor {

	/** The cancel reason when the user pressed Esc. */
	static final String ESCAPE = "cancelled (Esc pressed)";
	private static final int BAR = 1000;

	private final String title;
	private final StatusService status;
	private final Cancelable command;
	private final boolean imagej1Window = IJ.getInstance() != null;
	private String file = "";
	private int fileNumber = 1;
	private int files = 1;
	private String plane = "";
	private int planeNumber = 1;
	private int planes = 1;
	private String tile = "";

	/** @param status null where the context has no status service */
	CommandProgress(String title, StatusService status, Cancelable command) {
		this.title = title;
		this.status = status;
		this.command = command;
		// Esc counts from now: an Esc pressed before this command started was meant for something else
		IJ.resetEscape();
	}

	/** Names the file being worked on (Process Folder). */
	void file(String name, int number, int count) {
		file = String.format(Locale.ROOT, "%s %d/%d, ", name, number, count);
		fileNumber = number;
		files = count;
		plane = "";
		tile = "";
		show(message("starting"), 0);
	}

	@Override
	public void plane(Plane p) {
		plane = p.count > 1 ? String.format(Locale.ROOT, "plane %d/%d, ", p.number, p.count) : "";
		planeNumber = p.number;
		planes = p.count;
		tile = "";
	}

	@Override
	public void tile(int j, int m) {
		tile = m > 1 ? String.format(Locale.ROOT, "tile %d/%d, ", j, m) : "";
	}

	@Override
	public void step(int step, int steps) {
		// the bar covers the whole run: files, then planes within a file, then steps within a plane
		double withinFile = (planeNumber - 1 + step / (double) steps) / planes;
		show(message(String.format(Locale.ROOT, "step %d/%d", step, steps)), (fileNumber - 1 + withinFile) / files);
	}

	/** The command's own cancel, or Esc in ImageJ. */
	@Override
	public boolean isCanceled() {
		return command.isCanceled() || IJ.escapePressed();
	}

	/** Why the run stopped: the cancel's reason, or Esc. */
	String cancelReason() {
		if (command.isCanceled()) {
			String reason = command.getCancelReason();
			return reason == null || reason.isBlank() ? "cancelled" : reason;
		}
		return ESCAPE;
	}

	/** Clears the status and the progress bar. */
	void done() {
		if (status != null) status.clearStatus();
		if (imagej1Window) {
			IJ.showStatus("");
			IJ.showProgress(1.0); // ImageJ hides its bar at 1
		}
	}

	private String message(String what) {
		return title + ": " + file + plane + tile + what;
	}

	private void show(String message, double fraction) {
		int value = (int) Math.round(Math.max(0, Math.min(1, fraction)) * BAR);
		if (status != null) status.showStatus(value, BAR, message);
		if (imagej1Window) {
			IJ.showStatus(message);
			IJ.showProgress(value, BAR);
		}
	}
}
