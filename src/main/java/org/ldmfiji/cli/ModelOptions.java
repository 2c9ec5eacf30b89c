package org.ldmfiji.cli;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.LatentDiffusion;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Which model to use: a model folder or a CompVis config plus weights. */
final class ModelOptions {

	@Option(names = "--model", paramLabel = "DIR|CONFIG.yaml", description = "model folder, or a CompVis config.yaml (with --weights)")
	String model;

	@Option(names = "--weights", paramLabel = "FILE", description = "weights (.ckpt, .safetensors) for a config.yaml given with --model")
	Path weights;

	@Option(names = "--raw-weights", description = "use the checkpoint's raw weights even where it has EMA weights")
	boolean rawWeights;

	/** The config and weights, checked to exist before anything is loaded. */
	Path[] files(String fallback) throws IOException {
		Path m = Paths.get(model != null ? model : fallback);
		Path config;
		Path w = weights;
		if (Files.isDirectory(m)) {
			config = m.resolve("config.yaml");
			if (w == null) w = weightsIn(m);
		} else {
			config = m;
			if (w == null) throw new IllegalArgumentException("--model " + m + " is a config file: give its weights with --weights FILE");
		}
		if (!Files.isRegularFile(config)) throw new IllegalArgumentException("model config not found: " + config);
		if (!Files.isRegularFile(w)) throw new IllegalArgumentException("model weights not found: " + w);
		return new Path[] {config, w};
	}

	private static Path weightsIn(Path dir) throws IOException {
		List<Path> found;
		try (Stream<Path> s = Files.list(dir)) {
			found = s.filter(p -> p.toString().endsWith(".ckpt") || p.toString().endsWith(".safetensors")).sorted()
				.collect(Collectors.toList());
		}
		if (found.size() != 1) {
			throw new IllegalArgumentException("model folder " + dir + " must hold exactly one .ckpt or .safetensors file, not "
				+ found.size() + " (or name it with --weights)");
		}
		return found.get(0);
	}

	LatentDiffusion load(Path[] files, NDManager m) throws IOException {
		LdmConfig config = ModelConfigReader.read(files[0]);
		StateDict sd = Checkpoints.load(files[1], m);
		try {
			return LatentDiffusion.load(config, sd, m, config.diffusion.useEma && !rawWeights);
		} catch (RuntimeException e) {
			sd.close();
			throw e;
		}
	}
}
