package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ShortProcessor;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

class LabelMapsTest extends ManagerPerClassTest {

	@Test
	void eachPixelsLabelBecomesAOneInItsClassChannel() {
		int w = 5;
		int h = 3;
		ImageStack stack = new ImageStack(w, h);
		short[][] planes = new short[2][w * h];
		for (int p = 0; p < 2; p++) {
			for (int i = 0; i < w * h; i++) planes[p][i] = (short) ((i * 7 + p * 3) % 300);
			stack.addSlice(new ShortProcessor(w, h, planes[p], null));
		}
		ImagePlus labels = new ImagePlus("labels", stack);
		Snapshot before = new Snapshot(labels);
		NDArray oneHot = LabelMaps.oneHot(labels, 300, manager);
		before.assertUnchanged(labels);
		assertEquals(new Shape(2, 300, h, w), oneHot.getShape());
		assertEquals(DataType.FLOAT32, oneHot.getDataType());
		float[] v = oneHot.toFloatArray();
		for (int p = 0; p < 2; p++) {
			for (int k = 0; k < 300; k++) {
				for (int i = 0; i < w * h; i++) {
					assertEquals(planes[p][i] == k ? 1f : 0f, v[((p * 300 + k) * h * w) + i], "plane " + p + " class " + k);
				}
			}
		}
	}
}
