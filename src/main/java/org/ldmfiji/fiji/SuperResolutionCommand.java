package org.ldmfiji.fiji;

import ij.ImagePlus;
import org.ldmfiji.pipeline.Task;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.IOException;

/**
 * Super-Resolution: the image enlarged by the model's factor, as a new image of the same type, layout and
 * calibration (pixel size divided by the factor). Every plane goes through the same loaded model.
 */
@Plugin(type = Command.class, headless = true, label = "Super-Resolution")
public final class SuperResolutionCommand extends ImageInputCommand {

	@Parameter(persist = false)
	private ImagePlus input;

	@Parameter(type = ItemIO.OUTPUT)
	private ImagePlus output;

	public SuperResolutionCommand() {
		super("Super-Resolution");
	}

	@Override
	void execute(CommandProgress progress) throws IOException {
		ImagePlus image = requireImage(input, "input image");
		ImagePlus result = withModel(Task.SR, Task.SR.id(), progress,
			(tasks, settings) -> tasks.superResolve(image, settings));
		result.setTitle(suffixed(image.getTitle(), "_sr"));
		output = result;
	}
}
