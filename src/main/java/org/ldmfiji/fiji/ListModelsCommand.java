package org.ldmfiji.fiji;

import org.ldmfiji.pipeline.model.ModelListing;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.log.LogService;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * List Models: every model found (bundled, in {@code Fiji.app/models/latent-diffusion/}) with its card, or why it
 * cannot be used. Nothing is loaded.
 */
@Plugin(type = Command.class, headless = true, label = "List Models")
public final class ListModelsCommand extends ContextCommand {

	@Parameter
	private LatentDiffusionModelService models;

	@Parameter(required = false)
	private LogService log;

	@Parameter(type = ItemIO.OUTPUT)
	private String listing;

	@Override
	public void run() {
		try {
			List<ModelListing> found = models.list();
			listing = found.isEmpty() ? "no models found"
				: found.stream().map(ModelListing::describe).collect(Collectors.joining("\n\n"));
		} catch (IOException | RuntimeException e) {
			String reason = "cannot list the models: " + org.ldmfiji.pipeline.FolderBatch.oneLine(e);
			cancel(reason);
			if (log != null) log.error("List Models: " + reason);
		}
	}
}
