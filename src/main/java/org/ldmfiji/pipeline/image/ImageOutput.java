package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;
import org.ldmfiji.engine.Scoped;

/** Generated images [B, 3, H, W] in [0, 1] → an RGB ImagePlus, one slice per batch item. */
public final class ImageOutput {

	private ImageOutput() {}

	public static ImagePlus rgb(NDArray images01, String title) {
		if (images01.getShape().dimension() != 4 || images01.getShape().get(1) != 3) {
			throw new IllegalArgumentException("expected images [B, 3, H, W], got " + images01.getShape());
		}
		long b = images01.getShape().get(0);
		int h = (int) images01.getShape().get(2);
		int w = (int) images01.getShape().get(3);
		ColorProcessor like = new ColorProcessor(1, 1);
		ImageStack stack = new ImageStack(w, h);
		for (int i = 0; i < b; i++) {
			long item = i;
			NDArray raw = Scoped.keep(images01.getManager(), () -> IntensityMapping.eightBit().fromUnit(images01.get(item)));
			try {
				stack.addSlice("sample " + (i + 1), PlaneTensors.fromRaw(raw, like));
			} finally {
				raw.close();
			}
		}
		return new ImagePlus(title, stack);
	}
}
