package org.ldmfiji.testing;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ShortProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The images in {@code test-images/}, made here from fixed seeds (so they are ours to license, CC0).
 * Regenerate with {@code java -cp target/test-classes:target/lib/* org.ldmfiji.testing.TestImages test-images}.
 */
public final class TestImages {

	private TestImages() {}

	/** File name → image, in the order the README lists them. */
	public static Map<String, ImagePlus> all() {
		Map<String, ImagePlus> images = new LinkedHashMap<>();
		images.put("fluorescence_16bit.tif", fluorescence16());
		images.put("stack_8bit.tif", stack8());
		images.put("rgb.tif", rgb());
		images.put("labels_8bit.tif", labels());
		images.put("cells_labels_8bit.tif", cellLabels());
		return images;
	}

	/** 64x64 16-bit: Gaussian blobs of varied brightness on a dark background, with camera-like noise. */
	static ImagePlus fluorescence16() {
		int w = 64, h = 64;
		Random random = new Random(1);
		double[] sum = new double[w * h];
		for (int b = 0; b < 12; b++) {
			double cx = 6 + random.nextDouble() * (w - 12), cy = 6 + random.nextDouble() * (h - 12);
			double sigma = 1.5 + random.nextDouble() * 2.5, peak = 800 + random.nextDouble() * 3000;
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					sum[y * w + x] += peak * StrictMath.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sigma * sigma));
		}
		short[] pixels = new short[w * h];
		for (int i = 0; i < pixels.length; i++) {
			double photons = sum[i] + 100; // offset, as a camera's
			double v = photons + StrictMath.sqrt(photons) * random.nextGaussian() + 8 * random.nextGaussian();
			pixels[i] = (short) Math.max(0, Math.min(65535, Math.round(v)));
		}
		ImagePlus imp = new ImagePlus("fluorescence_16bit", new ShortProcessor(w, h, pixels, null));
		imp.getCalibration().pixelWidth = imp.getCalibration().pixelHeight = 0.1;
		imp.getCalibration().setUnit("um");
		return imp;
	}

	/** 32x32x3 8-bit: a disc moving across a gradient, one position per slice, plus noise. */
	static ImagePlus stack8() {
		int w = 32, h = 32;
		Random random = new Random(2);
		ImageStack stack = new ImageStack(w, h);
		for (int z = 0; z < 3; z++) {
			byte[] pixels = new byte[w * h];
			double cx = 8 + 8 * z, cy = 16;
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					double v = 20 + 3 * x + ((x - cx) * (x - cx) + (y - cy) * (y - cy) < 36 ? 120 : 0) + 6 * random.nextGaussian();
					pixels[y * w + x] = (byte) Math.max(0, Math.min(255, Math.round(v)));
				}
			stack.addSlice("t" + (z + 1), new ByteProcessor(w, h, pixels));
		}
		return new ImagePlus("stack_8bit", stack);
	}

	/** 48x48 RGB: red, green and blue shapes over a grey ramp. */
	static ImagePlus rgb() {
		int w = 48, h = 48;
		int[] pixels = new int[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int r = 40 + 2 * y, g = r, b = r;
				if ((x - 14) * (x - 14) + (y - 14) * (y - 14) < 81) r = 230;
				if (x > 26 && x < 42 && y > 8 && y < 24) g = 210;
				if (Math.abs(x - 24) + Math.abs(y - 36) < 9) b = 240;
				pixels[y * w + x] = (r << 16) | (g << 8) | b;
			}
		return new ImagePlus("rgb", new ColorProcessor(w, h, pixels));
	}

	/** 64x64 8-bit label image: background 0 and labels 1-4, regions around four seeds (nearest seed wins). */
	static ImagePlus labels() {
		int w = 64, h = 64;
		int[][] seeds = { { 14, 16 }, { 48, 12 }, { 20, 50 }, { 50, 46 } };
		byte[] pixels = new byte[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				int best = 0;
				double bestD = 18 * 18; // farther than this from every seed: background
				for (int s = 0; s < seeds.length; s++) {
					double d = (x - seeds[s][0]) * (x - seeds[s][0]) + (y - seeds[s][1]) * (y - seeds[s][1]);
					if (d < bestD) {
						bestD = d;
						best = s + 1;
					}
				}
				pixels[y * w + x] = (byte) best;
			}
		return new ImagePlus("labels_8bit", new ByteProcessor(w, h, pixels));
	}

	/**
	 * 128x128 8-bit label image in the classes of the bundled label-map model: 0 background, 1 cell body, 2 nucleus.
	 * Elliptical nuclei of radius 6-11 px (the training generator's range), most inside a cell body about twice their
	 * size; where objects meet, the later one is drawn over the earlier, and a nucleus over any cell body.
	 */
	static ImagePlus cellLabels() {
		int w = 128, h = 128;
		Random random = new Random(7);
		byte[] cells = new byte[w * h];
		byte[] nuclei = new byte[w * h];
		for (int n = 0; n < 14; n++) {
			double cx = random.nextDouble() * w, cy = random.nextDouble() * h;
			double r = 6 + random.nextDouble() * 5, elongation = 0.65 + random.nextDouble() * 0.35;
			double angle = random.nextDouble() * Math.PI;
			double cellScale = random.nextDouble() < 0.7 ? 1.6 + random.nextDouble() * 0.8 : 0;
			fillEllipse(nuclei, w, h, cx, cy, r / Math.sqrt(elongation), r * Math.sqrt(elongation), angle);
			if (cellScale > 0) {
				double rc = r * cellScale;
				fillEllipse(cells, w, h, cx, cy, rc / Math.sqrt(elongation), rc * Math.sqrt(elongation), angle);
			}
		}
		byte[] pixels = new byte[w * h];
		for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (nuclei[i] != 0 ? 2 : cells[i] != 0 ? 1 : 0);
		return new ImagePlus("cells_labels_8bit", new ByteProcessor(w, h, pixels));
	}

	private static void fillEllipse(byte[] mask, int w, int h, double cx, double cy, double a, double b, double angle) {
		double cos = StrictMath.cos(angle), sin = StrictMath.sin(angle);
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double u = ((x - cx) * cos + (y - cy) * sin) / a, v = (-(x - cx) * sin + (y - cy) * cos) / b;
				if (u * u + v * v <= 1) mask[y * w + x] = 1;
			}
	}

	public static void main(String[] args) throws IOException {
		Path dir = Paths.get(args.length > 0 ? args[0] : "test-images");
		Files.createDirectories(dir);
		for (Map.Entry<String, ImagePlus> e : all().entrySet()) {
			Path file = dir.resolve(e.getKey());
			if (!new FileSaver(e.getValue()).saveAsTiff(file.toString())) throw new IOException("could not write " + file);
		}
	}
}
