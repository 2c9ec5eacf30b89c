package org.ldmfiji.cli;

import org.ldmfiji.pipeline.model.ModelListing;
import org.ldmfiji.pipeline.model.ModelRegistry;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "models", mixinStandardHelpOptions = true,
	description = "List the models found (bundled, in Fiji.app/models/latent-diffusion) with their cards.")
final class ModelsCommand implements Callable<Integer> {

	@Override
	public Integer call() throws Exception {
		List<ModelListing> models = ModelRegistry.standard().list();
		for (ModelListing m : models) System.out.println(m.describe());
		return 0;
	}
}
