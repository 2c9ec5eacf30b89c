package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.LUT;

import java.util.ArrayList;
import java.util.List;

/** Everything about an ImagePlus that processing it must leave alone, captured as copies. */
final class Snapshot {

	private final List<Object> pixels = new ArrayList<>();
	private final String title;
	private final String roi;
	private final String calibration;
	private final List<String> display = new ArrayList<>();
	private final int[] position;
	private final int[] dimensions;
	private final int bitDepth;

	Snapshot(ImagePlus image) {
		ImageStack stack = image.getImageStack();
		for (int i = 1; i <= stack.getSize(); i++) pixels.add(copy(stack.getPixels(i)));
		title = image.getTitle();
		roi = image.getRoi() == null ? "none" : image.getRoi().getTypeAsString() + " " + image.getRoi().getBounds();
		calibration = image.getCalibration().toString() + " origin " + image.getCalibration().xOrigin + ","
			+ image.getCalibration().yOrigin + " interval " + image.getCalibration().frameInterval;
		for (LUT lut : image.getLuts()) display.add(describe(lut));
		display.add(image.getDisplayRangeMin() + ".." + image.getDisplayRangeMax());
		position = new int[] {image.getChannel(), image.getSlice(), image.getFrame(), image.getCurrentSlice()};
		dimensions = image.getDimensions();
		bitDepth = image.getBitDepth();
	}

	static String describe(LUT lut) {
		byte[] bytes = lut.getBytes();
		return lut.min + ".." + lut.max + " " + java.util.Arrays.hashCode(bytes);
	}

	private static Object copy(Object p) {
		if (p instanceof byte[]) return ((byte[]) p).clone();
		if (p instanceof short[]) return ((short[]) p).clone();
		if (p instanceof float[]) return ((float[]) p).clone();
		return ((int[]) p).clone();
	}

	void assertUnchanged(ImagePlus image) {
		Snapshot now = new Snapshot(image);
		assertEquals(pixels.size(), now.pixels.size(), "planes");
		for (int i = 0; i < pixels.size(); i++) {
			Object a = pixels.get(i);
			Object b = now.pixels.get(i);
			if (a instanceof byte[]) assertArrayEquals((byte[]) a, (byte[]) b, "pixels of plane " + (i + 1));
			else if (a instanceof short[]) assertArrayEquals((short[]) a, (short[]) b, "pixels of plane " + (i + 1));
			else if (a instanceof float[]) assertArrayEquals((float[]) a, (float[]) b, "pixels of plane " + (i + 1));
			else assertArrayEquals((int[]) a, (int[]) b, "pixels of plane " + (i + 1));
		}
		assertEquals(title, now.title, "title");
		assertEquals(roi, now.roi, "selection");
		assertEquals(calibration, now.calibration, "calibration");
		assertEquals(display, now.display, "LUTs and display ranges");
		assertArrayEquals(position, now.position, "position");
		assertArrayEquals(dimensions, now.dimensions, "dimensions");
		assertEquals(bitDepth, now.bitDepth, "bit depth");
	}
}
