package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.ldmfiji.engine.Scoped;

/**
 * Generated images [B, C, H, W] in [0, 1] → an ImagePlus, one slice per batch item: RGB for a 3-channel model,
 * 16-bit over the full range 0..65535 for a grayscale one (8 bits would throw away most of what a microscopy model
 * draws; a 16-bit image is what its users measure on).
 */
public final class ImageOutput {

	private ImageOutput() {}

	public static ImagePlus of(NDArray images01, String title) {
		long channels = images01.getShape().dimension() == 4 ? images01.getShape().get(1) : -1;
		if (channels != 1 && channels != 3) {
			throw new IllegalArgumentException("expected images [B, 3, H, W] or [B, 1, H, W], got " + images01.getShape());
		}
		boolean gray = channels == 1;
		IntensityMapping mapping = gray ? IntensityMapping.between(0, 65535, 16) : IntensityMapping.eightBit();
		ImageProcessor like = gray ? new ShortProcessor(1, 1) : new ColorProcessor(1, 1);
		long b = images01.getShape().get(0);
		ImageStack stack = new ImageStack((int) images01.getShape().get(3), (int) images01.getShape().get(2));
		for (int i = 0; i < b; i++) {
			long item = i;
			NDArray raw = Scoped.keep(images01.getManager(), () -> mapping.fromUnit(images01.get(item)));
			try {
				stack.addSlice("sample " + (i + 1), PlaneTensors.fromRaw(raw, like));
			} finally {
				raw.close();
			}
		}
		ImagePlus imp = new ImagePlus(title, stack);
		if (gray) imp.setDisplayRange(0, 65535);
		return imp;
	}
}
