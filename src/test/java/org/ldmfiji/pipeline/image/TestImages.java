package org.ldmfiji.pipeline.image;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.LUT;
import ij.process.ShortProcessor;

import java.awt.Color;
import java.util.Random;

/** Real ImagePlus objects of every kind a Fiji user has, with seeded random pixels. */
final class TestImages {

	private TestImages() {}

	/** A random plane: 8-bit 0..255, 16-bit 0..4095 (a 12-bit camera), 32-bit around 100 ± 30, RGB. */
	static ImageProcessor plane(int bitDepth, int width, int height, Random random) {
		int n = width * height;
		switch (bitDepth) {
			case 8: {
				byte[] p = new byte[n];
				random.nextBytes(p);
				return new ByteProcessor(width, height, p);
			}
			case 16: {
				short[] p = new short[n];
				for (int i = 0; i < n; i++) p[i] = (short) random.nextInt(4096);
				return new ShortProcessor(width, height, p, null);
			}
			case 32: {
				float[] p = new float[n];
				for (int i = 0; i < n; i++) p[i] = (float) (100 + 30 * random.nextGaussian());
				return new FloatProcessor(width, height, p);
			}
			case 24: {
				int[] p = new int[n];
				for (int i = 0; i < n; i++) p[i] = 0xff000000 | random.nextInt(1 << 24);
				return new ColorProcessor(width, height, p);
			}
			default:
				throw new IllegalArgumentException("bit depth " + bitDepth);
		}
	}

	/**
	 * A (hyper)stack of C·Z·T random planes with a calibration, a non-default display range or composite LUTs,
	 * a selection and a current position away from the first plane, so that changes to any of them show.
	 */
	static ImagePlus image(String title, int bitDepth, int width, int height, int c, int z, int t, long seed) {
		Random random = new Random(seed);
		ImageStack stack = new ImageStack(width, height);
		for (int i = 0; i < c * z * t; i++) stack.addSlice("plane " + (i + 1), plane(bitDepth, width, height, random));
		ImagePlus imp = new ImagePlus(title, stack);
		imp.setDimensions(c, z, t);
		if (z > 1 && t > 1 || c > 1 && z * t > 1) imp.setOpenAsHyperStack(true);
		Calibration cal = imp.getCalibration();
		cal.pixelWidth = 0.3;
		cal.pixelHeight = 0.4;
		cal.pixelDepth = 1.5;
		cal.frameInterval = 2.0;
		cal.setUnit("um");
		cal.setTimeUnit("s");
		cal.xOrigin = 3;
		cal.yOrigin = 5;
		if (c > 1) {
			CompositeImage composite = new CompositeImage(imp, CompositeImage.COMPOSITE);
			LUT[] luts = {LUT.createLutFromColor(Color.magenta), LUT.createLutFromColor(Color.green),
				LUT.createLutFromColor(Color.cyan)};
			for (int ch = 1; ch <= c; ch++) {
				composite.setPosition(ch, 1, 1);
				composite.setChannelLut(luts[(ch - 1) % luts.length]);
				composite.setDisplayRange(10 * ch, 200 + 10 * ch);
			}
			imp = composite;
		} else if (bitDepth != 24) {
			imp.getProcessor().setLut(LUT.createLutFromColor(Color.orange));
			imp.setDisplayRange(7, bitDepth == 8 ? 201 : 3001);
		}
		imp.setPosition(c, z, t);
		imp.setRoi(1, 1, width / 2, height / 2);
		return imp;
	}
}
