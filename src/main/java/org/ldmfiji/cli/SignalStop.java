package org.ldmfiji.cli;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) and SIGTERM while a command runs. The JVM answers either by running its shutdown hooks and then
 * exiting; left alone it exits while the main thread is still inside a libtorch call, and native state torn down under
 * that call can crash the process (SIGSEGV in libtorch, an hs_err file, status 134). The hook installed here instead
 * asks the command to stop at its next check (between two sampling steps or tiles, as Fiji's cancel does: the
 * progress monitors ask {@link #requested()}), and holds the exit until the command has returned, so that no native
 * call is in flight and no half-made result is written. The JVM then exits with 128 + the signal's number (130, 143).
 */
final class SignalStop implements AutoCloseable {

	/**
	 * How long the exit waits for the command: a sampling step of a large tile or a training checkpoint can take
	 * minutes on a CPU, but a command that never looks (a benchmark of training steps) must not hold the exit forever.
	 */
	static final long WAIT_MINUTES = 10;

	private static volatile boolean requested;

	private final CountDownLatch returned = new CountDownLatch(1);
	private final Thread hook = new Thread(this::stopAndWait, "stop on signal");

	private SignalStop() {}

	/** Installs the hook for the command about to run; {@link #close()} when it has returned. */
	static SignalStop install() {
		SignalStop stop = new SignalStop();
		Runtime.getRuntime().addShutdownHook(stop.hook);
		return stop;
	}

	/** Whether a signal asked the command to stop; its progress monitor passes this on to the pipeline. */
	static boolean requested() {
		return requested;
	}

	/** For loops with no monitor to ask (the denoiser benchmark): throws {@link CancellationException} once stopped. */
	static void check() {
		if (requested) throw new CancellationException("cancelled");
	}

	private void stopAndWait() {
		requested = true;
		try {
			if (!returned.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
				System.err.println("error: the command did not stop within " + WAIT_MINUTES + " minutes of the signal; exiting anyway");
			}
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/** The command has returned, its native memory freed: the exit may go on. */
	@Override
	public void close() {
		returned.countDown();
		try {
			Runtime.getRuntime().removeShutdownHook(hook);
		} catch (IllegalStateException exiting) {
			// the hook is running: released above, it lets the JVM exit now
		}
	}
}
