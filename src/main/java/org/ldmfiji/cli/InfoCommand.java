package org.ldmfiji.cli;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.model.LoadedModel;
import org.ldmfiji.pipeline.model.ModelFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "info", mixinStandardHelpOptions = true,
	description = "Load a model and describe it: architecture, conditioning, tasks, parameters, EMA.")
final class InfoCommand implements Callable<Integer> {

	@Mixin
	ModelOptions model;

	@Override
	public Integer call() throws Exception {
		ModelFolder folder = model.resolve(null);
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(model.device().device())) {
			LoadedModel loaded = model.load(folder, m);
			LatentDiffusion ldm = loaded.model();
			LdmConfig config = ldm.config();
			System.out.println("model: " + folder.describe());
			System.out.println("weights checksum: " + (loaded.checksumVerified() ? "verified against the model card"
				: "not verified (the model has no card with a sha256)"));
			System.out.println(config);
			System.out.println("conditioning: " + (config.diffusion.conditioningKey == null ? "none (unconditional)"
				: config.diffusion.conditioningKey + " on '" + config.diffusion.condStageKey + "'"));
			System.out.println("tasks: " + Task.supportedBy(config).stream().map(Task::id).collect(Collectors.joining(", ")));
			System.out.printf(Locale.ROOT, "parameters: %,d%n", ldm.parameterCount());
			System.out.println("EMA weights in use: " + (ldm.usesEma() ? "yes" : "no"));
			System.out.println("scale factor: " + ldm.scaleFactor());
			System.out.println("checkpoint tensors not used by the model: " + ldm.unusedKeys().size());
			return 0;
		}
	}
}
