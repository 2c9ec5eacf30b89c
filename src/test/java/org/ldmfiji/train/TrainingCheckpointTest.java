package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;
import org.ldmfiji.testing.Fixtures;

import java.nio.file.Path;
import java.util.Map;

/** A run's folder is a model the normal loader loads to the same outputs, and resuming it repeats the same steps. */
class TrainingCheckpointTest {

	@TempDir
	Path tmp;

	private static TrainingSettings settings(int steps) {
		return TrainingSettings.builder().steps(steps).batchSize(2).learningRate(1e-3).warmupSteps(2).checkpointEvery(2)
			.condDropout(0.5).emaDecay(0.9).seed(5).build();
	}

	@Test
	void aSavedRunLoadsThroughTheModelLoaderToTheSameOutputs() throws Exception {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			// the first stage comes from the fixture's reference checkpoint (keys first_stage_model.*)
			Path fixture = Fixtures.bundledCase("sr");
			TrainingRun r = TrainingRun.start(tmp, fixture.resolve("config.yaml"), Fixtures.weights(fixture), settings(3),
				new BlobImages(32, false), null, m);
			assertTrue(r.run(TrainingListener.NONE, () -> false));
			LatentDiffusion trained = r.trainer().model();

			NDArray x = m.randomNormal(new Shape(1, 3, 8, 8));
			NDArray lowRes = m.randomUniform(-1f, 1f, new Shape(1, 3, 8, 8));
			NDArray t = m.create(new long[] {321});
			NDArray image = m.randomUniform(-1f, 1f, new Shape(1, 3, 32, 32));
			Conditioning c = trained.conditioning(lowRes);
			NDArray expected = trained.applyModel(x, t, c);
			NDArray expectedLatent = trained.encodeFirstStage(image);

			ModelFolder folder = ModelFolder.open(tmp, ModelFolder.Origin.USER);
			try (NDManager lm = m.newSubManager(); LatentDiffusion loaded = ModelLoader.load(folder, true, lm).model()) {
				assertSame(trained.parameters(), loaded.parameters(), "weights");
				// the same weights in memory libtorch aligns differently (a file mapping) may round differently in the last bit
				assertEquals(0f, loaded.applyModel(x, t, loaded.conditioning(lowRes)).sub(expected).abs().max().getFloat(), 1e-5f, "denoiser output");
				assertEquals(0f, loaded.encodeFirstStage(image).sub(expectedLatent).abs().max().getFloat(), 1e-5f, "first stage output");
				assertTrue(loaded.unusedKeys().stream().allMatch(k -> k.startsWith("model_ema.")), "unused: " + loaded.unusedKeys());
			}
			// with use_ema (the config's default) the loader reads the EMA copy, which is what the run's EMA holds
			try (NDManager lm = m.newSubManager(); LatentDiffusion ema = ModelLoader.load(folder, false, lm).model()) {
				assertTrue(ema.usesEma());
				Map<String, NDArray> buffers = r.trainer().ema().buffers(lm);
				for (Map.Entry<String, NDArray> p : ema.parameters().entrySet()) {
					if (!p.getKey().startsWith("model.")) continue;
					NDArray shadow = buffers.get(LitEma.bufferName(p.getKey()));
					assertEquals(0f, p.getValue().sub(shadow).abs().max().getFloat(), p.getKey());
				}
				NDArray raw = trained.parameters().get("model.diffusion_model.out.2.weight");
				assertFalse(ema.parameters().get("model.diffusion_model.out.2.weight").contentEquals(raw), "EMA equals raw weights");
			}
		}
	}

	/**
	 * Not "seg": with its trainable SpatialRescaler libtorch's CPU backward now and then returns a non-finite gradient
	 * (see AdamWOptimizer.step), which makes two runs differ by chance, resumed or not.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"sr", "kl"})
	void resumingGivesTheWeightsOfAnUninterruptedRun(String name) throws Exception {
		Inference.prepareThread();
		Path config = Fixtures.bundledCase(name).resolve("config.yaml");
		Path whole = tmp.resolve("whole");
		Path parts = tmp.resolve("parts");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun uninterrupted = TrainingRun.start(whole, config, null, settings(5), new BlobImages(32, false), null, m);
			uninterrupted.run(TrainingListener.NONE, () -> false);

			int[] taken = {0};
			int stoppedSkips;
			try (NDManager first = m.newSubManager()) {
				TrainingRun stopped = TrainingRun.start(parts, config, null, settings(5), new BlobImages(32, false), null, first);
				// stops after 3 steps, between two checkpoints: the stop itself checkpoints
				assertFalse(stopped.run(new TrainingListener() {
					@Override
					public void step(TrainingProgress p) {
						taken[0] = p.step;
					}
				}, () -> taken[0] == 3));
				stoppedSkips = stopped.trainer().optimizer().skipped();
			}
			try (NDManager second = m.newSubManager()) {
				TrainingRun resumed = TrainingRun.resume(parts, null, new BlobImages(32, false), null, second);
				assertEquals(3, resumed.step());
				assertTrue(resumed.run(TrainingListener.NONE, () -> false));
				assertEquals(uninterrupted.trainer().scaleFactor(), resumed.trainer().scaleFactor());
				// a step skipped for a non-finite gradient (a libtorch defect, see AdamWOptimizer.step) in one run and
				// not the other would explain a difference: say so in the failure
				String skips = " (steps skipped for non-finite gradients: uninterrupted " + uninterrupted.trainer().optimizer().skipped()
					+ ", stopped " + stoppedSkips + ", resumed " + resumed.trainer().optimizer().skipped() + ")";
				assertSame(uninterrupted.trainer().model().parameters(), resumed.trainer().model().parameters(), "weights" + skips);
				assertSame(uninterrupted.trainer().ema().buffers(second), resumed.trainer().ema().buffers(second), "EMA" + skips);
				assertSame(uninterrupted.trainer().optimizer().state(), resumed.trainer().optimizer().state(), "optimiser state" + skips);
			}
		}
	}

	@Test
	void aCheckpointTornBetweenItsTwoFilesIsRefused() throws Exception {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun r = TrainingRun.start(tmp, Fixtures.bundledCase("kl").resolve("config.yaml"), null, settings(1),
				new BlobImages(32, false), null, m);
			r.run(TrainingListener.NONE, () -> false);
			// the weights of a later checkpoint, written before the run died and its training state was not
			Path weights = tmp.resolve(TrainingCheckpoint.WEIGHTS);
			try (org.ldmfiji.io.StateDict saved = org.ldmfiji.io.SafetensorsReader.read(weights, m)) {
				org.ldmfiji.io.SafetensorsWriter.write(weights, saved.tensors(), Map.of(TrainingCheckpoint.STEP, "3"));
			}
			IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
				() -> TrainingRun.resume(tmp, null, new BlobImages(32, false), null, m));
			assertTrue(e.getMessage().contains("weights are from step 3 but the training state from step 1"), e.getMessage());
		}
	}

	private static void assertSame(Map<String, NDArray> expected, Map<String, NDArray> actual, String what) {
		assertEquals(expected.keySet(), actual.keySet(), what);
		for (Map.Entry<String, NDArray> e : expected.entrySet()) {
			assertTrue(e.getValue().contentEquals(actual.get(e.getKey())), what + ": " + e.getKey() + " differs");
		}
	}
}
