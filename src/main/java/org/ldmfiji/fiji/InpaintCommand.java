package org.ldmfiji.fiji;

import ij.ImagePlus;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.image.InpaintingMask;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.IOException;

/**
 * Inpaint Selection: the area selection of the image (or the nonzero pixels of a mask image) regenerated, as a new
 * image; every pixel outside it comes back exactly as it was.
 */
@Plugin(type = Command.class, headless = true, label = "Inpaint Selection")
public final class InpaintCommand extends ImageInputCommand {

	@Parameter(persist = false)
	private ImagePlus input;

	@Parameter(required = false, persist = false, description = "a mask of the image's size, nonzero = fill; none: the image's selection")
	private ImagePlus mask_image;

	@Parameter(min = "0", persist = false, description = "blend the fill into the image over this many pixels inside the hole")
	private double feather = 0;

	@Parameter(min = "-1", persist = false, description = "class to fill with, for a class-conditional model; -1: none")
	private int class_label = -1;

	@Parameter(min = "-1", persist = false, description = "classifier-free guidance (1 = none); -1: the model's")
	private double guidance_scale = -1;

	@Parameter(type = ItemIO.OUTPUT)
	private ImagePlus output;

	public InpaintCommand() {
		super("Inpaint Selection");
	}

	@Override
	double guidanceScale() {
		return guidance_scale;
	}

	@Override
	void execute(CommandProgress progress) throws IOException {
		ImagePlus image = requireImage(input, "image to inpaint");
		InpaintingMask mask = mask_image != null ? InpaintingMask.fromImage(mask_image, image.getWidth(), image.getHeight())
			: InpaintingMask.fromSelection(image.getRoi(), image.getWidth(), image.getHeight());
		Integer label = classLabel(class_label);
		ImagePlus result = withModel(Task.INPAINT, Task.INPAINT.id(), progress,
			(tasks, settings) -> tasks.inpaint(image, mask, feather, label, settings));
		result.setTitle(suffixed(image.getTitle(), "_inpainted"));
		output = result;
	}
}
