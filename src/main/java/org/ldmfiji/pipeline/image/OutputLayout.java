package org.ldmfiji.pipeline.image;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.LUT;

/**
 * Dresses new planes as the input was: its C/Z/T layout, composite mode, LUTs, display ranges, slice labels and
 * calibration (pixel size divided by the enlargement, units, z spacing and frame interval kept). Reads the
 * input only.
 */
public final class OutputLayout {

	private OutputLayout() {}

	/**
	 * @param planes new planes in the input's stack order, each {@code scale} times the input's width and height
	 */
	public static ImagePlus like(ImagePlus input, ImageStack planes, String title, int scale) {
		ImageStack source = input.getImageStack();
		if (planes.getSize() != source.getSize()) {
			throw new IllegalStateException(planes.getSize() + " planes for an image of " + source.getSize());
		}
		for (int i = 1; i <= planes.getSize(); i++) planes.setSliceLabel(source.getSliceLabel(i), i);
		ImagePlus out = new ImagePlus(title, planes);
		out.setDimensions(input.getNChannels(), input.getNSlices(), input.getNFrames());
		out.setCalibration(scaled(input.getCalibration(), scale));
		if (input.isComposite() && input.getNChannels() > 1) {
			CompositeImage composite = new CompositeImage(out, ((CompositeImage) input).getMode());
			composite.copyLuts(input); // LUTs carry each channel's display range
			composite.setOpenAsHyperStack(input.isHyperStack());
			return composite;
		}
		out.setOpenAsHyperStack(input.isHyperStack());
		if (input.getBitDepth() != 24) { // an RGB display range rewrites pixels
			LUT[] luts = input.getLuts();
			if (luts.length > 0) out.getProcessor().setLut(luts[0]);
			out.setDisplayRange(input.getDisplayRangeMin(), input.getDisplayRangeMax());
		}
		return out;
	}

	private static Calibration scaled(Calibration calibration, int scale) {
		Calibration c = calibration.copy();
		c.pixelWidth /= scale;
		c.pixelHeight /= scale;
		// origins are in pixels
		c.xOrigin *= scale;
		c.yOrigin *= scale;
		return c;
	}
}
