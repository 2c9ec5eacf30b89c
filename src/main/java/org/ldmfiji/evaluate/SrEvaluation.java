package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.LatentSequence;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.SuperResolution;
import org.ldmfiji.train.data.LabelledImage;
import org.ldmfiji.train.data.SrDegradation;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Super-resolution against the clean high-resolution image: each held-out image is degraded (blur, area
 * downsampling, noise), enlarged by bicubic interpolation (Keys' cubic, a = −0.5, as PIL and MATLAB) and by the
 * model, and both are compared with the clean original (PSNR, SSIM). LR-consistency is the PSNR of the output,
 * area-downsampled, against the clean low-resolution image, so a model that also denoises is not punished for it.
 */
public final class SrEvaluation {

	/** The LR-consistency a model must reach (issue 6). */
	static final double LR_CONSISTENCY_BAR = 35;

	private SrEvaluation() {}

	public static EvaluationReport run(LatentDiffusion model, String modelName, HeldOutSet data, SrDegradation degradation,
		SamplingSettings settings, int pictures, NDManager manager) {
		int f = SuperResolution.scale(model);
		if (degradation.factor != f) {
			throw new IllegalArgumentException("the model enlarges " + f + "x but the degradation reduces " + degradation.factor + "x");
		}
		EvaluationReport report = new EvaluationReport("super-resolution " + f + "x", modelName, data.description + "; degradation "
			+ degradation, settings.toString(), Arrays.asList("low-resolution input", "bicubic", "model", "ground truth"));
		SplittableRandom random = new SplittableRandom(settings.seed);
		for (int i = 0; i < data.size(); i++) {
			LabelledImage truth = data.clean.get(i);
			GrayModelImages.requireMultiple(truth.width, truth.height, f * LatentSequence.sideMultiple(model.config()), "the image size");
			try (NDManager m = manager.newSubManager()) {
				NDArray hr = GrayModelImages.tensor(m, truth);
				SrDegradation.Result low = degradation.degrade(hr, random.split());
				NDArray bicubic = low.lowRes.getNDArrayInternal().interpolation(new long[] {truth.height, truth.width}, 3, false).clip(0f, 1f);
				SamplingSettings s = settings.toBuilder().seed(settings.seed + i).build();
				NDArray out = GrayModelImages.fromModelChannels(SuperResolution.run(model, GrayModelImages.toModelChannels(model, low.lowRes), s, m));
				Map<String, Double> row = new LinkedHashMap<>();
				row.put("psnr_bicubic", ImageQuality.psnr(bicubic, hr, 1));
				row.put("psnr_model", ImageQuality.psnr(out, hr, 1));
				row.put("ssim_bicubic", ImageQuality.ssim(bicubic, hr, 1));
				row.put("ssim_model", ImageQuality.ssim(out, hr, 1));
				row.put("lr_consistency_bicubic", ImageQuality.psnr(degradation.downsample(bicubic), low.cleanLowRes, 1));
				row.put("lr_consistency_model", ImageQuality.psnr(degradation.downsample(out), low.cleanLowRes, 1));
				report.rows.add(row);
				if (i < pictures) {
					EvaluationReport.Picture p = new EvaluationReport.Picture(String.format(Locale.ROOT, "sr-%02d", i));
					for (NDArray panel : new NDArray[] {low.lowRes, bicubic, out, hr}) p.panels.add(GrayModelImages.plane(panel));
					report.pictures.add(p);
				}
			}
		}
		Map<String, Double> mean = report.means();
		report.bar("model beats bicubic on PSNR and SSIM", mean.get("psnr_model") > mean.get("psnr_bicubic")
			&& mean.get("ssim_model") > mean.get("ssim_bicubic"), String.format(Locale.ROOT, "PSNR %.2f vs %.2f dB, SSIM %.4f vs %.4f",
			mean.get("psnr_model"), mean.get("psnr_bicubic"), mean.get("ssim_model"), mean.get("ssim_bicubic")));
		report.bar("LR-consistency >= 35 dB", mean.get("lr_consistency_model") >= LR_CONSISTENCY_BAR,
			String.format(Locale.ROOT, "%.2f dB", mean.get("lr_consistency_model")));
		return report;
	}
}
