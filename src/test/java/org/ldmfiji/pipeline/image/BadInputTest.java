package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ij.ImagePlus;
import ij.gui.Line;
import ij.gui.OvalRoi;
import ij.gui.PointRoi;
import ij.gui.PolygonRoi;
import ij.gui.Roi;
import ij.gui.ShapeRoi;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.awt.geom.Path2D;
import java.util.stream.Stream;

/** Every input a user can get wrong gets a one-line message saying what was expected. */
class BadInputTest extends ManagerPerClassTest {

	private static ImagePlus withValueAt(float value, int c, int z, int t) {
		ImagePlus image = TestImages.image("h", 32, 8, 6, 2, 2, 2, 1);
		float[] plane = (float[]) image.getImageStack().getPixels(image.getStackIndex(c, z, t));
		plane[3 * 8 + 5] = value;
		return image;
	}

	private static ImagePlus labels(int largest) {
		ByteProcessor bp = new ByteProcessor(4, 4);
		bp.set(2, 3, largest);
		return new ImagePlus("labels", bp);
	}

	private static ImagePlus gray(int width, int height) {
		return new ImagePlus("g", new ByteProcessor(width, height));
	}

	static Stream<Arguments> cases() {
		ImagePlus nan = withValueAt(Float.NaN, 2, 1, 2);
		ImagePlus inf = withValueAt(Float.NEGATIVE_INFINITY, 1, 2, 1);
		ImagePlus small = TestImages.image("s", 16, 7, 9, 1, 1, 1, 1);
		ImagePlus emptyMask = gray(8, 6);
		ImagePlus maskStack = TestImages.image("m", 8, 8, 6, 1, 2, 1, 1);
		return Stream.of(
			Arguments.of("NaN", (Executable) () -> ImageChecks.requireFinite(nan),
				"the image has NaN values (first at x=5, y=3 in channel 2, slice 1, frame 2); replace them, e.g. with "
					+ "Process > Math > Remove NaNs"),
			Arguments.of("infinity", (Executable) () -> ImageChecks.requireFinite(inf),
				"the image has infinite values (first at x=5, y=3 in channel 1, slice 2, frame 1); replace them, e.g. "
					+ "with Process > Math > Remove NaNs"),
			Arguments.of("NaN, when processing", (Executable) () -> new StackProcessor(3).process(nan, "_sr", manager,
				(x, p) -> {
					throw new AssertionError("model called");
				}), "the image has NaN values (first at x=5, y=3 in channel 2, slice 1, frame 2); replace them, e.g. "
					+ "with Process > Math > Remove NaNs"),
			Arguments.of("smaller than a latent pixel", (Executable) () -> ImageChecks.requireMinimumSize(small, 8),
				"the image is 7x9 pixels; the model needs at least 8x8"),
			Arguments.of("no selection", (Executable) () -> InpaintingMask.fromSelection(null, 8, 6),
				"there is no selection; draw an area selection (rectangle, oval, polygon or freehand) around the part "
					+ "to inpaint"),
			Arguments.of("line selection", (Executable) () -> InpaintingMask.fromSelection(new Line(0, 0, 5, 5), 8, 6),
				"the selection is a straight line selection; inpainting needs an area selection (rectangle, oval, "
					+ "polygon or freehand)"),
			Arguments.of("point selection", (Executable) () -> InpaintingMask.fromSelection(new PointRoi(2, 2), 8, 6),
				"the selection is a point selection; inpainting needs an area selection (rectangle, oval, polygon or "
					+ "freehand)"),
			Arguments.of("empty selection", (Executable) () -> InpaintingMask.fromSelection(
				new ShapeRoi(new Path2D.Float()), 8, 6),
				"the selection is empty: it encloses no pixel of the image"),
			Arguments.of("selection outside", (Executable) () -> InpaintingMask.fromSelection(new Roi(10, 1, 4, 3), 8, 6),
				"the selection (4x3 at x=10, y=1) lies outside the 8x6 image"),
			Arguments.of("selection of no area", (Executable) () -> InpaintingMask.fromSelection(
				new PolygonRoi(new float[] {1, 5, 3}, new float[] {1, 5, 3}, Roi.POLYGON), 8, 6),
				"the selection is empty: it encloses no pixel of the image"),
			Arguments.of("selection only touching a corner", (Executable) () -> InpaintingMask.fromSelection(
				new OvalRoi(-4, -4, 5, 5), 8, 6), "the selection is empty: it encloses no pixel of the image"),
			Arguments.of("mask of another size", (Executable) () -> InpaintingMask.fromImage(gray(6, 8), 8, 6),
				"the mask image is 6x8 but the image is 8x6; they must be the same size"),
			Arguments.of("mask with nothing to fill", (Executable) () -> InpaintingMask.fromImage(emptyMask, 8, 6),
				"the mask image has no nonzero pixel: nothing to inpaint"),
			Arguments.of("mask stack", (Executable) () -> InpaintingMask.fromImage(maskStack, 8, 6),
				"the mask image must be a single plane; it has 2"),
			Arguments.of("negative feather", (Executable) () -> InpaintingMask.fromSelection(new Roi(1, 1, 2, 2), 8, 6)
				.composite(gray(8, 6), gray(8, 6), -1, manager), "feather must be a width in pixels, 0 or more; got -1.0"),
			Arguments.of("label beyond the classes", (Executable) () -> LabelMaps.oneHot(labels(5), 5, manager),
				"the label image's largest label is 5 but the model has 5 classes (labels 0 to 4)"),
			Arguments.of("float labels", (Executable) () -> LabelMaps.oneHot(new ImagePlus("f", new FloatProcessor(3, 3)),
				5, manager), "a label image must be 8- or 16-bit with integer labels; this one is 32-bit"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void saysWhatIsWrongInOneLine(String name, Executable bad, String message) {
		int live = manager.getManagedArrays().size();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad);
		assertEquals(message, e.getMessage());
		assertFalse(e.getMessage().contains("\n"));
		assertEquals(live, manager.getManagedArrays().size(), "arrays left behind");
	}
}
