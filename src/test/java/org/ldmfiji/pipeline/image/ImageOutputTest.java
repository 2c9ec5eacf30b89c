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
		ImagePlus imp = ImageOutput.rgb(manager.create(v, new Shape(2, 3, 1, 4)), "sample");
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
}
