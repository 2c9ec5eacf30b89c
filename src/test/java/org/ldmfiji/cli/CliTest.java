package org.ldmfiji.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.io.Opener;
import org.junit.jupiter.api.Test;
import org.ldmfiji.nn.Precision;
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

	/** Runs the command line; returns {exit status, stderr: progress, messages and the error line}. */
	static String[] run(String... args) {
		CommandLine cl = LdmCli.commandLine();
		StringWriter err = new StringWriter();
		cl.setErr(new PrintWriter(err));
		int status = cl.execute(args);
		String all = err.toString().trim();
		return new String[] {Integer.toString(status), all};
	}

	private static String cin(String file) {
		return Fixtures.bundledCase("cin").resolve(file).toString();
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"synthesize --size 32 -o out.tif | 2 | error: Expected parameter 2 (of 2 mandatory parameters) for option '--size' but found '-o'",
		"synthesize -o out.tif --steps many | 2 | error: Invalid value for option '--steps': 'many' is not an int",
		"frobnicate | 2 | error: Unmatched argument at index 0: 'frobnicate'",
		"synthesize --model tiny-cin-test --sampler foo -o out.tif | 1 | error: unknown sampler 'foo' (one of ddim, plms, ddpm, dpmpp2m)",
		"synthesize -n 2 -o out.png | 1 | error: a result of 2 images needs a .tif output, not out.png",
		"synthesize -o out.jpg | 1 | error: output out.jpg must end in .tif, .tiff or .png",
		"train --run target/no-such-run | 1 | error: a new run needs a config (target/no-such-run holds no run to resume)",
		"train --run target/no-such-run --config no-such.yaml | 1 | error: no-such.yaml: no such config file",
		"synthesize --model tiny-cin-test --precision fp16 -o out.tif | 1 | error: precision 'fp16' not understood; expected fp32 or bf16",
		"bench --arch bsr_sr --precision fp16 | 1 | error: precision 'fp16' not understood; expected fp32 or bf16",
		"bench --arch bsr_sr --model tiny-sr-test --task sr | 1 | error: give --arch, or --model with --task sr",
		"bench --model tiny-sr-test | 1 | error: give --arch, or --model with --task sr",
		"sr test-images/fluorescence_16bit.tif --max-memory -1 -o out.tif | 1 | error: max memory must be 0 (automatic) or a positive number of MiB, not -1",
	})
	void mistakesAreOneLineWithANonZeroStatus(String args, int status, String message) {
		String[] r = run(args.split(" "));
		assertEquals(Integer.toString(status), r[0], r[1]);
		assertEquals(message, r[1].lines().filter(l -> l.startsWith("error: ")).findFirst().orElse(r[1]));
		assertFalse(r[1].contains("Exception"), r[1]);
	}

	@Test
	void missingFilesAreNamed() {
		String[] r = run("info", "--model", cin("config.yaml"), "--weights", "/nonexistent.ckpt");
		assertEquals("1", r[0]);
		assertTrue(r[1].endsWith("error: weights file /nonexistent.ckpt not found"), r[1]);
		r = run("info", "--model", "no-such-config.yaml", "--weights", cin("model.ckpt"));
		assertEquals("1", r[0]);
		assertTrue(r[1].matches("error: model config .*no-such-config.yaml not found"), r[1]);
		r = run("synthesize", "-o", "out.tif", "--model", "no-such-model");
		assertEquals("1", r[0]);
		assertTrue(r[1].contains("error: no model named 'no-such-model'; known models: "), r[1]);
	}

	@Test
	void precisionIsChosenOnTheCommandLine() throws Exception {
		Path out = tmp.resolve("bf16.tif");
		String[] r = run("synthesize", "--model", cin("config.yaml"), "--weights", cin("model.ckpt"), "--class", "3",
			"--steps", "2", "--size", "32", "32", "--precision", "bf16", "-o", out.toString());
		assertEquals("0", r[0], r[1]);
		assertTrue(Files.exists(out));
		assertTrue(r[1].contains(" in " + Precision.BF16.supported() + ", "), r[1]);
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

	private static Path testImage(String name) {
		return Path.of("test-images", name);
	}

	@Test
	void superResolutionKeepsTypeAndScalesCalibration() throws Exception {
		Path out = tmp.resolve("sr.tif");
		String[] r = run("sr", testImage("fluorescence_16bit.tif").toString(), "-o", out.toString(), "--steps", "2");
		assertEquals("0", r[0], r[1]);
		ImagePlus in = new Opener().openImage(testImage("fluorescence_16bit.tif").toString());
		ImagePlus imp = new Opener().openImage(out.toString());
		assertEquals(4 * in.getWidth(), imp.getWidth());
		assertEquals(16, imp.getBitDepth());
		assertEquals(in.getCalibration().pixelWidth / 4, imp.getCalibration().pixelWidth, 1e-12);
	}

	/** The memory budget decides how many of the card's small tiles share a denoiser call. */
	@Test
	void maxMemoryBoundsTheTilesPerCall() throws Exception {
		String image = testImage("fluorescence_16bit.tif").toString();
		String[] ample = run("sr", image, "-o", tmp.resolve("ample.tif").toString(), "--steps", "2");
		assertEquals("0", ample[0], ample[1]);
		assertTrue(ample[1].contains("tiles: 3×3 of 32×32 latent px, overlap 16, 9 per denoiser call"), ample[1]);
		String[] tight = run("sr", image, "-o", tmp.resolve("tight.tif").toString(), "--steps", "2", "--max-memory", "1");
		assertEquals("0", tight[0], tight[1]);
		assertTrue(tight[1].contains("tiles: 3×3 of 32×32 latent px, overlap 16"), tight[1]);
		assertFalse(tight[1].contains("per denoiser call"), "1 MiB holds one tile per call: " + tight[1]);
	}

	/** bench times the model a user gets: its channels (one, for the bundled SR model) and its card's tiles. */
	@Test
	void benchRunsTheBundledGrayscaleModel() {
		java.io.PrintStream stdout = System.out;
		java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
		String[] r;
		try {
			System.setOut(new java.io.PrintStream(printed, true));
			r = run("bench", "--task", "sr", "--model", "fluo-sr4x", "--image", "64", "--steps", "1", "--precision", "fp32");
		} finally {
			System.setOut(stdout);
		}
		assertEquals("0", r[0], r[1]);
		String report = printed.toString();
		assertTrue(report.contains("fluo-sr4x: sr of 64x64 to 256x256"), report);
		assertTrue(report.contains("tiles: 3×3 of 32×32 latent px"), "the card's 128-pixel tiles: " + report);
	}

	@Test
	void theHelpNamesEverySamplerAndDpmSolverRuns() throws Exception {
		CommandLine cl = LdmCli.commandLine();
		StringWriter help = new StringWriter();
		cl.setOut(new PrintWriter(help));
		assertEquals(0, cl.execute("sr", "--help"));
		assertTrue(help.toString().contains("sampler: " + String.join(", ", org.ldmfiji.diffusion.Samplers.names())), help.toString());

		Path out = tmp.resolve("sr-dpm.tif");
		String[] r = run("sr", testImage("fluorescence_16bit.tif").toString(), "-o", out.toString(), "--steps", "3",
			"--sampler", "dpmpp2m");
		assertEquals("0", r[0], r[1]);
		assertTrue(Files.exists(out));
	}

	@Test
	void inpaintingChangesOnlyTheRectangle() throws Exception {
		Path out = tmp.resolve("inpainted.tif");
		String[] r = run("inpaint", testImage("stack_8bit.tif").toString(), "--rect", "4,6,10,8", "-o", out.toString(), "--steps", "2");
		assertEquals("0", r[0], r[1]);
		ImagePlus in = new Opener().openImage(testImage("stack_8bit.tif").toString());
		ImagePlus imp = new Opener().openImage(out.toString());
		assertEquals(in.getStackSize(), imp.getStackSize());
		int changedInside = 0;
		for (int z = 1; z <= in.getStackSize(); z++) {
			for (int y = 0; y < in.getHeight(); y++) {
				for (int x = 0; x < in.getWidth(); x++) {
					boolean inside = x >= 4 && x < 14 && y >= 6 && y < 14;
					int a = in.getStack().getProcessor(z).get(x, y);
					int b = imp.getStack().getProcessor(z).get(x, y);
					if (!inside) assertEquals(a, b, "pixel outside the rectangle at " + x + "," + y + "," + z);
					else if (a != b) changedInside++;
				}
			}
		}
		assertTrue(changedInside > 0, "the rectangle is regenerated");
	}

	@Test
	void batchGoesOnPastABadFileAndSaysSo() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(testImage("rgb.tif"), in.resolve("a.tif"));
		Files.writeString(in.resolve("b.tif"), "not an image");
		Path outDir = tmp.resolve("out");
		// rgb.tif: the 3-channel test model takes it as it is (the default model is grayscale)
		String[] r = run("batch", in.toString(), "-o", outDir.toString(), "--steps", "2", "--model", "tiny-sr-test");
		assertEquals("1", r[0], r[1]);
		assertTrue(Files.exists(outDir.resolve("a_sr.tif")), r[1]);
		assertTrue(r[1].contains("failed: b.tif: ImageJ cannot read"), r[1]);
		assertTrue(r[1].endsWith("1 done, 0 skipped, 1 failed"), r[1]);
		r = run("batch", in.toString(), "-o", outDir.toString(), "--steps", "2", "--model", "tiny-sr-test", "--skip-existing", "--filter", "a.tif");
		assertEquals("0", r[0], r[1]);
		assertTrue(r[1].endsWith("0 done, 1 skipped, 0 failed"), r[1]);
	}

	@Test
	void aStackToPngIsRefusedBeforeTheModelLoads() {
		String[] r = run("sr", testImage("stack_8bit.tif").toString(), "-o", "out.png", "--model", "no-such-model");
		assertEquals("error: a result of 3 images needs a .tif output, not out.png", r[1]);
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
