package org.ldmfiji.fiji;

import ij.ImagePlus;
import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scijava.command.CommandModule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inpaint Selection through the CommandService with the bundled default, fluo-inpaint (one channel), and the tests' tiny-inpaint-test for RGB. */
class InpaintCommandTest {

	private static Commands commands;

	@BeforeAll
	static void context() {
		commands = new Commands();
	}

	@AfterAll
	static void dispose() {
		commands.close();
	}

	@ParameterizedTest(name = "{0}-bit, {1} selection, {2} planes")
	@CsvSource({ "8, rectangle, 1", "16, oval, 1", "32, rectangle, 1", "24, oval, 1", "16, rectangle, 3" })
	void onlyTheSelectionChangesBitForBit(int bitDepth, String shape, int slices) throws Exception {
		ImagePlus input = Commands.image("cells.tif", bitDepth, 24, 20, 1, slices, 1, 11);
		Roi hole = shape.equals("oval") ? new OvalRoi(5, 4, 10, 9) : new Roi(3, 6, 12, 8);
		input.setRoi(hole);
		Object[] before = Commands.pixels(input);
		// a grayscale model fills one plane at a time; an RGB image needs a model of three channels
		String model = bitDepth == 24 ? "tiny-inpaint-test" : "";
		CommandModule run = commands.run(InpaintCommand.class, "input", input, "model", model, "steps", 2, "seed", 3);
		assertFalse(run.isCanceled(), run.getCancelReason());
		ImagePlus out = (ImagePlus) run.getOutput("output");
		assertEquals("cells_inpainted.tif", out.getTitle());
		assertArrayEquals(input.getDimensions(), out.getDimensions());
		assertEquals(bitDepth, out.getBitDepth());
		int[] changed = Commands.changes(input, out, hole);
		assertEquals(0, changed[1], "pixels outside the selection changed");
		assertTrue(changed[0] > 0, "the selection is regenerated");
		Commands.assertSamePixels(before, input);
		assertEquals(hole, input.getRoi(), "the input keeps its selection");
	}

	@Test
	void aMaskImageGivesTheHoleInsteadOfTheSelection() throws Exception {
		ImagePlus input = Commands.image("cells", 16, 24, 20, 1, 1, 1, 12);
		input.setRoi(new Roi(0, 0, 4, 4)); // ignored: the mask decides
		ByteProcessor maskPixels = new ByteProcessor(24, 20);
		Roi hole = new Roi(10, 5, 8, 10);
		maskPixels.setRoi(hole);
		maskPixels.setValue(255);
		maskPixels.fill();
		ImagePlus mask = new ImagePlus("mask", maskPixels);
		CommandModule run = commands.run(InpaintCommand.class, "input", input, "mask_image", mask, "steps", 2, "feather", 2.0);
		assertFalse(run.isCanceled(), run.getCancelReason());
		int[] changed = Commands.changes(input, (ImagePlus) run.getOutput("output"), hole);
		assertEquals(0, changed[1]);
		assertTrue(changed[0] > 0);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"no selection | there is no selection; draw an area selection (rectangle, oval, polygon or freehand) around the part to inpaint",
		"a line | the selection is a straight line selection; inpainting needs an area selection (rectangle, oval, polygon or freehand)",
		"outside the image | the selection (5x5 at x=40, y=40) lies outside the 24x20 image",
		"an empty mask | the mask image has no nonzero pixel: nothing to inpaint",
		"a mask of another size | the mask image is 8x8 but the image is 24x20; they must be the same size",
		"NaN values | the image has NaN values (first at x=2, y=1 in channel 1, slice 1, frame 1); replace them, e.g. with Process > Math > Remove NaNs",
		"infinite values | the image has infinite values (first at x=2, y=1 in channel 1, slice 1, frame 1); replace them, e.g. with Process > Math > Remove NaNs",
		"an image smaller than one latent pixel | the image is 3x3 pixels; the model needs at least 4x4",
		"a model that cannot inpaint | model 'tiny-sr-test' cannot do inpainting; it can do: sr",
		"a class for a model without classes | this model is not class-conditional: leave the class out",
	})
	void badInputCancelsWithItsReasonAndMakesNoImage(String what, String message) throws Exception {
		ImagePlus input = Commands.image("cells", 32, 24, 20, 1, 1, 1, 13);
		Object mask = null;
		String model = "";
		int classLabel = -1;
		input.setRoi(new Roi(2, 2, 6, 6));
		switch (what) {
			case "no selection": input.deleteRoi(); break;
			case "a line": input.setRoi(new Line(1, 1, 10, 10)); break;
			case "outside the image": input.setRoi(new Roi(40, 40, 5, 5)); break;
			case "an empty mask": mask = new ImagePlus("mask", new ByteProcessor(24, 20)); break;
			case "a mask of another size": mask = new ImagePlus("mask", new ByteProcessor(8, 8)); break;
			case "NaN values": input.getProcessor().setf(2, 1, Float.NaN); break;
			case "infinite values": input.getProcessor().setf(2, 1, Float.NEGATIVE_INFINITY); break;
			case "an image smaller than one latent pixel": input = Commands.image("small", 32, 3, 3, 1, 1, 1, 1); input.setRoi(new Roi(1, 1, 1, 1)); break;
			case "a model that cannot inpaint": model = "tiny-sr-test"; break;
			default: classLabel = 2;
		}
		Object[] before = Commands.pixels(input);
		CommandModule run = commands.run(InpaintCommand.class, "input", input, "mask_image", mask, "model", model, "class_label", classLabel, "steps", 2);
		assertTrue(run.isCanceled(), what);
		assertEquals(message, run.getCancelReason());
		assertNull(run.getOutput("output"));
		Commands.assertSamePixels(before, input);
		assertEquals(0, commands.models().liveTaskArrays());
	}
}
