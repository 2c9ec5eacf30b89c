package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.Shape;
import ij.ImagePlus;
import ij.process.ColorProcessor;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

class ImageOutputTest extends ManagerPerClassTest {

	@Test
	void quantisesEachBatchItemToAnRgbSlice() {
		// item 0: red 0, 0.5/255 (rounds up to 1), 1, 1.2 (clipped); green and blue constant
		float[] v = new float[2 * 3 * 1 * 4];
		float[] red = {0f, 0.5f / 255f, 1f, 1.2f};
		System.arraycopy(red, 0, v, 0, 4);
		java.util.Arrays.fill(v, 4, 8, 0.25f);
		java.util.Arrays.fill(v, 8, 12, -0.1f);
		java.util.Arrays.fill(v, 12, 24, 1f);
		int live = manager.getManagedArrays().size() + 1;
		ImagePlus imp = ImageOutput.of(manager.create(v, new Shape(2, 3, 1, 4)), "sample");
		assertEquals(live, manager.getManagedArrays().size(), "only the input array stays");
		assertEquals(2, imp.getStackSize());
		assertEquals(24, imp.getBitDepth());
		byte[] r = new byte[4];
		byte[] g = new byte[4];
		byte[] b = new byte[4];
		((ColorProcessor) imp.getImageStack().getProcessor(1)).getRGB(r, g, b);
		assertArrayEquals(new byte[] {0, 1, (byte) 255, (byte) 255}, r);
		assertArrayEquals(new byte[] {64, 64, 64, 64}, g);
		assertArrayEquals(new byte[] {0, 0, 0, 0}, b);
		assertEquals(0xffffff, imp.getImageStack().getProcessor(2).get(3) & 0xffffff);
		assertEquals("sample 2", imp.getImageStack().getSliceLabel(2));
	}

	@Test
	void aGrayscaleModelGivesSixteenBitSlicesOverTheFullRange() {
		float[] v = {0f, 0.5f, 1f, 1.5f, -0.2f, 0.25f};
		int live = manager.getManagedArrays().size() + 1;
		ImagePlus imp = ImageOutput.of(manager.create(v, new Shape(2, 1, 1, 3)), "gray");
		assertEquals(live, manager.getManagedArrays().size(), "only the input array stays");
		assertEquals(16, imp.getBitDepth());
		assertEquals(2, imp.getStackSize());
		short[] first = (short[]) imp.getImageStack().getPixels(1);
		assertArrayEquals(new int[] {0, 32768, 65535}, new int[] {first[0] & 0xffff, first[1] & 0xffff, first[2] & 0xffff});
		short[] second = (short[]) imp.getImageStack().getPixels(2);
		assertArrayEquals(new int[] {65535, 0, 16384}, new int[] {second[0] & 0xffff, second[1] & 0xffff, second[2] & 0xffff});
		assertEquals(65535, imp.getDisplayRangeMax());
	}

	@Test
	void otherChannelCountsAreRefused() {
		IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
			() -> ImageOutput.of(manager.zeros(new Shape(1, 2, 4, 4)), "two"));
		assertEquals("expected images [B, 3, H, W] or [B, 1, H, W], got (1, 2, 4, 4)", e.getMessage());
	}
}
