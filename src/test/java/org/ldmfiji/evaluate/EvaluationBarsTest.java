package org.ldmfiji.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.junit.jupiter.api.Test;
import org.ldmfiji.pipeline.HarmonicFill;
import org.ldmfiji.testing.ManagerPerClassTest;
import org.ldmfiji.train.data.InpaintMasks;
import org.ldmfiji.train.data.MicroscopyConfig;
import org.ldmfiji.train.data.SrDegradation;

import java.util.Map;

/**
 * The evaluations' bookkeeping and bars, with stand-ins of known quality in place of a model: the ground truth itself
 * must meet every bar it can, the classical baseline must not beat itself, and one changed pixel must be caught.
 */
class EvaluationBarsTest extends ManagerPerClassTest {

	private static final HeldOutSet DATA = HeldOutSet.synthetic("held-out", MicroscopyConfig.heldOut(), 64, 3, 99);

	@Test
	void superResolutionByTheTruthBeatsBicubicAndBicubicDoesNotBeatItself() {
		SrDegradation degradation = SrDegradation.heldOut();
		EvaluationReport truth = SrEvaluation.run((low, i, m) -> GrayModelImages.tensor(m, DATA.clean.get(i)), 4, 4, "truth", DATA,
			degradation, "-", 1, 0, manager);
		Map<String, Double> mean = truth.means();
		assertEquals(Double.POSITIVE_INFINITY, mean.get("psnr_model"));
		assertEquals(1.0, mean.get("ssim_model"), 1e-12);
		assertTrue(truth.bars().get("model beats bicubic on PSNR and SSIM").startsWith("met"), truth.bars().toString());
		// the sharp truth, area-downsampled, still matches the blurred clean low-resolution image to within the bar
		assertTrue(mean.get("lr_consistency_model") >= SrEvaluation.LR_CONSISTENCY_BAR, mean.toString());
		System.out.println("LR-consistency of the sharp truth: " + mean.get("lr_consistency_model") + " dB, of bicubic: "
			+ mean.get("lr_consistency_bicubic") + " dB");

		EvaluationReport bicubic = SrEvaluation.run((low, i, m) -> SrEvaluation.bicubic(low, 64, 64), 4, 4, "bicubic", DATA,
			degradation, "-", 1, 0, manager);
		Map<String, Double> b = bicubic.means();
		assertEquals(b.get("psnr_bicubic"), b.get("psnr_model"), 1e-12);
		assertEquals(b.get("ssim_bicubic"), b.get("ssim_model"), 1e-12);
		assertTrue(bicubic.bars().get("model beats bicubic on PSNR and SSIM").startsWith("NOT met"));
	}

	@Test
	void inpaintingByTheTruthMeetsTheBarsAndOneChangedPixelIsCaught() {
		InpaintMasks masks = InpaintMasks.standard();
		EvaluationReport truth = InpaintEvaluation.run((image, hole, i, m) -> image.repeat(1, 3), 1, "truth", DATA, masks, "-", 2, 0, manager);
		Map<String, Double> mean = truth.means();
		// the gray image is the mean of the model's channels: three equal floats averaged may round in the last bit
		assertTrue(mean.get("psnr_hole_model") > 120, mean.toString());
		assertEquals(0.0, mean.get("changed_outside_hole"));
		assertEquals(mean.get("boundary_ratio_truth"), mean.get("boundary_ratio_model"), 1e-6);
		assertTrue(truth.bars().get("model beats the harmonic fill inside the hole (PSNR and SSIM)").startsWith("met"));
		assertTrue(truth.bars().get("pixels outside the hole unchanged, bit for bit").startsWith("met"));
		assertTrue(truth.bars().get("boundary gradient within 20 % of the kept pixels' (mean over the images)").startsWith("met"));
		// the clean image is smooth: its border shows as the harmonic fill's does; its camera noise drawn afresh hides
		// the border and costs what two independent noises cost against one: 3 dB below the noise floor
		assertTrue(mean.get("boundary_ratio_clean") < 0.8, mean.toString());
		assertEquals(1, mean.get("boundary_ratio_noise_redrawn"), 0.2, mean.toString());
		assertEquals(mean.get("psnr_hole_clean_recorded") - 10 * Math.log10(2), mean.get("psnr_hole_noise_redrawn"), 1, mean.toString());

		// the harmonic fill, as a model, flattens the border: the bar must say so
		EvaluationReport harmonic = InpaintEvaluation.run((image, hole, i, m) -> HarmonicFill.fill(image, hole).repeat(1, 3), 1, "harmonic",
			DATA, masks, "-", 2, 0, manager);
		assertTrue(harmonic.bars().get("boundary gradient within 20 % of the kept pixels' (mean over the images)").startsWith("NOT met"),
			harmonic.bars().toString());

		EvaluationReport touched = InpaintEvaluation.run((image, hole, i, m) -> {
			NDArray out = image.repeat(1, 3);
			// one kept pixel, in one channel, off by the smallest step a float allows
			float v = out.get(new NDIndex("0, 1, 0, 0")).getFloat();
			float next = hole.get(new NDIndex("0, 0, 0, 0")).getFloat() > 0 ? v : Math.nextUp(v);
			out.set(new NDIndex("0, 1, 0, 0"), next);
			return out;
		}, 1, "touched", DATA, masks, "-", 2, 0, manager);
		assertTrue(touched.means().get("changed_outside_hole") > 0);
		assertTrue(touched.bars().get("pixels outside the hole unchanged, bit for bit").startsWith("NOT met"));
	}

	@Test
	void synthesisOfTheRealImageSegmentsAsTheRealImageDoes() {
		// large enough that every image holds nuclei (Otsu on an image without any segments noise)
		HeldOutSet data = HeldOutSet.synthetic("held-out", MicroscopyConfig.heldOut(), 128, 2, 99);
		EvaluationReport real = SynthesisEvaluation.run((labels, i, m) -> GrayModelImages.tensor(m, data.recorded.get(i)), 3, 1, "real",
			data, "-", 0, manager);
		Map<String, Double> mean = real.means();
		assertEquals(mean.get("iou_nuclei_real"), mean.get("iou_nuclei_model"), 1e-12);
		assertEquals(0.0, mean.get("w1_model_vs_real"), 1e-12);
		assertTrue(mean.get("w1_real_vs_other_real") > 0);
		System.out.println("Otsu IoU of the real held-out images with their nuclei: " + mean.get("iou_nuclei_real")
			+ ", with all objects: " + mean.get("iou_objects_real"));
	}
}
