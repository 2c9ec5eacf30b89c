package org.ldmfiji.fiji;

import org.ldmfiji.pipeline.Task;
import org.scijava.plugin.Parameter;

import java.io.IOException;

/**
 * A diffusion command that reads user images: 16- and 32-bit inputs are mapped to the model's range by these two
 * percentiles (8-bit and RGB as the reference does, /255), the same keys for every such command.
 */
public abstract class ImageInputCommand extends DiffusionCommand {

	@Parameter(min = "0", max = "100", persist = false, description = "16/32-bit: this percentile maps to the model's black")
	private double percentile_low = 1.0;

	@Parameter(min = "0", max = "100", persist = false, description = "16/32-bit: this percentile maps to the model's white")
	private double percentile_high = 99.8;

	protected ImageInputCommand(String title) {
		super(title);
	}

	/** As {@link DiffusionCommand#withModel}, with this command's percentiles. */
	<T> T withModel(Task task, String defaultUse, CommandProgress progress, Work<T> work) throws IOException {
		return withModel(task, defaultUse, percentile_low, percentile_high, progress, work);
	}
}
