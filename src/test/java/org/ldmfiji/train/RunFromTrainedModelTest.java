package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.testing.Fixtures;

import java.nio.file.Path;
import java.util.Map;

/**
 * {@code train --init}: a new run that starts from a trained model (the reference's ckpt_path), to fine-tune it on
 * other images or with another conditioning.
 */
class RunFromTrainedModelTest {

	@TempDir
	Path tmp;

	private static TrainingSettings settings(int steps) {
		return TrainingSettings.builder().steps(steps).batchSize(2).learningRate(1e-3).warmupSteps(2).checkpointEvery(10)
			.condDropout(0).emaDecay(0.9).seed(5).build();
	}

	/** The kl case: KL first stage with scale_by_std, so the scale factor is the run's own measurement. */
	@Test
	void startsFromTheModelsEmaWeightsFirstStageAndScaleFactorWithAFreshOptimiser() throws Exception {
		Inference.prepareThread();
		Path config = Fixtures.bundledCase("kl").resolve("config.yaml");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun trained = TrainingRun.start(tmp.resolve("trained"), config, null, settings(3), new BlobImages(32, false), null, m);
			assertTrue(trained.run(TrainingListener.NONE, () -> false));
			Map<String, NDArray> ema = trained.trainer().ema().buffers(m);
			Map<String, NDArray> trainedWeights = trained.trainer().model().parameters();

			// another seed, so that nothing is equal by chance of the same initialisation; the folder stands for its weights
			TrainingRun next = TrainingRun.start(tmp.resolve("next"), config, null, tmp.resolve("trained"),
				settings(4).toBuilder().seed(6).build(), new BlobImages(32, false), null, m);
			assertEquals(0, next.step());
			assertEquals(trained.trainer().scaleFactor(), next.trainer().scaleFactor(), "scale_by_std keeps the model's scale factor");
			Map<String, NDArray> buffers = next.trainer().ema().buffers(m);
			int denoiser = 0;
			for (Map.Entry<String, NDArray> p : next.trainer().model().parameters().entrySet()) {
				String key = p.getKey();
				if (key.startsWith("model.")) {
					denoiser++;
					assertTrue(p.getValue().contentEquals(ema.get(LitEma.bufferName(key))), key + " is not the trained model's EMA weight");
					assertTrue(p.getValue().contentEquals(buffers.get(LitEma.bufferName(key))), key + ": the new EMA does not start from it");
				} else {
					assertTrue(p.getValue().contentEquals(trainedWeights.get(key)), key + " is not the trained model's");
				}
			}
			assertTrue(denoiser > 0);
			assertEquals(0, next.trainer().optimizer().state().values().stream().filter(a -> a.abs().sum().getFloat() != 0).count(),
				"the optimiser's moments start at zero");
			// and it trains on
			NDArray before = next.trainer().model().parameters().get("model.diffusion_model.out.2.weight").duplicate();
			assertTrue(next.run(TrainingListener.NONE, () -> false));
			assertFalse(before.contentEquals(next.trainer().model().parameters().get("model.diffusion_model.out.2.weight")));
		}
	}

	@Test
	void aTrainedModelBringsItsOwnFirstStage() throws Exception {
		Inference.prepareThread();
		Path fixture = Fixtures.bundledCase("sr");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.start(tmp, fixture.resolve("config.yaml"),
				Fixtures.weights(fixture), Fixtures.weights(fixture), settings(1), new BlobImages(32, false), null, m));
			assertEquals("a run started from a trained model takes that model's first stage: give no separate first stage", e.getMessage());
		}
	}

	@Test
	void anotherArchitectureIsRefusedNamingTheTensor() throws Exception {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			Path other = Fixtures.bundledCase("sr");
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingRun.start(tmp,
				Fixtures.bundledCase("kl").resolve("config.yaml"), null, Fixtures.weights(other), settings(1), new BlobImages(32, false), null, m));
			assertTrue(e.getMessage().startsWith(Fixtures.weights(other).toString()), e.getMessage());
			assertTrue(e.getMessage().contains("'model.diffusion_model.") || e.getMessage().contains("'first_stage_model."), e.getMessage());
		}
	}
}
