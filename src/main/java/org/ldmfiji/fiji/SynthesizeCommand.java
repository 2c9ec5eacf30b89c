package org.ldmfiji.fiji;

import ij.ImagePlus;
import org.ldmfiji.pipeline.Synthesis;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.model.ModelCard;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.IOException;

/**
 * Synthesize: new images from noise, from a class, or one per plane of a label image (integer labels, one per
 * class of the model): RGB from a 3-channel model, 16-bit from a grayscale one. Several images become a stack.
 */
@Plugin(type = Command.class, headless = true, label = "Synthesize")
public final class SynthesizeCommand extends DiffusionCommand {

	@Parameter(required = false, persist = false, description = "8/16-bit label image (labels 0..K-1), for a label-map model; none: from noise or a class")
	private ImagePlus label_image;

	@Parameter(min = "-1", persist = false, description = "class, for a class-conditional model; -1: none")
	private int class_label = -1;

	@Parameter(min = "-1", persist = false, description = "classifier-free guidance (1 = none); -1: the model's")
	private double guidance_scale = -1;

	@Parameter(min = "1", max = "64", persist = false, description = "how many images (per label image plane)")
	private int count = 1;

	@Parameter(min = "0", persist = false, description = "width in pixels; 0: the model's (a label image sets its own)")
	private int width = 0;

	@Parameter(min = "0", persist = false, description = "height in pixels; 0: the model's (a label image sets its own)")
	private int height = 0;

	@Parameter(type = ItemIO.OUTPUT)
	private ImagePlus output;

	public SynthesizeCommand() {
		super("Synthesize");
	}

	@Override
	double guidanceScale() {
		return guidance_scale;
	}

	@Override
	void execute(CommandProgress progress) throws IOException {
		Synthesis.Request request = request(label_image != null, class_label, count, width, height);
		ImagePlus labels = label_image == null ? null : requireImage(label_image, "label image");
		String title = labels == null ? "synthesized" : suffixed(labels.getTitle(), "_synthesized");
		output = withModel(Task.SYNTHESIZE, labels == null ? Task.SYNTHESIZE.id() : ModelCard.LABEL_SYNTHESIS, 1, 99.8, progress,
			(tasks, settings) -> tasks.synthesize(request, labels, settings, title));
	}

	/** The request from the parameters, refusing combinations no model takes. */
	static Synthesis.Request request(boolean labelImage, int classLabel, int count, int width, int height) {
		if (labelImage && classLabel != -1) throw new IllegalArgumentException("give a label image or a class_label, not both");
		if (labelImage && (width != 0 || height != 0)) throw new IllegalArgumentException("a label image sets the size: leave width and height at 0");
		if ((width == 0) != (height == 0)) throw new IllegalArgumentException("give both width and height, or neither (0 = the model's size)");
		return Synthesis.Request.builder().batch(count).classLabel(classLabel(classLabel))
			.size(width == 0 ? null : height, width == 0 ? null : width).build();
	}
}
