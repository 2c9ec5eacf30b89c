package org.ldmfiji.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.io.Opener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.Fixtures;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** The command line as a new user meets it: every mistake is one line and a non-zero status, found before any work. */
class CliTest {

	@TempDir
	Path tmp;

	/** Runs the command line; returns {exit status, stderr}. */
	static String[] run(String... args) {
		CommandLine cl = LdmCli.commandLine();
		StringWriter err = new StringWriter();
		cl.setErr(new PrintWriter(err));
		int status = cl.execute(args);
		return new String[] {Integer.toString(status), err.toString().trim()};
	}

	private static String cin(String file) {
		return Fixtures.bundledCase("cin").resolve(file).toString();
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"synthesize --size 32 -o out.tif | 2 | error: Expected parameter 2 (of 2 mandatory parameters) for option '--size' but found '-o'",
		"synthesize -o out.tif --steps many | 2 | error: Invalid value for option '--steps': 'many' is not an int",
		"frobnicate | 2 | error: Unmatched argument at index 0: 'frobnicate'",
		"synthesize --sampler foo -o out.tif | 1 | error: unknown sampler 'foo' (one of ddim, plms, ddpm)",
		"synthesize -n 2 -o out.png | 1 | error: a result of 2 images needs a .tif output, not out.png",
		"synthesize -o out.jpg | 1 | error: output out.jpg must end in .tif, .tiff or .png",
	})
	void mistakesAreOneLineWithANonZeroStatus(String args, int status, String message) {
		String[] r = run(args.split(" "));
		assertEquals(Integer.toString(status), r[0], r[1]);
		assertEquals(message, r[1].lines().findFirst().orElse(""));
		assertFalse(r[1].contains("Exception"), r[1]);
	}

	@Test
	void missingFilesAreNamed() {
		String[] r = run("info", "--model", cin("config.yaml"), "--weights", "/nonexistent.ckpt");
		assertEquals("1", r[0]);
		assertEquals("error: weights file /nonexistent.ckpt not found", r[1]);
		r = run("info", "--model", "no-such-config.yaml", "--weights", cin("model.ckpt"));
		assertEquals("1", r[0]);
		assertTrue(r[1].matches("error: model config .*no-such-config.yaml not found"), r[1]);
		r = run("synthesize", "-o", "out.tif", "--model", "no-such-model");
		assertEquals("1", r[0]);
		assertTrue(r[1].startsWith("error: no model named 'no-such-model'; known models: "), r[1]);
	}

	@Test
	void synthesizeWritesTheImages() throws Exception {
		Path out = tmp.resolve("sub/two.tif");
		String[] r = run("synthesize", "--model", cin("config.yaml"), "--weights", cin("model.ckpt"), "--class", "3",
			"--steps", "2", "-n", "2", "--size", "32", "32", "-o", out.toString());
		assertEquals("0", r[0], r[1]);
		assertTrue(Files.exists(out));
		ImagePlus imp = new Opener().openImage(out.toString());
		assertEquals(32, imp.getWidth());
		assertEquals(2, imp.getStackSize());
		assertEquals(ImagePlus.COLOR_RGB, imp.getType());
	}

	@Test
	void everySubcommandHasHelp() {
		for (String sub : LdmCli.commandLine().getSubcommands().keySet()) {
			CommandLine cl = LdmCli.commandLine();
			StringWriter out = new StringWriter();
			cl.setOut(new PrintWriter(out));
			assertEquals(0, cl.execute(sub, "--help"), sub);
			assertTrue(out.toString().startsWith("Usage: ldm-cli " + sub), out.toString());
		}
	}
}
