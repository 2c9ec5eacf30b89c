package org.ldmfiji.cli;

import org.ldmfiji.diffusion.StepCallback;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: rewritten in place on a terminal, one line per update otherwise (a log file, a pipe, a
 * batch system), so that nothing is lost and nothing is garbled.
 */
final class Progress {

	private final PrintStream out = System.err;
	private final boolean terminal = System.console() != null;
	private boolean open;

	void show(String line) {
		if (terminal) {
			out.print("\r" + line + "\u001b[K");
			open = true;
		} else {
			out.println(line);
		}
	}

	/** Ends an in-place line so the next output starts on a fresh one. */
	void done() {
		if (open) out.println();
		open = false;
	}

	/** Reports each sampling step, prefixed with {@code what} (e.g. "image 2/5, "). */
	StepCallback steps(String what) {
		return (step, total, t, x, x0) -> {
			show(String.format(Locale.ROOT, "%sstep %d/%d (t=%d)", what, step + 1, total, t));
			return true;
		};
	}
}
