package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
	private final List<LabelledImage> planes = new ArrayList<>();

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
		return Crops.take(planes.get(random.nextInt(planes.size())), width, height, random);
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
					int[] labels = label == null ? null : m.create((float[]) label.getImageStack().getProcessor((i - 1) / channels + 1)
						.toFloat(0, null).getPixels()).toType(DataType.INT32, false).toIntArray();
					planes.add(new LabelledImage(w, h, unit.toFloatArray(), labels));
				}
			}
		}
	}
}
