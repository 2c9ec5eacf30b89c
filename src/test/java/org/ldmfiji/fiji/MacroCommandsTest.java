package org.ldmfiji.fiji;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.HeadlessImageJ;
import org.ldmfiji.testing.HeadlessImageJ.Outcome;
import org.ldmfiji.testing.TestImagesTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands from ImageJ 1 macros, as a macro in ImageJ runs them: real macro text through ImageJ's interpreter,
 * the plugins.config entries and the bridge, headless. The example macros in {@code macros/} run the same way.
 */
class MacroCommandsTest {

	@TempDir
	Path tmp;

	private static final String PIXELS_OUTSIDE_CHANGED = "function changedOutside(a, b, x0, y0, w, h) {\n"
		+ "  selectImage(a); W = getWidth(); H = getHeight(); n = 0;\n"
		+ "  for (y = 0; y < H; y++) for (x = 0; x < W; x++) if (x < x0 || x >= x0 + w || y < y0 || y >= y0 + h) {\n"
		+ "    selectImage(a); v = getPixel(x, y); selectImage(b); if (getPixel(x, y) != v) n++; }\n"
		+ "  return n;\n}\n";

	private static String macroFile(String name) throws Exception {
		return Files.readString(Paths.get("macros", name));
	}

	@Test
	void superResolutionOfTheCurrentImage() {
		Outcome out = HeadlessImageJ.run("newImage(\"cells.tif\", \"16-bit ramp\", 12, 8, 2);\n"
			+ "run(\"Super-Resolution...\", \"steps=2 seed=1 percentile_high=99.5\");\n"
			+ "return getTitle() + \" \" + getWidth() + \"x\" + getHeight() + \" \" + bitDepth() + \"-bit \" + nSlices;");
		assertEquals("cells_sr.tif 48x32 16-bit 2", out.returned, out.log);
	}

	@Test
	void inpaintingOfARectangleLeavesEveryOtherPixel() {
		Outcome out = HeadlessImageJ.run("newImage(\"cells\", \"8-bit noise\", 24, 20, 1); id = getImageID();\n"
			+ "makeRectangle(4, 6, 10, 8);\n"
			+ "run(\"Inpaint Selection...\", \"steps=2 feather=1\");\n"
			+ "return getTitle() + \" \" + changedOutside(id, getImageID(), 4, 6, 10, 8);\n" + PIXELS_OUTSIDE_CHANGED);
		assertEquals("cells_inpainted 0", out.returned, out.log);
	}

	@Test
	void synthesisFromALabelImageChosenByTitle() {
		Outcome out = HeadlessImageJ.run("open(\"" + TestImagesTest.folderFile("cells_labels_8bit.tif").toAbsolutePath() + "\");\n"
			+ "newImage(\"other\", \"8-bit black\", 8, 8, 1);\n"
			+ "run(\"Synthesize...\", \"label_image=cells_labels_8bit.tif steps=2\");\n"
			+ "return getTitle() + \" \" + getWidth() + \" \" + bitDepth();");
		assertEquals("cells_labels_8bit_synthesized.tif 128 16", out.returned, out.log);
	}

	@Test
	void listModelsWritesTheCardsToTheLog() {
		Outcome out = HeadlessImageJ.run("run(\"List Models\");\nreturn \"listed\";");
		assertEquals("listed", out.returned, out.log);
		assertTrue(out.log.contains("tiny-sr-test  [TEST MODEL"), out.log);
	}

	@Test
	void aProblemStopsTheMacroWithItsReasonInTheLog() {
		Outcome out = HeadlessImageJ.run("newImage(\"cells\", \"8-bit noise\", 24, 20, 1);\n"
			+ "run(\"Inpaint Selection...\", \"steps=1\");\nreturn \"went on\";");
		assertTrue(out.log.contains("Inpaint Selection: there is no selection; draw an area selection"), out.log);
		assertNotEquals("went on", out.returned);
		out = HeadlessImageJ.run("newImage(\"cells\", \"8-bit noise\", 24, 20, 1);\n"
			+ "run(\"Super-Resolution...\", \"stpes=1\");\nreturn \"went on\";");
		assertTrue(out.log.contains("Super-Resolution: unknown key 'stpes'; Super-Resolution takes "), out.log);
		assertNotEquals("went on", out.returned);
	}

	@Test
	void theBatchMacroProcessesAFolder() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(TestImagesTest.folderFile("fluorescence_16bit.tif"), in.resolve("fluorescence_16bit.tif"));
		Files.copy(TestImagesTest.folderFile("stack_8bit.tif"), in.resolve("stack_8bit.tif"));
		Path out = tmp.resolve("out");
		Outcome run = HeadlessImageJ.run(macroFile("batch_super_resolution.ijm"),
			"input_directory=[" + in + "] output_directory=[" + out + "] steps=2");
		assertTrue(run.log.contains("summary: 2 done, 0 skipped, 0 failed"), run.log);
		ImagePlus stack = IJ.openImage(out.resolve("stack_8bit_sr.tif").toString());
		assertEquals(3, stack.getStackSize());
		assertEquals(128, stack.getWidth());
		assertEquals(16, IJ.openImage(out.resolve("fluorescence_16bit_sr.tif").toString()).getBitDepth());
	}

	@Test
	void theInpaintingMacroInpaintsTheRectangleItIsGiven() throws Exception {
		Path result = tmp.resolve("inpainted.tif");
		Path input = TestImagesTest.folderFile("fluorescence_16bit.tif").toAbsolutePath();
		Outcome run = HeadlessImageJ.run(macroFile("inpaint_selection.ijm"),
			"image=[" + input + "] rectangle=[10,12,24,16] output=[" + result + "] options=[steps=2 seed=2]");
		ImagePlus before = IJ.openImage(input.toString());
		ImagePlus after = IJ.openImage(result.toString());
		assertTrue(after != null, run.log);
		int[] changed = Commands.changes(before, after, new ij.gui.Roi(10, 12, 24, 16));
		assertEquals(0, changed[1], "pixels outside the rectangle changed");
		assertTrue(changed[0] > 0);
	}

	@Test
	void theSynthesisMacroSavesAnImageOfTheLabelsSize() throws Exception {
		Path result = tmp.resolve("synthesized.tif");
		Outcome run = HeadlessImageJ.run(macroFile("synthesize_from_labels.ijm"), "labels=["
			+ TestImagesTest.folderFile("cells_labels_8bit.tif").toAbsolutePath() + "] output=[" + result + "] options=[steps=2]");
		ImagePlus out = IJ.openImage(result.toString());
		assertTrue(out != null, run.log);
		assertEquals(128, out.getWidth());
		assertEquals(ImagePlus.GRAY16, out.getType());
		assertFalse(run.log.contains("[ERROR]"), run.log);
	}
}
