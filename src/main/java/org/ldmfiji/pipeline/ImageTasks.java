package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.image.ImageChecks;
import org.ldmfiji.pipeline.image.ImageOutput;
import org.ldmfiji.pipeline.image.InpaintingMask;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.pipeline.image.LabelMaps;
import org.ldmfiji.pipeline.image.StackProcessor;

/**
 * The tasks on ImageJ images, as the Fiji commands and the command line run them: every plane through the same
 * loaded model, each padded to the size the networks need and cropped back, with progress and cancellation. The
 * input image is only read; the result is a new image.
 */
public final class ImageTasks {

	private final LatentDiffusion model;
	private final String modelName;
	private final NDManager manager;
	private double lowPercentile = IntensityMapping.DEFAULT_LOW_PERCENTILE;
	private double highPercentile = IntensityMapping.DEFAULT_HIGH_PERCENTILE;
	private TaskMonitor monitor = TaskMonitor.NONE;

	/**
	 * @param modelName how messages name the model
	 * @param manager   the parent of every plane's arrays; none outlive a call
	 */
	public ImageTasks(LatentDiffusion model, String modelName, NDManager manager) {
		this.model = model;
		this.modelName = modelName;
		this.manager = manager;
	}

	/** The percentiles mapped to the model's range for 16- and 32-bit images. */
	public ImageTasks percentiles(double low, double high) {
		IntensityMapping.requirePercentiles(low, high);
		this.lowPercentile = low;
		this.highPercentile = high;
		return this;
	}

	public ImageTasks monitor(TaskMonitor monitor) {
		this.monitor = monitor == null ? TaskMonitor.NONE : monitor;
		return this;
	}

	/** The image enlarged by the model's factor, titled with {@code _sr}, pixel size divided by the factor. */
	public ImagePlus superResolve(ImagePlus input, SamplingSettings s) {
		Task.SR.requireSupportedBy(model.config(), modelName);
		ImageChecks.requireMinimumSize(input, 1);
		int multiple = LatentSequence.sideMultiple(model.config());
		int f = SuperResolution.scale(model);
		SamplingSettings steps = withMonitor(s);
		return planes().process(input, "_sr", manager, (x, plane) -> {
			monitor.plane(plane);
			long h = x.getShape().get(2);
			long w = x.getShape().get(3);
			NDArray out = SuperResolution.run(model, EdgePadding.pad(IntensityMapping.modelToUnit(x), multiple), steps, manager);
			return IntensityMapping.unitToModel(EdgePadding.crop(out, h * f, w * f));
		});
	}

	/**
	 * The image with the mask's hole regenerated: pixels outside it exactly as they were, the border blended over
	 * {@code feather} pixels inside the hole.
	 *
	 * @param classLabel the class to fill with, for a class-conditional model; else null
	 */
	public ImagePlus inpaint(ImagePlus input, InpaintingMask mask, double feather, Integer classLabel, SamplingSettings s) {
		Task.INPAINT.requireSupportedBy(model.config(), modelName);
		int f = model.firstStage().downsamplingFactor();
		ImageChecks.requireMinimumSize(input, f);
		if (!(feather >= 0 && feather < Double.POSITIVE_INFINITY)) {
			throw new IllegalArgumentException("feather must be a width in pixels, 0 or more; got " + feather);
		}
		int multiple = f * LatentSequence.sideMultiple(model.config());
		SamplingSettings steps = withMonitor(s);
		ImagePlus generated = planes().process(input, "_inpainted", manager, (x, plane) -> {
			monitor.plane(plane);
			long h = x.getShape().get(2);
			long w = x.getShape().get(3);
			NDArray hole = EdgePadding.pad(mask.toTensor(manager), multiple);
			NDArray image = EdgePadding.pad(IntensityMapping.modelToUnit(x), multiple);
			NDArray out = Inpainting.run(model, image, hole, classLabel, steps, manager);
			return IntensityMapping.unitToModel(EdgePadding.crop(out, h, w));
		});
		try {
			return mask.composite(input, generated, feather, manager);
		} finally {
			generated.close();
		}
	}

	/**
	 * New images: from noise or a class ({@code labels} null), or one per plane of a label image. RGB from a
	 * 3-channel model, 16-bit from a grayscale one; a label image's calibration is kept.
	 */
	public ImagePlus synthesize(Synthesis.Request request, ImagePlus labels, SamplingSettings s, String title) {
		Task.SYNTHESIZE.requireSupportedBy(model.config(), modelName);
		SamplingSettings steps = withMonitor(s);
		if (labels == null) return ImageOutput.of(Synthesis.run(model, request, steps, manager), title);
		if (model.config().condStage.kind != CondStageConfig.Kind.SPATIAL_RESCALER) {
			throw new IllegalArgumentException("model '" + modelName + "' does not take a label image; leave the label image out or name a label-map model");
		}
		int multiple = model.firstStage().downsamplingFactor() * LatentSequence.sideMultiple(model.config());
		try (NDManager m = manager.newSubManager()) {
			NDArray maps = LabelMaps.oneHot(labels, model.config().condStage.inChannels, m);
			long n = maps.getShape().get(0);
			NDArray images = null;
			for (long i = 0; i < n; i++) {
				monitor.checkCanceled();
				Synthesis.Request one = Synthesis.Request.builder().batch(request.batch)
					.labelMap(EdgePadding.pad(maps.get(i).expandDims(0), multiple)).build();
				NDArray out = EdgePadding.crop(Synthesis.run(model, one, steps, m), labels.getHeight(),
					labels.getWidth());
				images = images == null ? out : images.concat(out, 0);
			}
			ImagePlus imp = ImageOutput.of(images, title);
			imp.setCalibration(labels.getCalibration().copy());
			return imp;
		}
	}

	private StackProcessor planes() {
		return new StackProcessor(model.config().firstStage.ddconfig.inChannels, lowPercentile, highPercentile);
	}

	private SamplingSettings withMonitor(SamplingSettings s) {
		return s.toBuilder().callback(monitor.steps()).monitor(monitor).build();
	}
}
