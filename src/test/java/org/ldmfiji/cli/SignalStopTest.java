package org.ldmfiji.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * SIGTERM to a running command, as {@code kill} or a batch system sends it: a real command line in its own JVM, stopped
 * while it samples. It must stop between two steps and exit as cancelled, not crash inside libtorch on the way out, and
 * leave no output file behind.
 */
class SignalStopTest {

	private static final int STEPS = 500;
	private static final Pattern STEP = Pattern.compile("step (\\d+)/(\\d+)");

	@TempDir
	Path tmp;

	@Test
	void sigtermStopsSuperResolutionBetweenStepsAndWritesNothing() throws Exception {
		Path out = tmp.resolve("sr.tif");
		Path stderr = tmp.resolve("stderr.txt");
		List<String> command = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
			"-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), LdmCli.class.getName(),
			"sr", Paths.get("test-images", "fluorescence_16bit.tif").toAbsolutePath().toString(), "-o", out.toString(),
			"--model", "tiny-sr-test", "--steps", Integer.toString(STEPS));
		// its working directory is where the JVM would write an hs_err_pid file
		Process p = new ProcessBuilder(command).directory(tmp.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(stderr.toFile()).start();
		try {
			awaitStep(p, stderr, 180);
			p.destroy(); // SIGTERM
			assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the command did not exit within 180 s of SIGTERM:\n" + read(stderr));
		} finally {
			p.destroyForcibly();
		}
		String log = read(stderr);
		int status = p.exitValue();
		assertFalse(status == 134 || status == 139, "crashed with status " + status + ":\n" + log);
		try (Stream<Path> files = Files.list(tmp)) {
			List<String> crashLogs = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("hs_err_pid"))
				.collect(Collectors.toList());
			assertEquals(List.of(), crashLogs, log);
		}
		assertEquals(143, status, "exit status after SIGTERM (128 + 15):\n" + log);
		assertFalse(Files.exists(out), "an output was written:\n" + log);
		assertTrue(log.lines().anyMatch(l -> l.equals("cancelled: no partial output written")),
			"the command did not stop through its cancellation:\n" + log);
		assertTrue(lastStep(log) < STEPS, "sampling ran to its end:\n" + log);
	}

	/** Waits until the command reports a finished sampling step: SIGTERM then lands in the middle of the sampling. */
	private static void awaitStep(Process p, Path stderr, int seconds) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		while (System.nanoTime() < deadline) {
			if (lastStep(read(stderr)) > 0) return;
			if (!p.isAlive()) fail("the command ended (status " + p.exitValue() + ") before its first step:\n" + read(stderr));
			Thread.sleep(100);
		}
		fail("no sampling step within " + seconds + " s:\n" + read(stderr));
	}

	private static int lastStep(String log) {
		int last = 0;
		Matcher m = STEP.matcher(log);
		while (m.find()) last = Integer.parseInt(m.group(1));
		return last;
	}

	private static String read(Path file) throws IOException {
		return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
	}
}
