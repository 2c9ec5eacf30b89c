package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ImageProcessor;
import ij.process.LUT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;

class StackProcessorTest extends ManagerPerClassTest {

	/** 2× nearest-neighbour enlargement in libtorch: a stand-in for super-resolution. */
	private static final PlaneFunction TWICE = (x, plane) -> x.repeat(2, 2).repeat(3, 2);

	static Stream<Arguments> images() {
		return Stream.of(
			Arguments.of("8-bit", 8, 1, 1, 1),
			Arguments.of("16-bit", 16, 1, 1, 1),
			Arguments.of("32-bit", 32, 1, 1, 1),
			Arguments.of("RGB", 24, 1, 1, 1),
			Arguments.of("composite, 2 channels", 16, 2, 1, 1),
			Arguments.of("8-bit stack", 8, 1, 3, 1),
			Arguments.of("RGB time series", 24, 1, 1, 2),
			Arguments.of("hyperstack C2 Z2 T2", 32, 2, 2, 2),
			Arguments.of("8-bit hyperstack C2 Z2 T2", 8, 2, 2, 2));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("images")
	void enlargesEveryPlaneKeepingTypeLayoutAndCalibrationAndLeavesTheInputAlone(String name, int bitDepth, int c, int z,
		int t) {
		ImagePlus input = TestImages.image("cells", bitDepth, 12, 10, c, z, t, 42);
		Snapshot before = new Snapshot(input);
		StackProcessor processor = new StackProcessor(3);
		IntensityMapping[] mappings = processor.mappings(input);

		ImagePlus out = processor.process(input, "_sr", manager, TWICE);

		before.assertUnchanged(input);
		assertEquals("cells_sr", out.getTitle());
		assertEquals(bitDepth, out.getBitDepth());
		assertEquals(24, out.getWidth());
		assertEquals(20, out.getHeight());
		assertArrayEquals(new int[] {24, 20, c, z, t}, out.getDimensions());
		assertEquals(input.isHyperStack(), out.isHyperStack(), "hyperstack");
		assertCalibrationScaled(input.getCalibration(), out.getCalibration(), 2);
		assertDisplayKept(input, out);
		ImageStack in = input.getImageStack();
		for (int i = 1; i <= in.getSize(); i++) {
			assertEquals(in.getSliceLabel(i), out.getImageStack().getSliceLabel(i));
			int channel = (i - 1) % c;
			assertEnlarged(in.getProcessor(i), out.getImageStack().getProcessor(i), mappings[channel], name + " plane " + i);
		}
	}

	/** Output pixel (x, y) is input pixel (x/2, y/2), through the mapping and back. */
	private static void assertEnlarged(ImageProcessor in, ImageProcessor out, IntensityMapping mapping, String where) {
		for (int ch = 0; ch < in.getNChannels(); ch++) {
			float[] a = (float[]) in.toFloat(ch, null).getPixels();
			float[] b = (float[]) out.toFloat(ch, null).getPixels();
			for (int y = 0; y < out.getHeight(); y++) {
				for (int x = 0; x < out.getWidth(); x++) {
					double v = a[(y / 2) * in.getWidth() + x / 2];
					double got = b[y * out.getWidth() + x];
					switch (in.getBitDepth()) {
						case 8:
						case 24: // the reference's mapping round-trips every 8-bit value exactly
							assertEquals(v, got, 0, where);
							break;
						case 16: // clipped at the percentiles, then rounded
							assertEquals(Math.round(clamp(v, mapping)), got, 1, where);
							break;
						default:
							assertEquals(clamp(v, mapping), got, 1e-5 * (mapping.high() - mapping.low()), where);
					}
				}
			}
		}
	}

	private static double clamp(double v, IntensityMapping mapping) {
		return Math.max(mapping.low(), Math.min(mapping.high(), v));
	}

	static void assertCalibrationScaled(Calibration in, Calibration out, int scale) {
		assertEquals(in.pixelWidth / scale, out.pixelWidth, 1e-12);
		assertEquals(in.pixelHeight / scale, out.pixelHeight, 1e-12);
		assertEquals(in.pixelDepth, out.pixelDepth);
		assertEquals(in.frameInterval, out.frameInterval);
		assertEquals(in.getUnit(), out.getUnit());
		assertEquals(in.getTimeUnit(), out.getTimeUnit());
		assertEquals(in.xOrigin * scale, out.xOrigin);
		assertEquals(in.yOrigin * scale, out.yOrigin);
	}

	static void assertDisplayKept(ImagePlus input, ImagePlus out) {
		assertEquals(input.isComposite(), out.isComposite(), "composite");
		if (input.isComposite()) {
			assertEquals(((CompositeImage) input).getMode(), ((CompositeImage) out).getMode(), "composite mode");
		}
		if (input.getBitDepth() == 24) return;
		LUT[] a = input.getLuts();
		LUT[] b = out.getLuts();
		assertEquals(a.length, b.length, "LUTs");
		for (int i = 0; i < a.length; i++) {
			assertEquals(Snapshot.describe(a[i]), Snapshot.describe(b[i]), "LUT and display range of channel " + (i + 1));
		}
		if (!input.isComposite()) {
			assertEquals(input.getDisplayRangeMin(), out.getDisplayRangeMin());
			assertEquals(input.getDisplayRangeMax(), out.getDisplayRangeMax());
		}
	}

	@Test
	void tellsTheFunctionEachPlaneInStackOrder() {
		ImagePlus input = TestImages.image("h", 16, 6, 5, 2, 2, 2, 1);
		List<String> seen = new ArrayList<>();
		new StackProcessor(3).process(input, "_x", manager, (x, plane) -> {
			seen.add(plane.channel + "" + plane.slice + plane.frame + " " + plane.number + "/" + plane.count);
			return x;
		});
		assertEquals(List.of("111 1/8", "211 2/8", "121 3/8", "221 4/8", "112 5/8", "212 6/8", "122 7/8", "222 8/8"), seen);
	}

	@Test
	void grayscaleIsReplicatedToTheModelsChannelsAndComesBackAsTheirMean() {
		ImagePlus input = TestImages.image("g", 8, 8, 6, 1, 1, 1, 3);
		ImagePlus out = new StackProcessor(3).process(input, "", manager, (x, plane) -> {
			assertEquals(3, x.getShape().get(1));
			NDArray first = x.get(":, 0:1");
			assertTrue(x.get(":, 1:2").contentEquals(first) && x.get(":, 2:3").contentEquals(first), "replicated");
			// channels (v, −1, +1) average to v/3
			return NDArrays.concat(new NDList(first, first.onesLike().neg(), first.onesLike()), 1);
		});
		byte[] a = (byte[]) input.getProcessor().getPixels();
		byte[] b = (byte[]) out.getProcessor().getPixels();
		for (int i = 0; i < a.length; i++) {
			double model = ((a[i] & 0xff) / 255.0 * 2 - 1) / 3;
			assertEquals(Math.floor((model + 1) / 2 * 255 + 0.5), b[i] & 0xff, 1e-9, "pixel " + i);
		}
	}

	@Test
	void aSingleChannelModelTakesGrayscaleButNotRgb() {
		ImagePlus gray = TestImages.image("g", 16, 8, 6, 1, 1, 1, 3);
		ImagePlus out = new StackProcessor(1).process(gray, "", manager, (x, plane) -> {
			assertEquals(1, x.getShape().get(1));
			return x;
		});
		assertEquals(16, out.getBitDepth());
		ImagePlus rgb = TestImages.image("c", 24, 8, 6, 1, 1, 1, 3);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> new StackProcessor(1).process(rgb, "", manager, (x, plane) -> {
				throw new AssertionError("called");
			}));
		assertEquals("an RGB image needs a model with 3 channels; this model has 1", e.getMessage());
	}

	@Test
	void aCancelledRunReturnsNothingAndFreesEveryArray() {
		ImagePlus input = TestImages.image("h", 32, 6, 5, 2, 2, 2, 1);
		Snapshot before = new Snapshot(input);
		int live = manager.getManagedArrays().size();
		List<Integer> calls = new ArrayList<>();
		assertThrows(CancellationException.class, () -> new StackProcessor(3).process(input, "_sr", manager, (x, plane) -> {
			calls.add(plane.number);
			NDArray big = x.repeat(2, 2).repeat(3, 2).mul(2f); // arrays in flight when the cancel comes
			if (plane.number == 3) throw new CancellationException("user pressed Esc");
			return big;
		}));
		assertEquals(List.of(1, 2, 3), calls);
		assertEquals(live, manager.getManagedArrays().size(), "arrays left behind");
		before.assertUnchanged(input);
	}

	@Test
	void refusesPlanesThatChangeSizeFromOneToTheNext() {
		ImagePlus input = TestImages.image("s", 8, 6, 5, 1, 2, 1, 1);
		IllegalStateException e = assertThrows(IllegalStateException.class,
			() -> new StackProcessor(3).process(input, "", manager, (x, plane) -> plane.number == 1 ? x : TWICE.apply(x, plane)));
		assertTrue(e.getMessage().startsWith("plane 2 came back 12x10"), e.getMessage());
	}

	@Test
	void refusesBadPercentiles() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StackProcessor(3, 99, 1));
		assertEquals("percentiles must satisfy 0 <= low < high <= 100, got low 99.0 and high 1.0", e.getMessage());
	}
}
