package org.ldmfiji.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.io.FileSaver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.TestImagesTest;
import org.scijava.command.CommandModule;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Process Folder through the CommandService: every task over a folder, the batch going on past a bad file. */
class ProcessFolderCommandTest {

	private static Commands commands;

	@TempDir
	Path tmp;

	@BeforeAll
	static void context() {
		commands = new Commands();
	}

	@AfterAll
	static void dispose() {
		commands.close();
	}

	private CommandModule run(Object... inputs) throws Exception {
		Object[] all = java.util.Arrays.copyOf(inputs, inputs.length + 4);
		all[inputs.length] = "input_directory";
		all[inputs.length + 1] = tmp.resolve("in").toFile();
		all[inputs.length + 2] = "output_directory";
		all[inputs.length + 3] = tmp.resolve("out").toFile();
		return commands.run(ProcessFolderCommand.class, all);
	}

	@Test
	void superResolutionGoesOnPastABadFileAndSkipsWhatExists() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(TestImagesTest.folderFile("rgb.tif"), in.resolve("a.tif"));
		Files.writeString(in.resolve("b.tif"), "not an image");
		Files.copy(TestImagesTest.folderFile("stack_8bit.tif"), in.resolve("c.tif"));
		Files.writeString(in.resolve("notes.txt"), "not matched by the filter");

		// a.tif is RGB: the 3-channel test model takes it as it is (the default model is grayscale)
		CommandModule first = run("task", "sr", "model", "tiny-sr-test", "steps", 2, "file_filter", "*.tif");
		assertFalse(first.isCanceled(), first.getCancelReason());
		String summary = (String) first.getOutput("summary");
		assertTrue(summary.startsWith("2 done, 0 skipped, 1 failed\nfailed: b.tif: ImageJ cannot read "), summary);
		ImagePlus a = IJ.openImage(tmp.resolve("out/a_sr.tif").toString());
		ImagePlus c = IJ.openImage(tmp.resolve("out/c_sr.tif").toString());
		assertEquals(192, a.getWidth());
		assertEquals(ImagePlus.COLOR_RGB, a.getType());
		assertEquals(3, c.getStackSize());
		assertEquals(128, c.getWidth());
		assertFalse(Files.exists(tmp.resolve("out/b_sr.tif")));

		CommandModule again = run("task", "sr", "model", "tiny-sr-test", "steps", 2, "file_filter", "*.tif", "skip_existing", true);
		assertTrue(((String) again.getOutput("summary")).startsWith("0 done, 2 skipped, 1 failed"), (String) again.getOutput("summary"));
	}

	@Test
	void inpaintingUsesTheSelectionSavedWithEachImage() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		ImagePlus withSelection = Commands.image("a", 16, 24, 20, 1, 1, 1, 21);
		Roi hole = new Roi(4, 4, 8, 8);
		withSelection.setRoi(hole);
		assertTrue(new FileSaver(withSelection).saveAsTiff(in.resolve("a.tif").toString()));
		assertTrue(new FileSaver(Commands.image("b", 16, 24, 20, 1, 1, 1, 22)).saveAsTiff(in.resolve("b.tif").toString()));

		CommandModule run = run("task", "inpaint", "steps", 2);
		assertFalse(run.isCanceled(), run.getCancelReason());
		assertEquals("1 done, 0 skipped, 1 failed\nfailed: b.tif: no selection is saved with this image; save it with its selection, or give a mask_image",
			run.getOutput("summary"));
		ImagePlus out = IJ.openImage(tmp.resolve("out/a_inpainted.tif").toString());
		int[] changed = Commands.changes(IJ.openImage(in.resolve("a.tif").toString()), out, hole);
		assertEquals(0, changed[1], "pixels outside the selection changed");
		assertTrue(changed[0] > 0);
	}

	@Test
	void synthesisTakesEachImageAsALabelImage() throws Exception {
		Path in = Files.createDirectories(tmp.resolve("in"));
		Files.copy(TestImagesTest.folderFile("cells_labels_8bit.tif"), in.resolve("labels.tif"));
		CommandModule run = run("task", "synthesize", "steps", 2, "output_suffix", "_made");
		assertEquals("1 done, 0 skipped, 0 failed", run.getOutput("summary"), run.getCancelReason());
		ImagePlus out = IJ.openImage(tmp.resolve("out/labels_made.tif").toString());
		assertEquals(ImagePlus.GRAY16, out.getType(), "the bundled label-map model is grayscale");
		assertEquals(128, out.getWidth());
	}

	@Test
	void problemsFoundBeforeTheModelLoadsCancelTheCommand() throws Exception {
		Files.createDirectories(tmp.resolve("in"));
		CommandModule run = run("task", "sr", "file_filter", "*.tif");
		assertTrue(run.isCanceled());
		assertEquals("no file in " + tmp.resolve("in") + " matches *.tif", run.getCancelReason());
		assertNull(run.getOutput("summary"));
		run = commands.run(ProcessFolderCommand.class, "input_directory", tmp.resolve("missing").toFile(), "output_directory",
			tmp.resolve("out").toFile());
		assertEquals("input folder " + tmp.resolve("missing") + " not found", run.getCancelReason());
	}
}
