package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.Weights;
import org.ldmfiji.nn.autoencoder.AutoencoderKL;
import org.ldmfiji.nn.autoencoder.FirstStage;
import org.ldmfiji.nn.autoencoder.VQModel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Autoencoders learn, and what a run saves is the first stage the engine builds from the reference's keys. */
class AutoencoderTrainerTest {

	@TempDir
	Path run;

	@ParameterizedTest
	@ValueSource(strings = {"vq-f4-tiny", "kl-f4-tiny"})
	void learnsAndSavesAFirstStageTheEngineLoads(String name) throws Exception {
		Inference.prepareThread();
		Path config = Paths.get(getClass().getResource("/train/" + name + ".yaml").toURI());
		TrainingSettings s = TrainingSettings.builder().steps(15).batchSize(2).learningRate(2e-3).warmupSteps(0).seed(1).build();
		BlobImages batch = new BlobImages(32, true);
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun r = TrainingRun.start(run, config, null, s, batch, null, m);
			AutoencoderTrainer trainer = r.autoencoderTrainer();
			float before = trainer.validationLoss(batch, 4);
			assertTrue(r.run(TrainingListener.NONE, () -> false));
			float after = trainer.validationLoss(batch, 4);
			System.out.println(name + " " + before + " -> " + after);
			assertTrue(after < 0.7f * before, name + ": loss on the fixed batch went from " + before + " to " + after);

			String text = new String(Files.readAllBytes(run.resolve(TrainingCheckpoint.CONFIG)), StandardCharsets.UTF_8);
			FirstStageConfig c = ModelConfigReader.readFirstStage(text, name);
			NDArray image = m.randomUniform(-1f, 1f, new Shape(1, 1, 32, 32));
			try (NDManager lm = m.newSubManager(); StateDict saved = Checkpoints.load(run.resolve(TrainingCheckpoint.WEIGHTS), lm)) {
				Weights w = Weights.load(saved.tensors(), name, lm, false);
				FirstStage loaded = c.kind == FirstStageConfig.Kind.KL ? new AutoencoderKL(c, w) : new VQModel(c, w);
				assertTrue(w.unusedKeys().isEmpty(), "unused: " + w.unusedKeys());
				NDArray expected = trainer.model().decode(trainer.model().encode(image), true);
				NDArray actual = loaded.decode(loaded.encode(image), true);
				assertEquals(0f, actual.sub(expected).abs().max().getFloat(), 1e-5f);
			}
		}
	}

	/**
	 * A stretch with the encoder frozen (a resumed run, as the bundled autoencoder's decoder-only stretch is): the
	 * encoder, quant_conv and codebook stay bit for bit, so latents made before are still its latents; the decoder learns.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"vq-f4-tiny", "kl-f4-tiny"})
	void aFrozenEncoderStaysBitForBitWhileTheDecoderLearns(String name) throws Exception {
		Inference.prepareThread();
		Path config = Paths.get(getClass().getResource("/train/" + name + ".yaml").toURI());
		TrainingSettings s = TrainingSettings.builder().steps(3).batchSize(2).learningRate(2e-3).warmupSteps(0).seed(1).build();
		BlobImages batch = new BlobImages(32, true);
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun.start(run, config, null, s, batch, null, m).run(TrainingListener.NONE, () -> false);
			java.util.Map<String, float[]> before = new java.util.HashMap<>();
			try (NDManager lm = m.newSubManager(); StateDict saved = Checkpoints.load(run.resolve(TrainingCheckpoint.WEIGHTS), lm)) {
				saved.tensors().forEach((k, v) -> before.put(k, v.toFloatArray()));
			}
			TrainingRun resumed = TrainingRun.open(run, null, null, null, lr -> null,
				saved -> saved.toBuilder().steps(10).frozen(TrainingSettings.ENCODER).build(), (settings, clean) -> batch, m);
			float lossBefore = resumed.autoencoderTrainer().validationLoss(batch, 4);
			assertTrue(resumed.run(TrainingListener.NONE, () -> false));
			float lossAfter = resumed.autoencoderTrainer().validationLoss(batch, 4);
			assertTrue(lossAfter < lossBefore, name + ": the decoder alone lowers the loss: " + lossBefore + " -> " + lossAfter);
			int encoderKeys = 0, changedDecoderKeys = 0;
			try (NDManager lm = m.newSubManager(); StateDict saved = Checkpoints.load(run.resolve(TrainingCheckpoint.WEIGHTS), lm)) {
				for (java.util.Map.Entry<String, NDArray> e : saved.tensors().entrySet()) {
					String k = e.getKey();
					boolean same = java.util.Arrays.equals(before.get(k), e.getValue().toFloatArray());
					if (k.startsWith("encoder.") || k.startsWith("quant_conv.") || k.startsWith("quantize.")) {
						assertTrue(same, k + " changed");
						encoderKeys++;
					} else if (k.startsWith("decoder.") && !same) {
						changedDecoderKeys++;
					}
				}
			}
			assertTrue(encoderKeys > 5 && changedDecoderKeys > 5, encoderKeys + " encoder keys, " + changedDecoderKeys + " decoder keys changed");
			assertEquals(TrainingSettings.ENCODER, TrainingRun.open(run, null, null, null, lr -> null, saved -> saved, (settings, clean) -> batch, m)
				.settings().frozen,
				"the checkpoint records what is frozen");
		}
	}
}
