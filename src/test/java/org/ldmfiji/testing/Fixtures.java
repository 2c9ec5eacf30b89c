package org.ldmfiji.testing;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.Precision;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The reference fixtures in the test resources (or the folder given by {@code -Dldm.fixtures}). */
public final class Fixtures {

	private Fixtures() {}

	public static Path root() {
		String override = System.getProperty("ldm.fixtures");
		if (override != null && !override.isBlank()) return Paths.get(override);
		return resource("ldm-reference");
	}

	/** A case folder of the bundled fixtures (never the -Dldm.fixtures override: other tests rely on these cases). */
	public static Path bundledCase(String name) {
		return resource("ldm-reference/" + name);
	}

	private static Path resource(String path) {
		URL url = Fixtures.class.getResource("/" + path);
		if (url == null) throw new IllegalStateException("test resource " + path + "/ is missing");
		try {
			return Paths.get(url.toURI());
		} catch (URISyntaxException e) {
			throw new IllegalStateException(e);
		}
	}

	/** The case's weights file: model.ckpt or model.safetensors. */
	public static Path weights(Path caseDir) {
		Path ckpt = caseDir.resolve("model.ckpt");
		return Files.exists(ckpt) ? ckpt : caseDir.resolve("model.safetensors");
	}

	/** Loads a case's model through the project's own config reader and checkpoint loaders. */
	public static LatentDiffusion model(Path caseDir, NDManager manager) throws IOException {
		return model(caseDir, manager, Precision.FP32);
	}

	/** As {@link #model(Path, NDManager)}, computing in {@code precision}. */
	public static LatentDiffusion model(Path caseDir, NDManager manager, Precision precision) throws IOException {
		LdmConfig config = ModelConfigReader.read(caseDir.resolve("config.yaml"));
		StateDict checkpoint = Checkpoints.load(weights(caseDir), manager);
		return LatentDiffusion.load(config, checkpoint, manager, config.diffusion.useEma, precision);
	}
}
