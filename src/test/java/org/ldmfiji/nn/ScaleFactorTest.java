package org.ldmfiji.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.testing.Fixtures;
import org.ldmfiji.testing.ManagerPerClassTest;

/** A scale_by_std model takes its latent scale from the checkpoint, and refuses a checkpoint without it. */
class ScaleFactorTest extends ManagerPerClassTest {

	private static final Path KL = Fixtures.bundledCase("kl");

	@Test
	void aScaleByStdModelReadsItsScaleFromTheCheckpoint() throws IOException {
		LdmConfig config = ModelConfigReader.read(KL.resolve("config.yaml"));
		assertTrue(config.diffusion.scaleByStd);
		try (LatentDiffusion model = LatentDiffusion.load(config, Checkpoints.load(Fixtures.weights(KL), manager), manager)) {
			try (StateDict sd = Checkpoints.load(Fixtures.weights(KL), manager)) {
				assertEquals(sd.get("scale_factor").getFloat(), model.scaleFactor());
			}
		}
	}

	@Test
	void aScaleByStdModelWithoutItsScaleIsRefused(@TempDir Path dir) throws IOException {
		// the same file with the key renamed (same length, so every offset stays valid)
		byte[] bytes = Files.readAllBytes(Fixtures.weights(KL));
		byte[] from = "\"scale_factor\"".getBytes(StandardCharsets.US_ASCII);
		byte[] to = "\"scale_fact0r\"".getBytes(StandardCharsets.US_ASCII);
		for (int i = 0; i + from.length <= bytes.length; i++)
			if (Arrays.equals(Arrays.copyOfRange(bytes, i, i + from.length), from)) System.arraycopy(to, 0, bytes, i, to.length);
		Path file = Files.write(dir.resolve("model.safetensors"), bytes);
		LdmConfig config = ModelConfigReader.read(KL.resolve("config.yaml"));
		try (StateDict sd = Checkpoints.load(file, manager)) {
			WeightsException e = assertThrows(WeightsException.class, () -> LatentDiffusion.load(config, sd, manager));
			assertTrue(e.getMessage().startsWith(file + ": the config sets scale_by_std, but the checkpoint has no 'scale_factor' tensor"),
				e.getMessage());
			assertTrue(e.getMessage().contains("set scale_by_std: false and the model's scale_factor"), e.getMessage());
		}
	}
}
