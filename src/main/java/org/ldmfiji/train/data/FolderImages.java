package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageConverter;
import org.ldmfiji.pipeline.FolderBatch;
import org.ldmfiji.pipeline.image.IntensityMapping;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random crops of a folder of images of any bit depth (TIFF, PNG, JPEG, ...; read by ImageJ, headless): every plane of
 * every channel, z and t is a grayscale training image, RGB converted to luminance. Each channel is mapped to [0, 1]
 * exactly as the plugin maps an input image for a model (8-bit: 0..255; 16/32-bit: the channel's low and high
 * percentiles over all planes, clipped), so a model trains on what it will see. Each crop is flipped and rotated by a
 * multiple of 90° at random. With a labels folder, the label image of the same file name is cropped alike.
 *
 * <p>All planes are held in memory, normalised, as float arrays.
 */
public final class FolderImages implements ImageSource {

	/** The files read: what ImageJ opens without extra plugins. */
	public static final String FILTER = "*.{tif,tiff,png,jpg,jpeg,gif,bmp,pgm}";

	private final int width, height;
	private final List<float[]> planes = new ArrayList<>();
	private final List<int[]> labelPlanes = new ArrayList<>();
	private final List<int[]> sizes = new ArrayList<>();

	/**
	 * @param labels a folder of label images named as the images (same size and planes), or null
	 * @throws IllegalArgumentException naming the folder or file that cannot be used
	 */
	public FolderImages(Path folder, Path labels, int width, int height, double lowPercentile, double highPercentile) throws IOException {
		if (width < 1 || height < 1) throw new IllegalArgumentException("the crop size must be positive, not " + width + "x" + height);
		IntensityMapping.requirePercentiles(lowPercentile, highPercentile);
		this.width = width;
		this.height = height;
		List<Path> files = list(folder);
		for (Path file : files) {
			ImagePlus image = FolderBatch.open(file);
			if (image.getBitDepth() == 24) new ImageConverter(image).convertToGray8();
			int side = Math.min(image.getWidth(), image.getHeight());
			if (side < Math.max(width, height)) {
				throw new IllegalArgumentException(file + " is " + image.getWidth() + "x" + image.getHeight()
					+ ", smaller than the " + width + "x" + height + " crops (which may be rotated)");
			}
			ImagePlus label = labels == null ? null : labelsFor(labels.resolve(file.getFileName()), image);
			add(image, label, lowPercentile, highPercentile);
		}
	}

	/** A folder of images without labels, with the plugin's default percentiles. */
	public static FolderImages open(Path folder, int width, int height) throws IOException {
		return new FolderImages(folder, null, width, height, IntensityMapping.DEFAULT_LOW_PERCENTILE, IntensityMapping.DEFAULT_HIGH_PERCENTILE);
	}

	/** How many planes the crops are drawn from. */
	public int planes() {
		return planes.size();
	}

	@Override
	public LabelledImage next(SplittableRandom random) {
		int index = random.nextInt(planes.size());
		int quarterTurns = random.nextInt(4);
		boolean flip = random.nextBoolean();
		// a quarter turn swaps the sides, so the crop is taken with them swapped
		int cw = quarterTurns % 2 == 0 ? width : height;
		int ch = quarterTurns % 2 == 0 ? height : width;
		int pw = sizes.get(index)[0], ph = sizes.get(index)[1];
		int x = random.nextInt(pw - cw + 1), y = random.nextInt(ph - ch + 1);
		float[] pixels = new float[cw * ch];
		int[] labels = labelPlanes.get(index) == null ? null : new int[cw * ch];
		for (int row = 0; row < ch; row++) {
			System.arraycopy(planes.get(index), (y + row) * pw + x, pixels, row * cw, cw);
			if (labels != null) System.arraycopy(labelPlanes.get(index), (y + row) * pw + x, labels, row * cw, cw);
		}
		try (NDManager m = NDManager.newBaseManager()) {
			Shape s = new Shape(ch, cw);
			float[] p = orient(m.create(pixels, s), quarterTurns, flip).toFloatArray();
			int[] l = labels == null ? null : orient(m.create(labels, s), quarterTurns, flip).toIntArray();
			return new LabelledImage(width, height, p, l);
		}
	}

	private static NDArray orient(NDArray crop, int quarterTurns, boolean flip) {
		NDArray x = quarterTurns == 0 ? crop : crop.rotate90(quarterTurns, new int[] {0, 1});
		return flip ? x.flip(1) : x;
	}

	private static List<Path> list(Path folder) throws IOException {
		if (!Files.isDirectory(folder)) throw new IllegalArgumentException("image folder " + folder + " not found");
		List<Path> files = new ArrayList<>();
		try (DirectoryStream<Path> s = Files.newDirectoryStream(folder, FILTER)) {
			for (Path p : s) if (Files.isRegularFile(p)) files.add(p);
		}
		files.sort(null);
		if (files.isEmpty()) throw new IllegalArgumentException("no images (" + FILTER + ") in " + folder);
		return files;
	}

	private static ImagePlus labelsFor(Path file, ImagePlus image) {
		ImagePlus label = FolderBatch.open(file);
		if (label.getWidth() != image.getWidth() || label.getHeight() != image.getHeight()
			|| label.getStackSize() * image.getNChannels() != image.getStackSize() * label.getNChannels()
			|| (label.getBitDepth() != 8 && label.getBitDepth() != 16)) {
			throw new IllegalArgumentException("label image " + file + " must be 8- or 16-bit with the image's size and planes ("
				+ image.getWidth() + "x" + image.getHeight() + ", " + image.getStackSize() / image.getNChannels() + " per channel)");
		}
		return label;
	}

	/** Every plane of every channel, mapped to [0, 1] as the plugin maps it for a model. */
	private void add(ImagePlus image, ImagePlus label, double low, double high) {
		ImageStack stack = image.getImageStack();
		int channels = image.getNChannels();
		int w = image.getWidth(), h = image.getHeight();
		try (NDManager m = NDManager.newBaseManager()) {
			for (int c = 1; c <= channels; c++) {
				IntensityMapping mapping = IntensityMapping.forChannel(image, c, low, high);
				for (int i = c; i <= stack.getSize(); i += channels) {
					float[] raw = (float[]) stack.getProcessor(i).toFloat(0, null).getPixels();
					NDArray unit = IntensityMapping.modelToUnit(mapping.toModel(m.create(raw, new Shape(h, w))));
					planes.add(unit.toFloatArray());
					sizes.add(new int[] {w, h});
					labelPlanes.add(label == null ? null : m.create((float[]) label.getImageStack().getProcessor((i - 1) / channels + 1)
						.toFloat(0, null).getPixels()).toType(ai.djl.ndarray.types.DataType.INT32, false).toIntArray());
				}
			}
		}
	}
}
