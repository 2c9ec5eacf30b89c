package org.ldmfiji.pipeline;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageProcessor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether one sampling recipe super-resolves as well as another: each ground-truth image is cropped to a multiple of
 * the model's factor, shrunk by it (area average), super-resolved with every recipe from the same seed, and compared
 * with the ground truth by PSNR. Made for the question "do 20 DPM-Solver++ steps come within 0.3 dB of the
 * reference's 100 DDIM steps" once a trained SR model exists; with the random-weight test models the numbers mean
 * nothing.
 */
final class SamplerQuality {

	/** A sampler, its steps and eta, written {@code sampler:steps[:eta]} (e.g. {@code ddim:100:1}, {@code dpmpp2m:20}). */
	static final class Recipe {
		final String sampler;
		final int steps;
		final double eta;

		private Recipe(String sampler, int steps, double eta) {
			this.sampler = sampler;
			this.steps = steps;
			this.eta = eta;
		}

		static Recipe parse(String text) {
			String[] p = text.trim().split(":");
			if (p.length < 2 || p.length > 3) throw new IllegalArgumentException("a recipe is sampler:steps[:eta], not '" + text + "'");
			try {
				return new Recipe(p[0], Integer.parseInt(p[1]), p.length == 3 ? Double.parseDouble(p[2]) : 0.0);
			} catch (NumberFormatException e) {
				throw new IllegalArgumentException("a recipe is sampler:steps[:eta], not '" + text + "'");
			}
		}

		SamplingSettings settings(long seed) {
			return SamplingSettings.builder().sampler(sampler).steps(steps).eta(eta).seed(seed).build();
		}

		@Override
		public String toString() {
			return sampler + ":" + steps + (eta == 0 ? "" : ":" + eta);
		}
	}

	/** PSNR in dB per image (rows) and recipe (columns), and each recipe's total time. */
	static final class Report {
		final List<String> images = new ArrayList<>();
		final List<Recipe> recipes;
		final List<double[]> psnr = new ArrayList<>();
		final double[] seconds;

		Report(List<Recipe> recipes) {
			this.recipes = recipes;
			this.seconds = new double[recipes.size()];
		}

		double mean(int recipe) {
			return psnr.stream().mapToDouble(row -> row[recipe]).average().orElse(Double.NaN);
		}

		String format() {
			StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-28s", "image"));
			for (Recipe r : recipes) s.append(String.format(Locale.ROOT, " %14s", r));
			s.append('\n');
			for (int i = 0; i < images.size(); i++) {
				s.append(String.format(Locale.ROOT, "%-28s", images.get(i)));
				for (double v : psnr.get(i)) s.append(String.format(Locale.ROOT, " %11.3f dB", v));
				s.append('\n');
			}
			s.append(String.format(Locale.ROOT, "%-28s", "mean"));
			for (int r = 0; r < recipes.size(); r++) s.append(String.format(Locale.ROOT, " %11.3f dB", mean(r)));
			s.append('\n').append(String.format(Locale.ROOT, "%-28s", "time"));
			for (double t : seconds) s.append(String.format(Locale.ROOT, " %12.1f s", t));
			s.append('\n');
			for (int r = 1; r < recipes.size(); r++) {
				s.append(String.format(Locale.ROOT, "%s − %s: %+.3f dB mean PSNR, %.2f× the time%n", recipes.get(r), recipes.get(0),
					mean(r) - mean(0), seconds[r] / seconds[0]));
			}
			return s.toString();
		}
	}

	private SamplerQuality() {}

	/** Every ground-truth image through every recipe; the images are only read. */
	static Report compare(ImageTasks tasks, int factor, List<ImagePlus> groundTruth, List<Recipe> recipes, long seed) {
		Report report = new Report(recipes);
		// untimed: the first run of a JVM pays for class loading and libtorch's start-up
		tasks.superResolve(shrink(cropToMultiple(groundTruth.get(0), factor), factor),
			new Recipe(recipes.get(0).sampler, 2, recipes.get(0).eta).settings(seed));
		for (ImagePlus full : groundTruth) {
			ImagePlus truth = cropToMultiple(full, factor);
			ImagePlus low = shrink(truth, factor);
			double[] row = new double[recipes.size()];
			for (int r = 0; r < recipes.size(); r++) {
				long start = System.nanoTime();
				ImagePlus sr = tasks.superResolve(low, recipes.get(r).settings(seed));
				report.seconds[r] += (System.nanoTime() - start) / 1e9;
				row[r] = psnr(sr, truth);
			}
			report.images.add(full.getTitle());
			report.psnr.add(row);
		}
		return report;
	}

	/** The top-left part whose sides are multiples of {@code factor}. */
	static ImagePlus cropToMultiple(ImagePlus image, int factor) {
		int w = image.getWidth() / factor * factor;
		int h = image.getHeight() / factor * factor;
		if (w == 0 || h == 0) throw new IllegalArgumentException(image.getTitle() + " is smaller than the factor " + factor);
		ImageStack s = image.getStack().crop(0, 0, 0, w, h, image.getStackSize());
		return like(image, s, image.getTitle());
	}

	/** Every plane shrunk by {@code factor}, each output pixel the mean of its factor × factor block. */
	static ImagePlus shrink(ImagePlus image, int factor) {
		ImageStack in = image.getStack();
		ImageStack out = new ImageStack(image.getWidth() / factor, image.getHeight() / factor);
		for (int i = 1; i <= in.getSize(); i++) out.addSlice(in.getSliceLabel(i), in.getProcessor(i).bin(factor));
		ImagePlus low = like(image, out, image.getTitle() + "_lr");
		low.getCalibration().pixelWidth *= factor;
		low.getCalibration().pixelHeight *= factor;
		return low;
	}

	/**
	 * PSNR of {@code image} against {@code truth} over every plane and colour channel, in dB. The peak is 255 for 8-bit
	 * and RGB images, the truth's range (max − min) for 16- and 32-bit ones, as is usual for microscopy data.
	 */
	static double psnr(ImagePlus image, ImagePlus truth) {
		if (image.getWidth() != truth.getWidth() || image.getHeight() != truth.getHeight()
			|| image.getStackSize() != truth.getStackSize()) {
			throw new IllegalArgumentException("sizes differ: " + image + " vs " + truth);
		}
		double sum = 0;
		long n = 0;
		double min = Double.POSITIVE_INFINITY;
		double max = Double.NEGATIVE_INFINITY;
		for (int i = 1; i <= truth.getStackSize(); i++) {
			ImageProcessor a = image.getStack().getProcessor(i);
			ImageProcessor b = truth.getStack().getProcessor(i);
			for (int c = 0; c < b.getNChannels(); c++) {
				float[] x = (float[]) a.toFloat(c, null).getPixels();
				float[] y = (float[]) b.toFloat(c, null).getPixels();
				for (int k = 0; k < y.length; k++) {
					double d = (double) x[k] - y[k];
					sum += d * d;
					min = Math.min(min, y[k]);
					max = Math.max(max, y[k]);
				}
				n += y.length;
			}
		}
		int bits = truth.getBitDepth();
		double peak = bits == 8 || bits == 24 ? 255 : max - min;
		return 10 * Math.log10(peak * peak / (sum / n));
	}

	private static ImagePlus like(ImagePlus model, ImageStack stack, String title) {
		ImagePlus out = new ImagePlus(title, stack);
		out.setDimensions(model.getNChannels(), model.getNSlices(), model.getNFrames());
		out.setCalibration(model.getCalibration().copy());
		return out;
	}
}
