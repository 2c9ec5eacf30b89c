package org.ldmfiji.cli;

import org.ldmfiji.pipeline.ProgressText;
import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.pipeline.image.Plane;

import java.io.PrintWriter;

/**
 * Progress on stderr: rewritten in place on a terminal, one line per update otherwise (a log file, a pipe, a
 * batch system), so that nothing is lost and nothing is garbled.
 */
final class Progress implements TaskMonitor {

	private final PrintWriter out;
	private final boolean terminal = System.console() != null;
	private boolean open;

	void show(String line) {
		if (terminal) {
			out.print("\r" + line + "\u001b[K");
			out.flush();
			open = true;
		} else {
			out.println(line);
			out.flush();
		}
	}

	/** Ends an in-place line so the next output starts on a fresh one. */
	void done() {
		if (open) out.println();
		open = false;
	}

	Progress(PrintWriter out) {
		this.out = out;
	}

	/** A line of its own (a message between progress lines). */
	void say(String line) {
		done();
		out.println(line);
		out.flush();
	}

	private final ProgressText where = new ProgressText();

	/** Names the file being worked on (batch runs). */
	void file(String name, int number, int count) {
		where.file(name, number, count);
	}

	@Override
	public void plane(Plane p) {
		where.plane(p);
	}

	private String grid = "";

	/** The tile grid on a line of its own, once for a run of planes or files that all tile alike. */
	@Override
	public void tiling(String line) {
		if (line.equals(grid)) return;
		grid = line;
		say(line);
	}

	@Override
	public void tile(int j, int m) {
		where.tile(j, m);
	}

	@Override
	public void step(int step, int steps) {
		show(where.step(step, steps));
	}

	/** Ctrl-C or SIGTERM: the command line's cancel. */
	@Override
	public boolean isCanceled() {
		return SignalStop.requested();
	}
}
