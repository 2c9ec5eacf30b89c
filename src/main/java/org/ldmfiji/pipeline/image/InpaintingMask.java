package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.plugin.filter.EDM;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

import java.awt.Rectangle;
import java.util.Locale;

/**
 * Which pixels of an image to inpaint (the hole, 1 = fill), from an area selection or a mask image, and the final
 * composite in the image's own type: pixels outside the hole are copied from the input, bit for bit.
 */
public final class InpaintingMask {

	private static final String EMPTY_SELECTION = "the selection is empty: it encloses no pixel of the image";

	private final int width;
	private final int height;
	/** Indices (y·width + x) of the hole's pixels, ascending. */
	private final int[] hole;

	private InpaintingMask(int width, int height, boolean[] fill) {
		this.width = width;
		this.height = height;
		int n = 0;
		for (boolean f : fill) if (f) n++;
		this.hole = new int[n];
		for (int i = 0, j = 0; i < fill.length; i++) if (fill[i]) hole[j++] = i;
	}

	/**
	 * The pixels inside an area selection on a {@code width}×{@code height} image (the part of it within the
	 * image). The selection is only read.
	 */
	public static InpaintingMask fromSelection(Roi selection, int width, int height) {
		if (selection == null) {
			throw new IllegalArgumentException("there is no selection; draw an area selection (rectangle, oval, polygon "
				+ "or freehand) around the part to inpaint");
		}
		if (!selection.isArea()) {
			throw new IllegalArgumentException("the selection is a " + selection.getTypeAsString().toLowerCase(Locale.ROOT)
				+ " selection; inpainting needs an area selection (rectangle, oval, polygon or freehand)");
		}
		Rectangle bounds = selection.getBounds();
		if (bounds.isEmpty()) throw new IllegalArgumentException(EMPTY_SELECTION);
		Rectangle inside = bounds.intersection(new Rectangle(0, 0, width, height));
		if (inside.isEmpty()) {
			throw new IllegalArgumentException("the selection (" + bounds.width + "x" + bounds.height + " at x=" + bounds.x
				+ ", y=" + bounds.y + ") lies outside the " + width + "x" + height + " image");
		}
		ImageProcessor shape = selection.getMask(); // null for a rectangle
		boolean[] fill = new boolean[width * height];
		for (int y = inside.y; y < inside.y + inside.height; y++) {
			for (int x = inside.x; x < inside.x + inside.width; x++) {
				fill[y * width + x] = shape == null || shape.get(x - bounds.x, y - bounds.y) != 0;
			}
		}
		return nonEmpty(new InpaintingMask(width, height, fill), EMPTY_SELECTION);
	}

	/** The nonzero pixels of a single-plane mask image of the same size as the image to inpaint. */
	public static InpaintingMask fromImage(ImagePlus mask, int width, int height) {
		if (mask == null) throw new IllegalArgumentException("there is no mask image");
		if (mask.getWidth() != width || mask.getHeight() != height) {
			throw new IllegalArgumentException("the mask image is " + mask.getWidth() + "x" + mask.getHeight()
				+ " but the image is " + width + "x" + height + "; they must be the same size");
		}
		if (mask.getStackSize() != 1) {
			throw new IllegalArgumentException("the mask image must be a single plane; it has " + mask.getStackSize());
		}
		ImageProcessor plane = mask.getImageStack().getProcessor(1);
		boolean[] fill = new boolean[width * height];
		for (int c = 0; c < plane.getNChannels(); c++) {
			float[] values = (float[]) plane.toFloat(c, null).getPixels();
			for (int i = 0; i < values.length; i++) fill[i] |= values[i] != 0;
		}
		return nonEmpty(new InpaintingMask(width, height, fill), "the mask image has no nonzero pixel: nothing to inpaint");
	}

	private static InpaintingMask nonEmpty(InpaintingMask mask, String message) {
		if (mask.hole.length == 0) throw new IllegalArgumentException(message);
		return mask;
	}

	public int width() {
		return width;
	}

	public int height() {
		return height;
	}

	/** How many pixels are to be filled. */
	public int holeSize() {
		return hole.length;
	}

	/** The mask as an 8-bit image plane, 255 = fill. */
	public ByteProcessor toProcessor() {
		ByteProcessor bp = new ByteProcessor(width, height);
		byte[] pixels = (byte[]) bp.getPixels();
		for (int i : hole) pixels[i] = (byte) 255;
		return bp;
	}

	/** The mask for the pipeline: [1, 1, H, W] float32, 1 = fill, 0 = keep. */
	public NDArray toTensor(NDManager manager) {
		return manager.create(holeWeights(0), new Shape(1, 1, height, width));
	}

	/**
	 * The inpainted image: {@code generated} inside the hole, {@code original} outside it (copied, bit for bit).
	 * With {@code feather} > 0, hole pixels within {@code feather} pixels of the hole's border blend the two
	 * linearly: a hole pixel whose centre is d pixels from the nearest kept pixel's centre lies d − ½ from the
	 * border and takes the generated value with weight min(1, (d − ½) / feather), so the pixels next to the border
	 * are half and half at feather 1.
	 *
	 * @param generated the model's output mapped back: the same size, type and layout as {@code original}
	 * @return a new image titled and laid out as {@code generated}
	 */
	public ImagePlus composite(ImagePlus original, ImagePlus generated, double feather, NDManager manager) {
		if (!(feather >= 0 && feather < Double.POSITIVE_INFINITY)) {
			throw new IllegalArgumentException("feather must be a width in pixels, 0 or more; got " + feather);
		}
		if (original.getWidth() != width || original.getHeight() != height) {
			throw new IllegalArgumentException("the mask is " + width + "x" + height + " but the image is "
				+ original.getWidth() + "x" + original.getHeight());
		}
		if (generated.getWidth() != width || generated.getHeight() != height
			|| generated.getBitDepth() != original.getBitDepth() || generated.getStackSize() != original.getStackSize()) {
			throw new IllegalStateException("the generated image (" + describe(generated) + ") does not match the original ("
				+ describe(original) + ")");
		}
		ImageStack in = original.getImageStack();
		ImageStack gen = generated.getImageStack();
		ImageStack out = new ImageStack(width, height);
		int bitDepth = original.getBitDepth();
		try (NDManager m = manager.newSubManager()) {
			NDArray weight = m.create(holeWeights(feather), new Shape(height, width));
			NDArray keep = weight.neg().add(1f);
			for (int i = 1; i <= in.getSize(); i++) {
				ImageProcessor source = in.getProcessor(i);
				ImageProcessor result = source.duplicate();
				ImageProcessor generatedPlane = gen.getProcessor(i);
				int colours = source.getNChannels();
				float[][] blended = new float[colours][];
				for (int c = 0; c < colours; c++) {
					try (NDManager planeManager = m.newSubManager()) {
						NDArray a = planeManager.create((float[]) source.toFloat(c, null).getPixels(), new Shape(height, width));
						NDArray b = planeManager.create((float[]) generatedPlane.toFloat(c, null).getPixels(),
							new Shape(height, width));
						// b·w + a·(1 − w): exactly b where w = 1, also for floats
						blended[c] = IntensityMapping.toType(b.mul(weight).add(a.mul(keep)), bitDepth).toFloatArray();
					}
				}
				writeHole(result, blended);
				out.addSlice(null, result);
			}
		}
		return OutputLayout.like(original, out, generated.getTitle(), 1);
	}

	private void writeHole(ImageProcessor plane, float[][] values) {
		if (values.length == 1) {
			for (int i : hole) plane.setf(i, values[0][i]);
			return;
		}
		int[] rgb = (int[]) plane.getPixels();
		for (int i : hole) {
			rgb[i] = rgb[i] & 0xff000000 | (int) values[0][i] << 16 | (int) values[1][i] << 8 | (int) values[2][i];
		}
	}

	/** 1 inside the hole (0 outside), ramping up over {@code feather} pixels from its border. */
	private float[] holeWeights(double feather) {
		float[] w;
		if (feather > 0) {
			FloatProcessor distance = new EDM().makeFloatEDM(toProcessor(), 0, false);
			w = (float[]) distance.getPixels();
			for (int i = 0; i < w.length; i++) w[i] = w[i] == 0 ? 0 : (float) Math.min(1, (w[i] - 0.5) / feather);
		} else {
			w = new float[width * height];
			for (int i : hole) w[i] = 1f;
		}
		return w;
	}

	private static String describe(ImagePlus image) {
		return image.getWidth() + "x" + image.getHeight() + ", " + image.getBitDepth() + "-bit, " + image.getStackSize()
			+ " planes";
	}
}
