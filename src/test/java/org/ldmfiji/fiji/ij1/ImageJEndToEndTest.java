package org.ldmfiji.fiji.ij1;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.DebianImageJ;
import org.ldmfiji.testing.TestImagesTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real ImageJ 1 in its own process (Debian's package, under Xvfb) with the plugin installed as a user installs it:
 * the jar in {@code plugins/}, its dependencies in {@code plugins/jars/}. The example macros of {@code macros/} run
 * the commands through the plugins.config entries and the bridge, and the files they save are checked. Skipped, with
 * the reason, where ImageJ or Xvfb is missing; .ci/run installs both.
 */
class ImageJEndToEndTest {

	private static final Path BASE = Paths.get(System.getProperty("basedir", "."));
	private static final Path TARGET = BASE.resolve("target");

	@TempDir
	static Path work;

	private static DebianImageJ imagej;

	@BeforeAll
	static void install() throws Exception {
		String missing = DebianImageJ.missing();
		assumeTrue(missing == null, () -> "end-to-end ImageJ test skipped: " + missing);
		imagej = new DebianImageJ(work.resolve("imagej"));
		// the plugin as packaged: classes, plugins.config at the root, SciJava's plugin index, the bundled models
		imagej.installPluginJar("Latent_Diffusion-e2e.jar", TARGET.resolve("classes"), entry -> true);
		// the tests' random-weight models (an RGB one for rgb.tif) in a jar of their own, with their own index
		imagej.installPluginJar("Latent_Diffusion_test_models.jar", TARGET.resolve("test-classes"),
			entry -> entry.startsWith("org/ldmfiji/models/"));
		imagej.installDependencies(DebianImageJ.runtimeClasspath(TARGET));
	}

	private static DebianImageJ.Run macro(String name, String argument) throws Exception {
		long start = System.nanoTime();
		DebianImageJ.Run run = imagej.batch(BASE.resolve("macros").resolve(name), argument, 300);
		System.out.printf("Debian ImageJ, %s: %.1f s, exit %d; its output:%n%s%n", name, (System.nanoTime() - start) / 1e9, run.exitCode, run.output);
		return run;
	}

	private static ImagePlus open(Path file, DebianImageJ.Run run) {
		ImagePlus imp = IJ.openImage(file.toString());
		assertNotNull(imp, file + " was not written; ImageJ's output:\n" + run.output);
		System.out.printf("e2e output %s: %dx%d, %d plane(s), %s, pixel width %s%n", file.getFileName(), imp.getWidth(), imp.getHeight(),
			imp.getStackSize(), imp.getBitDepth() == 24 ? "RGB" : imp.getBitDepth() + "-bit", imp.getCalibration().pixelWidth);
		return imp;
	}

	@Test
	void theBatchMacroSuperResolvesAFolderAndGoesOnPastABadFile() throws Exception {
		Path in = Files.createDirectories(work.resolve("in"));
		Path out = work.resolve("out");
		for (String name : new String[] { "fluorescence_16bit.tif", "stack_8bit.tif", "rgb.tif" })
			Files.copy(TestImagesTest.folderFile(name), in.resolve(name));
		Files.writeString(in.resolve("broken.tif"), "not an image");

		// rgb.tif: the 3-channel test model takes it as it is (the default model is grayscale)
		DebianImageJ.Run run = macro("batch_super_resolution.ijm", "input_directory=[" + in + "] output_directory=[" + out
			+ "] steps=2 seed=1 model=tiny-sr-test");

		assertEquals(0, run.exitCode, run.output);
		assertTrue(run.output.contains("summary: 3 done, 0 skipped, 1 failed"), run.output);
		assertTrue(run.output.contains("failed: broken.tif: ImageJ cannot read"), run.output);
		ImagePlus fluorescence = open(out.resolve("fluorescence_16bit_sr.tif"), run);
		assertEquals(256, fluorescence.getWidth());
		assertEquals(256, fluorescence.getHeight());
		assertEquals(16, fluorescence.getBitDepth());
		assertEquals(0.1 / 4, fluorescence.getCalibration().pixelWidth, 1e-9, "pixel size divided by the factor");
		ImagePlus stack = open(out.resolve("stack_8bit_sr.tif"), run);
		assertEquals(128, stack.getWidth());
		assertEquals(8, stack.getBitDepth());
		assertEquals(3, stack.getStackSize());
		ImagePlus rgb = open(out.resolve("rgb_sr.tif"), run);
		assertEquals(192, rgb.getWidth());
		assertEquals(ImagePlus.COLOR_RGB, rgb.getType());
	}

	@Test
	void theInpaintingMacroChangesOnlyTheRectangle() throws Exception {
		Path input = TestImagesTest.folderFile("fluorescence_16bit.tif").toAbsolutePath();
		Path result = work.resolve("fluorescence_inpainted.tif");

		DebianImageJ.Run run = macro("inpaint_selection.ijm", "image=[" + input + "] rectangle=[10,12,24,16] output=[" + result
			+ "] options=[steps=2 seed=1]");

		assertEquals(0, run.exitCode, run.output);
		ImagePlus before = IJ.openImage(input.toString());
		ImagePlus after = open(result, run);
		assertEquals(16, after.getBitDepth());
		assertEquals(before.getWidth(), after.getWidth());
		int changedInside = 0;
		Roi hole = new Roi(10, 12, 24, 16);
		for (int y = 0; y < before.getHeight(); y++)
			for (int x = 0; x < before.getWidth(); x++) {
				int a = before.getProcessor().get(x, y);
				int b = after.getProcessor().get(x, y);
				if (!hole.contains(x, y)) assertEquals(a, b, "pixel outside the selection at " + x + "," + y);
				else if (a != b) changedInside++;
			}
		assertTrue(changedInside > 0, "the selection is regenerated");
	}

	@Test
	void theSynthesisMacroMakesAnImageOfTheLabelImagesSize() throws Exception {
		Path result = work.resolve("synthesized.tif");

		DebianImageJ.Run run = macro("synthesize_from_labels.ijm", "labels=[" + TestImagesTest.folderFile("cells_labels_8bit.tif").toAbsolutePath()
			+ "] output=[" + result + "] options=[steps=2]");

		assertEquals(0, run.exitCode, run.output);
		ImagePlus out = open(result, run);
		assertEquals(128, out.getWidth());
		assertEquals(ImagePlus.GRAY16, out.getType(), "the bundled label-map model, fluo-labels, is grayscale");
	}
}
