package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.Resample;

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

	/** One drawn image: with and without the camera's noise, sharing the labels. */
	public static final class Sample {
		public final LabelledImage noisy, clean;

		Sample(LabelledImage noisy, LabelledImage clean) {
			this.noisy = noisy;
			this.clean = clean;
		}
	}

	private final MicroscopyConfig config;
	private final int width, height;

	public SyntheticMicroscopy(MicroscopyConfig config, int width, int height) {
		if (width < 8 || height < 8 || width > 8192 || height > 8192) {
			throw new IllegalArgumentException("synthetic images must be 8 to 8192 pixels on a side, not " + width + "x" + height);
		}
		this.config = config;
		this.width = width;
		this.height = height;
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

	private Sample draw(NDManager m, int fw, int fh, int margin, Blobs nuclei, float[] nucleusBrightness, Blobs cells,
		float[] cellBrightness, double[] light) {
		NDList nucleusPaint = nuclei.paint(m, fh, fw, nucleusBrightness);
		NDList cellPaint = cells.paint(m, fh, fw, cellBrightness);
		NDArray nucleusLight = nucleusPaint.get(0).mul(texture(m, fh, fw, 1.0));
		NDArray cellLight = cellPaint.get(0).mul(texture(m, fh, fw, 2.5));
		NDArray field = illumination(m, fh, fw, light);
		NDArray background = field.mul((float) config.background).mul(texture(m, fh, fw, 6.0).sub(1f).mul(0.5f).add(1f));
		NDArray image = nucleusLight.add(cellLight).mul(field).add(background).reshape(1, 1, fh, fw);
		NDArray blurred = GaussianBlur.apply(image, config.blurSigma).clip(0f, 1f);
		NDIndex crop = new NDIndex("0, 0, {}:{}, {}:{}", margin, margin + height, margin, margin + width);
		NDArray clean = blurred.get(crop);
		NDArray noisy = config.noise.apply(clean);
		NDArray labels = labels(nucleusPaint.get(1), cellPaint.get(1)).reshape(1, 1, fh, fw).get(crop);
		int[] classes = labels.toType(DataType.INT32, false).toIntArray();
		return new Sample(new LabelledImage(width, height, noisy.toFloatArray(), classes),
			new LabelledImage(width, height, clean.toFloatArray(), classes));
	}

	/** 1 + texture strength × smooth unit-variance noise of grain {@code sigma}, never below 0. */
	private NDArray texture(NDManager m, int h, int w, double sigma) {
		NDArray noise = GaussianBlur.apply(m.randomNormal(new Shape(1, 1, h, w)), sigma).reshape(h, w);
		NDArray unit = noise.div(noise.square().mean().sqrt().add(1e-6f));
		return unit.mul((float) config.texture).add(1f).maximum(0f);
	}

	/**
	 * The illumination over the field: a tilt in a random direction and a vignette centred off-centre, so that
	 * brightness varies by about {@link MicroscopyConfig#unevenness} across the field; bounded below by 0.2.
	 */
	private NDArray illumination(NDManager m, int h, int w, double[] light) {
		NDArray x = m.linspace(-1f, 1f, w).reshape(1, w);
		NDArray y = m.linspace(-1f, 1f, h).reshape(h, 1);
		NDArray tilt = x.mul((float) light[0]).add(y.mul((float) light[1])).mul(0.25f);
		NDArray cx = x.sub((float) (light[2] * 2 - 1)).square();
		NDArray cy = y.sub((float) (light[3] * 2 - 1)).square();
		NDArray vignette = cx.add(cy).mul(-0.25f);
		return tilt.add(vignette).mul((float) config.unevenness).add(1f).maximum(0.2f);
	}

	/** The class of each pixel from the largest coverage by nuclei and cells: nucleus over cell body over background. */
	private static NDArray labels(NDArray nucleusCover, NDArray cellCover) {
		NDArray nucleus = nucleusCover.gte(0.5f).toType(DataType.FLOAT32, false);
		NDArray cell = cellCover.gte(0.5f).toType(DataType.FLOAT32, false);
		return nucleus.mul((float) NUCLEUS).maximum(cell.mul((float) CELL));
	}
}
