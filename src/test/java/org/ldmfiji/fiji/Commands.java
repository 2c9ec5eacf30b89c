package org.ldmfiji.fiji;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ImageProcessor;
import org.scijava.Context;
import org.scijava.app.StatusService;
import org.scijava.command.Command;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.log.LogService;

import java.util.Random;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The commands as a headless Fiji script runs them: a SciJava context with only the services they use, each command
 * run through the {@link CommandService} with its pre- and postprocessors, and real ImageJ images.
 */
final class Commands implements AutoCloseable {

	final Context context = new Context(CommandService.class, StatusService.class, LogService.class, LatentDiffusionModelService.class);

	/** Runs {@code type} with {@code inputs} (name, value, ...) and waits for it. */
	CommandModule run(Class<? extends Command> type, Object... inputs) throws InterruptedException, ExecutionException {
		return context.service(CommandService.class).run(type, true, inputs).get();
	}

	LatentDiffusionModelService models() {
		return context.service(LatentDiffusionModelService.class);
	}

	@Override
	public void close() {
		context.dispose();
	}

	/**
	 * A {@code width}×{@code height} image of {@code c} channels, {@code z} slices and {@code t} frames of seeded
	 * random pixels, calibrated at 0.5 µm per pixel; a composite where {@code c} > 1.
	 */
	static ImagePlus image(String title, int bitDepth, int width, int height, int c, int z, int t, long seed) {
		String type = bitDepth == 24 ? "RGB" : bitDepth + "-bit";
		ImagePlus imp = IJ.createImage(title, type + (c > 1 ? " composite-mode" : "") + " black", width, height, c, z, t);
		Random random = new Random(seed);
		ImageStack stack = imp.getStack();
		for (int i = 1; i <= stack.getSize(); i++) {
			ImageProcessor p = stack.getProcessor(i);
			for (int y = 0; y < height; y++)
				for (int x = 0; x < width; x++) {
					switch (bitDepth) {
						case 8: p.set(x, y, random.nextInt(256)); break;
						case 16: p.set(x, y, 200 + random.nextInt(3000)); break;
						case 32: p.setf(x, y, (float) random.nextGaussian() * 10); break;
						default: p.set(x, y, random.nextInt(1 << 24));
					}
				}
		}
		imp.getCalibration().pixelWidth = imp.getCalibration().pixelHeight = 0.5;
		imp.getCalibration().setUnit("um");
		return imp;
	}

	/** A copy of every plane's pixels, to compare after a command has run. */
	static Object[] pixels(ImagePlus imp) {
		Object[] planes = new Object[imp.getStackSize()];
		for (int i = 0; i < planes.length; i++) planes[i] = imp.getStack().getProcessor(i + 1).duplicate().getPixels();
		return planes;
	}

	static void assertSamePixels(Object[] expected, ImagePlus actual) {
		Object[] now = pixels(actual);
		assertEquals(expected.length, now.length, "planes");
		for (int i = 0; i < now.length; i++) {
			Object a = expected[i];
			Object b = now[i];
			if (a instanceof byte[]) assertArrayEquals((byte[]) a, (byte[]) b, "plane " + (i + 1));
			else if (a instanceof short[]) assertArrayEquals((short[]) a, (short[]) b, "plane " + (i + 1));
			else if (a instanceof float[]) assertArrayEquals((float[]) a, (float[]) b, "plane " + (i + 1));
			else assertArrayEquals((int[]) a, (int[]) b, "plane " + (i + 1));
		}
	}

	/**
	 * Counts the pixels inside and outside {@code hole} where {@code out} differs from {@code in}: {changed inside,
	 * changed outside}, over every plane.
	 */
	static int[] changes(ImagePlus in, ImagePlus out, Roi hole) {
		int[] changed = new int[2];
		for (int i = 1; i <= in.getStackSize(); i++) {
			ImageProcessor a = in.getStack().getProcessor(i);
			ImageProcessor b = out.getStack().getProcessor(i);
			for (int y = 0; y < in.getHeight(); y++)
				for (int x = 0; x < in.getWidth(); x++)
					if (Float.floatToIntBits(a.getf(x, y)) != Float.floatToIntBits(b.getf(x, y)) || a.get(x, y) != b.get(x, y))
						changed[hole.contains(x, y) ? 0 : 1]++;
		}
		return changed;
	}
}
