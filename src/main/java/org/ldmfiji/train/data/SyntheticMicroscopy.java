package org.ldmfiji.train.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.engine.Inference;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Fluorescence-microscopy-like grayscale images with their label maps, drawn from a {@link MicroscopyConfig}:
 * textured nuclei, most inside a dimmer cell body, of varied size, shape and brightness, some touching or overlapping
 * (their light adds up, as fluorophores' does), on an unevenly lit background, blurred by the PSF, with camera noise.
 *
 * <p>Labels are classes: {@value #BACKGROUND} background, {@value #CELL} cell body, {@value #NUCLEUS} nucleus (where
 * a nucleus and another cell overlap, the nucleus). The same seed gives the same image: shapes are drawn from the
 * caller's {@link SplittableRandom}, pixel noise from libtorch's generator seeded from it.
 */
public final class SyntheticMicroscopy implements ImageSource {

	public static final int BACKGROUND = 0, CELL = 1, NUCLEUS = 2;
	/** How many classes the label maps use. */
	public static final int CLASSES = 3;

	/** One drawn image: with and without the camera's noise, sharing the labels, and the camera that added the noise. */
	public static final class Sample {
		public final LabelledImage noisy, clean;
		public final PoissonGaussianNoise camera;

		Sample(LabelledImage noisy, LabelledImage clean, PoissonGaussianNoise camera) {
			this.noisy = noisy;
			this.clean = clean;
			this.camera = camera;
		}
	}

	private final MicroscopyConfig config;
	private final int width, height;

	public SyntheticMicroscopy(MicroscopyConfig config, int width, int height) {
		requireSize(width, height);
		this.config = config;
		this.width = width;
		this.height = height;
	}

	/** @throws IllegalArgumentException if the generator cannot draw images of this size */
	static void requireSize(int width, int height) {
		if (width < 8 || height < 8 || width > 8192 || height > 8192) {
			throw new IllegalArgumentException("synthetic images must be 8 to 8192 pixels on a side, not " + width + "x" + height);
		}
	}

	public MicroscopyConfig config() {
		return config;
	}

	/** The noisy image, as a microscope records it. */
	@Override
	public LabelledImage next(SplittableRandom random) {
		return render(random).noisy;
	}

	/** The same images without the camera's noise, as a source of their own (for targets a degradation adds noise to). */
	public ImageSource clean() {
		return random -> render(random).clean;
	}

	/** The image with and without noise. */
	public Sample render(SplittableRandom random) {
		// the field is drawn larger than the crop, so blur and objects run on past its edges as in a real field of view
		int margin = (int) Math.ceil(config.nucleusRadiusMax * config.cellScaleMax) + 2
			+ (config.blurSigma > 0 ? GaussianBlur.radius(config.blurSigma) : 0);
		int fw = width + 2 * margin, fh = height + 2 * margin;
		Blobs nuclei = new Blobs();
		Blobs cells = new Blobs();
		float[] nucleusBrightness = place(random, fw, fh, nuclei, cells);
		float[] cellBrightness = new float[cells.size()];
		for (int i = 0; i < cellBrightness.length; i++) {
			cellBrightness[i] = nucleusBrightness[i] * (float) random.nextDouble(config.cytoplasmRatioMin, config.cytoplasmRatioMax + 1e-9);
		}
		// cells were added for the first cells.size() nuclei: their brightness follows their own nucleus
		double[] light = {random.nextDouble(-1, 1), random.nextDouble(-1, 1), random.nextDouble(0.3, 0.7), random.nextDouble(0.3, 0.7)};
		long seed = random.nextLong();
		try (NDManager m = NDManager.newBaseManager()) {
			return Inference.seeded(seed, () -> draw(m, fw, fh, margin, nuclei, nucleusBrightness, cells, cellBrightness, light));
		}
	}

	/**
	 * Places the nuclei (Poisson-like count, some clustered against earlier ones) and the cell bodies of the first
	 * ones; returns each nucleus's brightness.
	 */
	private float[] place(SplittableRandom random, int fw, int fh, Blobs nuclei, Blobs cells) {
		double expected = config.density * fw * fh / 1e4 * Math.exp(gaussian(random) * 0.25);
		int n = (int) Math.round(expected + Math.sqrt(expected) * gaussian(random));
		n = Math.max(0, n);
		float[] brightness = new float[n];
		for (int i = 0; i < n; i++) {
			double r = random.nextDouble(config.nucleusRadiusMin, config.nucleusRadiusMax + 1e-9);
			double x, y;
			if (i > 0 && random.nextDouble() < config.clustering) {
				int j = random.nextInt(i);
				double angle = random.nextDouble(2 * Math.PI);
				double d = (nuclei.radius(j) + r) * random.nextDouble(0.7, 1.05);
				x = nuclei.x(j) + d * Math.cos(angle);
				y = nuclei.y(j) + d * Math.sin(angle);
			} else {
				x = random.nextDouble(fw);
				y = random.nextDouble(fh);
			}
			nuclei.add(random, x, y, r, config.elongationMin, config.irregularity);
			brightness[i] = (float) random.nextDouble(config.nucleusBrightnessMin, config.nucleusBrightnessMax + 1e-9);
		}
		int withCell = (int) Math.round(n * config.cellFraction);
		for (int i = 0; i < withCell; i++) {
			double r = nuclei.radius(i) * random.nextDouble(config.cellScaleMin, config.cellScaleMax + 1e-9);
			double shift = nuclei.radius(i) * random.nextDouble(0.3);
			double angle = random.nextDouble(2 * Math.PI);
			cells.add(random, nuclei.x(i) + shift * Math.cos(angle), nuclei.y(i) + shift * Math.sin(angle), r,
				config.elongationMin * 0.8, Math.min(0.3, config.irregularity * 1.5));
		}
		return brightness;
	}

	/** A standard normal number (Box–Muller; SplittableRandom has none before Java 17). */
	static double gaussian(SplittableRandom random) {
		return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
	}

	/**
	 * The arrays one image is drawn in, kept from image to image: they are field-sized, and fresh ones each time cost
	 * more (zeroing, page faults, garbage collection) than the arithmetic on them. Used by one image at a time.
	 */
	private static final class Canvas {
		final TensorCopies copies = new TensorCopies();
		final Blobs.Scratch objects = new Blobs.Scratch();
		final PoissonGaussianNoise.Workspace camera = new PoissonGaussianNoise.Workspace();
		/** Rows and columns of the field: libtorch's linspace(−1, 1), as the illumination has always been computed on. */
		final float[] xs, ys;
		/** Blurs in Java as libtorch's conv2d did, and the kernels: the textures' grains, in order, and the PSF's. */
		final GaussianBlur.Separable blur = new GaussianBlur.Separable();
		final float[][] grains = {GaussianBlur.kernel(NUCLEUS_GRAIN), GaussianBlur.kernel(CELL_GRAIN), GaussianBlur.kernel(BACKGROUND_GRAIN)};
		final float[] psf;
		/** The field: texture noise, blurred, and its squares. */
		final float[] noise, blurred, squares;
		/** The part of the field the crop's blur reads ({@code regionW × regionH}): objects, illumination, light. */
		final float[] nucleusSum, nucleusMax, cellSum, cellMax, illumination, light, image;

		Canvas(NDManager m, int fw, int fh, int regionW, int regionH, double psfSigma) {
			psf = psfSigma > 0 ? GaussianBlur.kernel(psfSigma) : null;
			xs = m.linspace(-1f, 1f, fw).toFloatArray();
			ys = m.linspace(-1f, 1f, fh).toFloatArray();
			noise = new float[fw * fh];
			blurred = new float[fw * fh];
			squares = new float[fw * fh];
			int region = regionW * regionH;
			nucleusSum = new float[region];
			nucleusMax = new float[region];
			cellSum = new float[region];
			cellMax = new float[region];
			illumination = new float[region];
			light = new float[region];
			image = new float[region];
		}
	}

	/** Texture grains, in the order their noise is drawn: nuclei's chromatin, cell bodies' cytoplasm, the background. */
	private static final double NUCLEUS_GRAIN = 1.0, CELL_GRAIN = 2.5, BACKGROUND_GRAIN = 6.0;

	private Canvas canvas;

	/**
	 * Draws the image. Everything libtorch draws (the textures' and the camera's random numbers) and every op whose
	 * rounding is libtorch's own (square root, atan2, cos, sigmoid, exp, the mean of a texture) runs there as it always
	 * has; the rest is float arithmetic that Java rounds as libtorch does (products, quotients, sums, the blurs' fused
	 * or separate multiply-adds), done here in the same order on the same numbers. So the images are those the
	 * all-libtorch generator drew, bit for bit, while only the part of the field the crop needs is computed.
	 */
	private Sample draw(NDManager m, int fw, int fh, int margin, Blobs nuclei, float[] nucleusBrightness, Blobs cells,
		float[] cellBrightness, double[] light) {
		int r = config.blurSigma > 0 ? GaussianBlur.radius(config.blurSigma) : 0;
		// the crop and the PSF's reach around it, within the field because the margin holds the PSF's radius
		int x0 = margin - r, y0 = margin - r, rw = width + 2 * r, rh = height + 2 * r;
		synchronized (this) {
			if (canvas == null) canvas = new Canvas(m, fw, fh, rw, rh, config.blurSigma);
			Canvas c = canvas;
			Arrays.fill(c.nucleusSum, 0f);
			Arrays.fill(c.nucleusMax, 0f);
			Arrays.fill(c.cellSum, 0f);
			Arrays.fill(c.cellMax, 0f);
			nuclei.paint(m, c.objects, fh, fw, nucleusBrightness, y0, x0, rh, rw, c.nucleusSum, c.nucleusMax);
			cells.paint(m, c.objects, fh, fw, cellBrightness, y0, x0, rh, rw, c.cellSum, c.cellMax);
			// nuclei's light plus the cell bodies', each times its texture
			float strength = (float) config.texture;
			float scale = texture(m, c, fw, fh, c.grains[0]);
			for (int y = 0; y < rh; y++) {
				for (int x = 0, i = y * rw, f = (y0 + y) * fw + x0; x < rw; x++, i++, f++) {
					c.light[i] = c.nucleusSum[i] * grain(c.blurred[f], scale, strength);
				}
			}
			scale = texture(m, c, fw, fh, c.grains[1]);
			for (int y = 0; y < rh; y++) {
				for (int x = 0, i = y * rw, f = (y0 + y) * fw + x0; x < rw; x++, i++, f++) {
					c.light[i] = c.light[i] + c.cellSum[i] * grain(c.blurred[f], scale, strength);
				}
			}
			// under the uneven illumination, over the textured background
			float[] field = illumination(c, x0, y0, rw, rh, light);
			scale = texture(m, c, fw, fh, c.grains[2]);
			float level = (float) config.background;
			for (int y = 0; y < rh; y++) {
				for (int x = 0, i = y * rw, f = (y0 + y) * fw + x0; x < rw; x++, i++, f++) {
					float background = field[i] * level * ((grain(c.blurred[f], scale, strength) - 1f) * 0.5f + 1f);
					c.image[i] = c.light[i] * field[i] + background;
				}
			}
			float[] clean = new float[width * height];
			if (r > 0) {
				// the PSF on the crop only; libtorch's conv2d would have taken the whole field extended by r
				float[] k = c.psf;
				long paddedField = (long) (fh + 2 * r) * (fw + 2 * r), rowsField = (long) (fh + 2 * r) * fw;
				c.blur.set(c.image, rw, rh, 0);
				c.blur.apply(rw, rh, k, GaussianBlur.fusedTaps(paddedField), GaussianBlur.fusedTaps(rowsField), clean);
			} else {
				for (int y = 0; y < height; y++) System.arraycopy(c.image, y * rw, clean, y * width, width);
			}
			for (int i = 0; i < clean.length; i++) clean[i] = PoissonGaussianNoise.clip(clean[i]);
			float[] noisy = config.noise.apply(clean, m, new Shape(1, 1, height, width), c.camera);
			int[] classes = new int[width * height];
			for (int y = 0; y < height; y++) {
				for (int x = 0, o = y * width, i = (y + r) * rw + r; x < width; x++, o++, i++) {
					classes[o] = Math.max(c.nucleusMax[i] >= 0.5f ? NUCLEUS : BACKGROUND, c.cellMax[i] >= 0.5f ? CELL : BACKGROUND);
				}
			}
			return new Sample(new LabelledImage(width, height, noisy, classes), new LabelledImage(width, height, clean, classes), config.noise);
		}
	}

	/**
	 * Smooth unit-variance noise of grain {@code k} (a Gaussian kernel) over the whole field, left in the canvas's
	 * {@code blurred} until the next call; returns what it is divided by for {@link #grain}: the whole field's root mean
	 * square, plus 1e-6.
	 */
	private float texture(NDManager m, Canvas c, int w, int h, float[] k) {
		int r = k.length / 2, pw = w + 2 * r, ph = h + 2 * r;
		try (NDManager scope = m.newSubManager()) {
			TensorCopies.read(scope.randomNormal(new Shape(1, 1, h, w)), c.noise);
			// extended by repeating its edge, then blurred along rows and columns as GaussianBlur.apply does
			c.blur.set(c.noise, w, h, r);
			c.blur.apply(pw, ph, k, GaussianBlur.fusedTaps((long) pw * ph), GaussianBlur.fusedTaps((long) w * ph), c.blurred);
			// libtorch's mean of the squares (its summation order depends on its thread count) and libtorch's square
			// root (not the correctly rounded one): both are part of the image; squares and sums are exact, so done here
			float[] squares = c.squares;
			for (int i = 0; i < squares.length; i++) squares[i] = c.blurred[i] * c.blurred[i];
			return TensorCopies.view(c.copies.shared(scope, squares, new Shape(h, w)).mean().sqrt()).get(0) + 1e-6f;
		}
	}

	/** 1 + texture strength × the noise {@code value} / {@code scale}, never below 0. */
	private static float grain(float value, float scale, float strength) {
		float v = value / scale * strength + 1f;
		return v > 0f ? v : 0f;
	}

	/**
	 * The illumination over the region ({@code rw × rh} from column {@code x0}, row {@code y0}): a tilt in a random direction and a vignette centred off-centre, so that
	 * brightness varies by about {@link MicroscopyConfig#unevenness} across the field; bounded below by 0.2.
	 */
	private float[] illumination(Canvas c, int x0, int y0, int rw, int rh, double[] light) {
		float tiltX = (float) light[0], tiltY = (float) light[1];
		float cx = (float) (light[2] * 2 - 1), cy = (float) (light[3] * 2 - 1), unevenness = (float) config.unevenness;
		float[] field = c.illumination;
		for (int y = 0; y < rh; y++) {
			float ty = c.ys[y0 + y] * tiltY, dy = c.ys[y0 + y] - cy, vy = dy * dy;
			for (int x = 0, i = y * rw; x < rw; x++, i++) {
				float dx = c.xs[x0 + x] - cx;
				float tilt = (c.xs[x0 + x] * tiltX + ty) * 0.25f;
				float vignette = (dx * dx + vy) * -0.25f;
				float v = (tilt + vignette) * unevenness + 1f;
				field[i] = v > 0.2f ? v : 0.2f;
			}
		}
		return field;
	}
}
