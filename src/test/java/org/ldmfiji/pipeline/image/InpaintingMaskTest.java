package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.ManagerPerClassTest;

class InpaintingMaskTest extends ManagerPerClassTest {

	private static final int W = 20;
	private static final int H = 16;

	/** The raw bits of pixel i: what "bit for bit" compares. */
	private static long bits(ImageProcessor ip, int i) {
		Object p = ip.getPixels();
		if (p instanceof byte[]) return ((byte[]) p)[i];
		if (p instanceof short[]) return ((short[]) p)[i];
		if (p instanceof float[]) return Float.floatToRawIntBits(((float[]) p)[i]);
		return ((int[]) p)[i];
	}

	/** Originals with values a float mapping would disturb: −0.0, subnormals, 2²⁴ + 1 neighbours, extremes. */
	private static ImagePlus awkward(int bitDepth, int c, int z, int t) {
		ImagePlus image = TestImages.image("orig", bitDepth, W, H, c, z, t, 11);
		ImageStack stack = image.getImageStack();
		for (int i = 1; i <= stack.getSize(); i++) {
			Object p = stack.getPixels(i);
			if (p instanceof float[]) {
				float[] f = (float[]) p;
				f[0] = -0.0f;
				f[1] = Float.MIN_VALUE;
				f[2] = 16777217f;
				f[3] = 1e30f;
				f[4] = -1e-30f;
			} else if (p instanceof short[]) {
				((short[]) p)[0] = (short) 65535;
			}
		}
		return image;
	}

	@ParameterizedTest(name = "{0}-bit C={1} Z={2} T={3}, feather {4}")
	@CsvSource({"8, 1, 1, 1, 0", "16, 1, 1, 1, 0", "32, 1, 1, 1, 0", "24, 1, 1, 1, 0", "16, 2, 2, 2, 0", "8, 1, 1, 1, 3",
		"16, 1, 1, 1, 3", "32, 2, 1, 1, 3", "24, 1, 2, 1, 3"})
	void keepsEveryPixelOutsideTheHoleBitForBitAndTheGeneratedOnesInside(int bitDepth, int c, int z, int t,
		double feather) {
		ImagePlus original = awkward(bitDepth, c, z, t);
		ImagePlus generated = TestImages.image("orig_inpainted", bitDepth, W, H, c, z, t, 99);
		Snapshot before = new Snapshot(original);
		Snapshot generatedBefore = new Snapshot(generated);
		Roi oval = new OvalRoi(-3, 4, 14, 10); // partly outside the image
		InpaintingMask mask = InpaintingMask.fromSelection(oval, W, H);
		ByteProcessor hole = mask.toProcessor();
		ImageProcessor distance = new ij.plugin.filter.EDM().makeFloatEDM(hole, 0, false);

		ImagePlus out = mask.composite(original, generated, feather, manager);

		before.assertUnchanged(original);
		generatedBefore.assertUnchanged(generated);
		assertEquals("orig_inpainted", out.getTitle());
		assertArrayEquals(original.getDimensions(), out.getDimensions());
		assertEquals(bitDepth, out.getBitDepth());
		StackProcessorTest.assertCalibrationScaled(original.getCalibration(), out.getCalibration(), 1);
		StackProcessorTest.assertDisplayKept(original, out);
		int blended = 0;
		for (int plane = 1; plane <= original.getStackSize(); plane++) {
			ImageProcessor a = original.getImageStack().getProcessor(plane);
			ImageProcessor g = generated.getImageStack().getProcessor(plane);
			ImageProcessor o = out.getImageStack().getProcessor(plane);
			for (int i = 0; i < W * H; i++) {
				String where = "plane " + plane + " pixel " + i;
				if (hole.get(i) == 0) {
					assertEquals(bits(a, i), bits(o, i), "outside the hole, " + where);
				} else if (distance.getf(i) - 0.5 >= feather) {
					assertEquals(bits(g, i), bits(o, i), "deep inside the hole, " + where);
				} else {
					blended++;
					double w = (distance.getf(i) - 0.5) / feather;
					for (int ch = 0; ch < a.getNChannels(); ch++) {
						double expected = w * g.toFloat(ch, null).getf(i) + (1 - w) * a.toFloat(ch, null).getf(i);
						double tolerance = bitDepth == 32 ? 1e-4 * Math.max(1, Math.abs(expected)) : 0.5 + 1e-4;
						assertEquals(expected, o.toFloat(ch, null).getf(i), tolerance, "feathered, " + where);
					}
				}
			}
		}
		assertEquals(feather > 0, blended > 0, "feathered pixels seen: " + blended);
	}

	@Test
	void selectionMaskAndTensorAgree() {
		InpaintingMask mask = InpaintingMask.fromSelection(new OvalRoi(-3, 4, 14, 10), W, H);
		NDArray t = mask.toTensor(manager);
		assertEquals(new ai.djl.ndarray.types.Shape(1, 1, H, W), t.getShape());
		float[] v = t.toFloatArray();
		byte[] p = (byte[]) mask.toProcessor().getPixels();
		int ones = 0;
		for (int i = 0; i < v.length; i++) {
			assertTrue(v[i] == 0 || v[i] == 1);
			assertEquals(p[i] != 0, v[i] == 1, "pixel " + i);
			if (v[i] == 1) ones++;
		}
		assertEquals(mask.holeSize(), ones);
		assertTrue(ones > 50 && ones < 14 * 10, "an oval cut by the image's edge: " + ones);
		assertEquals(0, v[4 * W + W - 1], "right of the oval");
		assertEquals(1, v[9 * W], "the oval's part at the image's left edge");
	}

	@Test
	void maskImagesFillTheirNonzeroPixelsWhateverTheirType() {
		ImagePlus rgb = TestImages.image("m", 24, W, H, 1, 1, 1, 1);
		int[] px = (int[]) rgb.getProcessor().getPixels();
		java.util.Arrays.fill(px, 0);
		px[5] = 0x000100; // green 1
		px[7] = 0xff000000; // alpha only: black, not to fill
		InpaintingMask mask = InpaintingMask.fromImage(rgb, W, H);
		assertEquals(1, mask.holeSize());
		assertNotEquals(0, mask.toProcessor().get(5));
		ImagePlus f = TestImages.image("m", 32, W, H, 1, 1, 1, 1);
		java.util.Arrays.fill((float[]) f.getProcessor().getPixels(), 0f);
		((float[]) f.getProcessor().getPixels())[9] = -0.5f;
		assertEquals(1, InpaintingMask.fromImage(f, W, H).holeSize());
	}
}
