package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageProcessor;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.engine.Scoped;

/**
 * Runs a model plane by plane over any image a Fiji user has (8/16/32-bit, RGB, composites, stacks,
 * hyperstacks) and builds the output image: same type, layout, LUTs, display ranges and calibration, each
 * channel through its own {@link IntensityMapping}. The input is only read.
 */
public final class StackProcessor {

	private final int modelChannels;
	private final double lowPercentile;
	private final double highPercentile;

	/** With the default percentiles. */
	public StackProcessor(int modelChannels) {
		this(modelChannels, IntensityMapping.DEFAULT_LOW_PERCENTILE, IntensityMapping.DEFAULT_HIGH_PERCENTILE);
	}

	/** @param lowPercentile, highPercentile for 16- and 32-bit images, 0 <= low < high <= 100 */
	public StackProcessor(int modelChannels, double lowPercentile, double highPercentile) {
		if (modelChannels < 1) throw new IllegalArgumentException("a model needs at least 1 channel, got " + modelChannels);
		IntensityMapping.requirePercentiles(lowPercentile, highPercentile);
		this.modelChannels = modelChannels;
		this.lowPercentile = lowPercentile;
		this.highPercentile = highPercentile;
	}

	/** The mapping of each channel (index 0 = channel 1), as {@link #process} uses them. */
	public IntensityMapping[] mappings(ImagePlus input) {
		IntensityMapping[] mappings = new IntensityMapping[input.getNChannels()];
		for (int c = 0; c < mappings.length; c++) {
			mappings[c] = IntensityMapping.forChannel(input, c + 1, lowPercentile, highPercentile);
		}
		return mappings;
	}

	/**
	 * Applies {@code function} to every plane in stack order (c fastest, then z, then t) and returns the new
	 * image titled {@code input title + titleSuffix}. Checks the input (finite values, RGB vs model channels)
	 * before the first call. If {@code function} throws (a {@link java.util.concurrent.CancellationException}
	 * to cancel), the exception propagates, no image is returned and every plane's arrays are freed.
	 *
	 * @param manager the parent of each plane's short-lived arrays; none survive the call
	 */
	public ImagePlus process(ImagePlus input, String titleSuffix, NDManager manager, PlaneFunction function) {
		ImageChecks.requireFinite(input);
		if (input.getBitDepth() == 24 && modelChannels != 3) {
			throw new IllegalArgumentException("an RGB image needs a model with 3 channels; this model has " + modelChannels);
		}
		Inference.prepareThread();
		IntensityMapping[] mappings = mappings(input);
		ImageStack in = input.getImageStack();
		int channels = input.getNChannels();
		int slices = input.getNSlices();
		int count = in.getSize();
		ImageStack out = null;
		int scale = 0;
		for (int index = 1; index <= count; index++) {
			int c = (index - 1) % channels + 1;
			int z = (index - 1) / channels % slices + 1;
			int t = (index - 1) / (channels * slices) + 1;
			ImageProcessor plane = in.getProcessor(index);
			ImageProcessor result = processPlane(plane, mappings[c - 1], new Plane(c, z, t, index, count), manager,
				function);
			if (out == null) {
				scale = result.getWidth() / plane.getWidth();
				out = new ImageStack(result.getWidth(), result.getHeight());
			}
			if (result.getWidth() != scale * plane.getWidth() || result.getHeight() != scale * plane.getHeight()
				|| out.getWidth() != result.getWidth() || out.getHeight() != result.getHeight()) {
				throw new IllegalStateException("plane " + index + " came back " + result.getWidth() + "x"
					+ result.getHeight() + "; expected the same whole multiple of " + plane.getWidth() + "x"
					+ plane.getHeight() + " for every plane");
			}
			out.addSlice(null, result);
		}
		return OutputLayout.like(input, out, input.getTitle() + titleSuffix, scale);
	}

	private ImageProcessor processPlane(ImageProcessor plane, IntensityMapping mapping, Plane where, NDManager manager,
		PlaneFunction function) {
		try (NDManager planeManager = manager.newSubManager()) {
			NDArray raw = Scoped.keep(planeManager, () -> {
				NDArray x = PlaneTensors.toModel(plane, mapping, modelChannels, planeManager);
				return PlaneTensors.toRaw(function.apply(x, where), mapping, plane.getNChannels());
			});
			return PlaneTensors.fromRaw(raw, plane);
		}
	}
}
