package org.ldmfiji.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.Test;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.nn.Weights;
import org.ldmfiji.nn.autoencoder.FirstStage;
import org.ldmfiji.testing.ManagerPerClassTest;
import org.ldmfiji.train.data.MicroscopyConfig;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The reconstruction measure with stand-ins of known quality: a perfect autoencoder scores infinite PSNR and SSIM 1,
 * a uniform error of 0.01 exactly 40 dB, and an untrained autoencoder far less, so the figures can tell them apart.
 */
class ReconstructionEvaluationTest extends ManagerPerClassTest {

	private static final HeldOutSet DATA = HeldOutSet.synthetic("held-out", MicroscopyConfig.heldOut(), 32, 3, 99);

	@Test
	void aPerfectReconstructionScoresInfinityAndAKnownErrorItsPsnr() {
		EvaluationReport identity = ReconstructionEvaluation.run(NDArray::duplicate, 4, "identity", DATA, "-", 1, manager);
		Map<String, Double> mean = identity.means();
		assertEquals(Double.POSITIVE_INFINITY, mean.get("psnr"));
		assertEquals(1.0, mean.get("ssim"), 1e-12);
		assertEquals(Double.POSITIVE_INFINITY, mean.get("psnr_clean"));
		assertEquals(3, identity.rows().size());
		assertEquals(1, identity.pictures.size());
		assertTrue(identity.summary().contains("PSNR inf dB, SSIM 1.0000"), identity.summary());

		// off by a hundredth everywhere: MSE 1e-4, so 40 dB; the structure is intact but the means differ, so SSIM < 1
		EvaluationReport offset = ReconstructionEvaluation.run(image -> image.add(0.01f), 4, "offset", DATA, "-", 0, manager);
		assertEquals(40.0, offset.means().get("psnr"), 1e-3);
		assertEquals(40.0, offset.means().get("psnr_clean"), 1e-3);
		assertTrue(offset.means().get("ssim") < 1, offset.means().toString());
	}

	@Test
	void anUntrainedAutoencoderScoresFarBelowAPerfectOne() throws Exception {
		FirstStageConfig config;
		try (InputStream in = getClass().getResourceAsStream("/train/kl-f4-tiny.yaml")) {
			config = ModelConfigReader.readFirstStage(new String(in.readAllBytes(), StandardCharsets.UTF_8), "kl-f4-tiny.yaml");
		}
		FirstStage untrained = Inference.seeded(3, () -> FirstStage.of(config, Weights.random(manager, Precision.FP32)));
		EvaluationReport report = ReconstructionEvaluation.run(untrained, "untrained", DATA, 1, manager);
		Map<String, Double> mean = report.means();
		System.out.println("untrained kl-f4-tiny: " + report.summary());
		assertTrue(Double.isFinite(mean.get("psnr")) && mean.get("psnr") < 20, mean.toString());
		assertTrue(mean.get("ssim") < 0.5, mean.toString());
		assertTrue(Double.isFinite(mean.get("psnr_clean")) && mean.get("psnr_clean") < 20, mean.toString());
		assertEquals(3, report.pictures.get(0).panels.size());
		assertTrue(report.bars().isEmpty());
	}
}
