package org.ldmfiji.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ByteProcessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.TestImagesTest;
import org.scijava.command.CommandModule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synthesize through the CommandService: from a class (tiny-cin-test, RGB), from a label image with the bundled
 * default (fluo-labels, grayscale) and with tiny-seg-test (RGB).
 */
class SynthesizeCommandTest {

	private static Commands commands;

	@BeforeAll
	static void context() {
		commands = new Commands();
	}

	@AfterAll
	static void dispose() {
		commands.close();
	}

	@Test
	void imagesOfAClassBecomeAStack() throws Exception {
		CommandModule run = commands.run(SynthesizeCommand.class, "model", "tiny-cin-test", "class_label", 3, "count", 2,
			"width", 32, "height", 24, "guidance_scale", 2.0, "steps", 2);
		assertFalse(run.isCanceled(), run.getCancelReason());
		ImagePlus out = (ImagePlus) run.getOutput("output");
		assertEquals("synthesized", out.getTitle());
		assertEquals(ImagePlus.COLOR_RGB, out.getType());
		assertEquals(32, out.getWidth());
		assertEquals(24, out.getHeight());
		assertEquals(2, out.getStackSize());
	}

	@Test
	void aLabelImageGivesOneImageOfItsSizeAndCalibration() throws Exception {
		ImagePlus labels = IJ.openImage(TestImagesTest.folderFile("cells_labels_8bit.tif").toString());
		labels.getCalibration().pixelWidth = 0.2;
		Object[] before = Commands.pixels(labels);
		CommandModule run = commands.run(SynthesizeCommand.class, "label_image", labels, "steps", 2);
		assertFalse(run.isCanceled(), run.getCancelReason());
		ImagePlus out = (ImagePlus) run.getOutput("output");
		assertEquals("cells_labels_8bit_synthesized.tif", out.getTitle());
		assertEquals(ImagePlus.GRAY16, out.getType(), "the default label-map model, fluo-labels, is grayscale");
		assertEquals(labels.getWidth(), out.getWidth());
		assertEquals(labels.getHeight(), out.getHeight());
		assertEquals(0.2, out.getCalibration().pixelWidth, 1e-12);
		Commands.assertSamePixels(before, labels);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"labels beyond the model's classes | the label image's largest label is 9 but the model has 3 classes (labels 0 to 2)",
		"an RGB label image | a label image must be 8- or 16-bit with integer labels; this one is RGB",
		"a class beyond the model's | this model is class-conditional: give a class in 0..1000, not 1001",
		"no class for a class-conditional model | this model is class-conditional: give a class in 0..1000",
		"a label image and a class | give a label image or a class_label, not both",
		"a width without a height | give both width and height, or neither (0 = the model's size)",
		"a size the model cannot make | this model makes images whose sides are multiples of 8, not 30x30",
		"a label image for a class model | model 'tiny-cin-test' does not take a label image; leave the label image out or name a label-map model",
		"a model that cannot synthesise | model 'tiny-sr-test' cannot do synthesis; it can do: sr",
	})
	void badInputCancelsWithItsReasonAndMakesNoImage(String what, String message) throws Exception {
		ByteProcessor labelPixels = new ByteProcessor(16, 16);
		labelPixels.set(3, 3, 9);
		Object labels = null;
		Object model = "";
		int classLabel = -1;
		int width = 16;
		int height = 16;
		switch (what) {
			case "labels beyond the model's classes": labels = new ImagePlus("labels", labelPixels); width = height = 0; break;
			case "an RGB label image": labels = new ImagePlus("labels", labelPixels.convertToRGB()); width = height = 0; break;
			case "a class beyond the model's": classLabel = 1001; model = "tiny-cin-test"; break;
			case "no class for a class-conditional model": model = "tiny-cin-test"; break;
			case "a label image and a class": labels = new ImagePlus("labels", labelPixels); classLabel = 1; break;
			case "a width without a height": height = 0; classLabel = 1; break;
			case "a size the model cannot make": width = height = 30; classLabel = 1; model = "tiny-cin-test"; break;
			case "a label image for a class model": labels = new ImagePlus("labels", new ByteProcessor(16, 16)); width = height = 0; model = "tiny-cin-test"; break;
			default: model = "tiny-sr-test"; classLabel = 1;
		}
		CommandModule run = commands.run(SynthesizeCommand.class, "label_image", labels, "model", model, "class_label", classLabel,
			"width", width, "height", height, "steps", 2);
		assertTrue(run.isCanceled(), what);
		assertEquals(message, run.getCancelReason());
		assertNull(run.getOutput("output"));
		assertEquals(0, commands.models().liveTaskArrays());
	}

	@Test
	void withoutALabelImageAModelMustBeNamed() throws Exception {
		CommandModule run = commands.run(SynthesizeCommand.class, "class_label", 1, "steps", 1);
		assertTrue(run.isCanceled());
		assertTrue(run.getCancelReason().startsWith("no default model for synthesize; name one (known models: "), run.getCancelReason());
		assertNull(run.getOutput("output"));
	}

	@Test
	void anRgbLabelMapModelGivesAnRgbImage() throws Exception {
		ImagePlus labels = IJ.openImage(TestImagesTest.folderFile("labels_8bit.tif").toString());
		CommandModule run = commands.run(SynthesizeCommand.class, "label_image", labels, "model", "tiny-seg-test", "steps", 1);
		assertFalse(run.isCanceled(), run.getCancelReason());
		ImagePlus out = (ImagePlus) run.getOutput("output");
		assertEquals(ImagePlus.COLOR_RGB, out.getType());
		assertEquals(64, out.getWidth());
	}
}
