package org.ldmfiji.fiji.ij1;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.DebianImageJ;
import org.ldmfiji.testing.TestImages;
import org.ldmfiji.testing.TestImagesTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real ImageJ 1 in its own process (Debian's package, under Xvfb) with the plugin installed in its plugins folder:
 * a macro runs a SciJava command through the plugins.config entry and the bridge, and saves the results. Skipped,
 * with the reason, where ImageJ or Xvfb is missing; .ci/run installs both.
 */
class ImageJEndToEndTest {

	private static final Path TARGET = Paths.get(System.getProperty("basedir", "."), "target");

	@Test
	void aMacroInDebiansImageJRunsACommandFromThePluginsFolder(@TempDir Path work) throws Exception {
		String missing = DebianImageJ.missing();
		assumeTrue(missing == null, () -> "end-to-end ImageJ test skipped: " + missing);

		DebianImageJ imagej = new DebianImageJ(work.resolve("imagej"));
		// the plugin as packaged (classes, plugins.config at the root, SciJava's plugin index) ...
		imagej.installPluginJar("Latent_Diffusion-e2e.jar", TARGET.resolve("classes"), entry -> true);
		// ... and beside it the test command with its own menu entries
		imagej.installPluginJar("Latent_Diffusion_Tests-e2e.jar", TARGET.resolve("test-classes"),
				entry -> entry.equals("plugins.config") || entry.startsWith("META-INF/json/") || entry.startsWith("org/ldmfiji/fiji/ij1/"));
		imagej.installDependencies(DebianImageJ.runtimeClasspath(TARGET));

		Path in = Files.createDirectories(work.resolve("in"));
		Files.createDirectories(work.resolve("out"));
		for (String name : new String[] { "fluorescence_16bit.tif", "stack_8bit.tif", "rgb.tif" })
			Files.copy(TestImagesTest.folderFile(name), in.resolve(name));
		Path macro = work.resolve("add_constant.ijm");
		Files.copy(ImageJEndToEndTest.class.getResourceAsStream("/e2e/add_constant.ijm"), macro);

		long start = System.nanoTime();
		DebianImageJ.Run run = imagej.batch(macro, work.toString(), 120);
		System.out.printf("Debian ImageJ end-to-end run: %.1f s, exit %d; its output:%n%s%n", (System.nanoTime() - start) / 1e9, run.exitCode, run.output);

		assertTrue(run.output.contains("e2e: saved 2 images"), run.output);
		assertTrue(run.output.contains("Test Add Constant: RGB images are not supported by this test command"), run.output);
		assertFalse(run.output.contains("went on after a refused command"), run.output);
		assertFalse(Files.exists(work.resolve("out/rgb_e2e.tif")), "a refused command must leave nothing to save");

		ImagePlus fluorescence = IJ.openImage(work.resolve("out/fluorescence_16bit_e2e.tif").toString());
		ImagePlus stack = IJ.openImage(work.resolve("out/stack_8bit_e2e.tif").toString());
		ImagePlus fluorescenceIn = TestImages.all().get("fluorescence_16bit.tif");
		ImagePlus stackIn = TestImages.all().get("stack_8bit.tif");
		assertEquals(16, fluorescence.getBitDepth());
		assertEquals(64, fluorescence.getWidth());
		assertEquals(0.1, fluorescence.getCalibration().pixelWidth, 1e-9, "calibration kept");
		assertEquals(fluorescenceIn.getProcessor().get(10, 20) + 100, fluorescence.getProcessor().get(10, 20));
		assertEquals(8, stack.getBitDepth());
		assertEquals(3, stack.getStackSize());
		for (int z = 1; z <= 3; z++)
			assertEquals(Math.min(255, stackIn.getStack().getProcessor(z).get(5, 16) + 100), stack.getStack().getProcessor(z).get(5, 16), "slice " + z);
	}
}
