package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.testing.Fixtures;

import java.nio.file.Path;

/** Training learns: a few steps on one fixed batch lower the loss measured on that batch, for every kind of model. */
class LdmTrainerTest {

	@TempDir
	Path run;

	@ParameterizedTest
	@ValueSource(strings = {"sr", "inpaint", "seg", "kl", "uncond"})
	void aFewStepsOnAFixedBatchLowerItsLoss(String name) throws Exception {
		Inference.prepareThread();
		TrainingSettings s = TrainingSettings.builder().steps(12).batchSize(2).learningRate(2e-3).warmupSteps(0).condDropout(0)
			.emaDecay(0.99).seed(3).build();
		BlobImages batch = new BlobImages(32, true);
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun r = TrainingRun.start(run, Fixtures.bundledCase(name).resolve("config.yaml"), null, s, batch, null, m);
			float before = r.trainer().validationLoss(batch, 11);
			r.run(TrainingListener.NONE, () -> false);
			float after = r.trainer().validationLoss(batch, 11);
			System.out.println(name + " " + before + " -> " + after);
			assertTrue(after < 0.9f * before, name + ": loss on the fixed batch went from " + before + " to " + after);
		}
	}
}
