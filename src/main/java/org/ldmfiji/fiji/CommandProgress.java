package org.ldmfiji.fiji;

import ij.IJ;
import org.ldmfiji.pipeline.ProgressText;
import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.pipeline.image.Plane;
import org.scijava.Cancelable;
import org.scijava.app.StatusService;


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
	private final ProgressText where = new ProgressText();

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
		where.file(name, number, count);
		show(message(where.line("starting")), (number - 1) / (double) count);
	}

	@Override
	public void plane(Plane p) {
		where.plane(p);
	}

	@Override
	public void tile(int j, int m) {
		where.tile(j, m);
	}

	@Override
	public void step(int step, int steps) {
		show(message(where.step(step, steps)), where.fraction(step, steps));
	}

	/** A training run's line ("step 120/1000  loss ...") and how far it has got. */
	void training(String line, double fraction) {
		show(message(line), fraction);
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

	private String message(String line) {
		return title + ": " + line;
	}

	private void show(String message, double fraction) {
		int value = (int) Math.round(fraction * BAR);
		if (status != null) status.showStatus(value, BAR, message);
		if (imagej1Window) {
			IJ.showStatus(message);
			IJ.showProgress(value, BAR);
		}
	}
}
