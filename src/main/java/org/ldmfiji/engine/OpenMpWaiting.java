package org.ldmfiji.engine;

import com.sun.jna.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Makes libtorch's OpenMP threads (libgomp) sleep while they wait for work instead of spinning, by setting
 * {@code OMP_WAIT_POLICY=PASSIVE} in the process's environment before libtorch loads (libgomp reads it once, when
 * it is loaded). Only where the user has not set it.
 *
 * <p>Why: a spinning worker burns its core while waiting at the end of every parallel op. On a machine whose cores
 * are shared (Fiji's own threads, other programs) the spinners and the work they wait for compete for the same
 * cores, and every op waits for a descheduled thread. Measured on 2 vCPUs at a load average of 9–15: one bsr_sr
 * denoiser step at a 64² latent took 5.4–14.9 s of wall and 3.2–4.8 s of CPU time spinning, 1.0–1.8 s and
 * 0.8–1.1 s passive. On an idle machine, though, passive waiting costs every op a wake-up: the same step took
 * 424–562 ms passive against 378–384 ms spinning (2 threads, load average 1.2–1.6, the runs alternating), so
 * it is off by default and meant for shared machines.
 *
 * <p>Linux with glibc only (elsewhere nothing is done). Enabled with {@code -Dldm.omp.passive=true}.
 */
public final class OpenMpWaiting {

	/** System property; {@code true} sets the passive policy, anything else leaves libgomp's default (spin, then sleep). */
	public static final String PROPERTY = "ldm.omp.passive";

	static final String VARIABLE = "OMP_WAIT_POLICY";

	private static final Logger LOG = LoggerFactory.getLogger(OpenMpWaiting.class);

	private static boolean done;

	private OpenMpWaiting() {}

	/** Sets the policy once per process; call before libtorch loads (later it has no effect). Never fails. */
	public static synchronized void configure() {
		if (done) return;
		done = true;
		if (!"true".equalsIgnoreCase(System.getProperty(PROPERTY, "false").trim())) return;
		if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return;
		try {
			// overwrite = 0: a policy the user chose stays
			int r = NativeLibrary.getInstance("libc.so.6").getFunction("setenv").invokeInt(new Object[] {VARIABLE, "PASSIVE", 0});
			LOG.debug("{}=PASSIVE for libgomp unless set: {}", VARIABLE, r == 0 ? "ok" : "setenv failed");
		} catch (LinkageError | RuntimeException e) {
			LOG.debug("OpenMP wait policy left alone: {}", e.toString());
		}
	}
}
