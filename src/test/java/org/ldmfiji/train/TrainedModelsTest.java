package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.SuperResolution;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The whole chain on tiny models: an autoencoder is trained, a super-resolution model is trained on its latents (the
 * autoencoder's own file as its first stage), and the result is a model folder the pipeline super-resolves with.
 */
class TrainedModelsTest {

	@TempDir
	Path tmp;

	private static Path config(String name) throws Exception {
		return Paths.get(TrainedModelsTest.class.getResource("/train/" + name + ".yaml").toURI());
	}

	@Test
	void anAutoencoderThenASuperResolutionModelOnItsLatentsThenTheSuperResolutionPipeline() throws Exception {
		Inference.prepareThread();
		TrainingSettings s = TrainingSettings.builder().steps(3).batchSize(2).learningRate(1e-3).warmupSteps(0).seed(2).build();
		Path autoencoder = tmp.resolve("vq");
		Path sr = tmp.resolve("sr");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun.start(autoencoder, config("vq-f4-tiny"), null, s, new BlobImages(32, false), null, m).run(TrainingListener.NONE, () -> false);
			TrainingRun run = TrainingRun.start(sr, config("sr-on-vq-f4-tiny"), autoencoder.resolve(TrainingCheckpoint.WEIGHTS), s,
				new BlobImages(32, false), null, m);
			NDArray trainedCodebook = run.trainer().model().parameters().get("first_stage_model.quantize.embedding.weight").duplicate();
			run.run(TrainingListener.NONE, () -> false);

			try (NDManager lm = m.newSubManager(); LatentDiffusion model = ModelLoader.load(ModelFolder.open(sr, ModelFolder.Origin.USER), false, lm).model()) {
				// the first stage is the autoencoder's, unchanged by the latent diffusion run
				assertTrue(model.parameters().get("first_stage_model.quantize.embedding.weight").contentEquals(trainedCodebook));
				NDArray lowRes = lm.randomUniform(0f, 1f, new Shape(1, 1, 8, 8));
				NDArray out = SuperResolution.run(model, lowRes, SamplingSettings.builder().steps(2).seed(1).build(), lm);
				assertEquals(new Shape(1, 1, 32, 32), out.getShape());
				assertTrue(out.isNaN().none().getBoolean(), "NaN in the super-resolved image");
			}
		}
	}
}
