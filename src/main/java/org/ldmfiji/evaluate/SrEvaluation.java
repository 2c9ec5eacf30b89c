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

	/** What is measured: enlarges the {@code index}-th low-resolution image [1, 1, h, w] to [1, 1, h·f, w·f] in [0, 1]. */
	public interface Enlarger {
		NDArray enlarge(NDArray lowRes, int index, NDManager manager);
	}

	private SrEvaluation() {}

	/** A model, sampled with {@code settings} (the seed advanced by one per image). */
	public static EvaluationReport run(LatentDiffusion model, String modelName, HeldOutSet data, SrDegradation degradation,
		SamplingSettings settings, int pictures, NDManager manager) {
		int f = SuperResolution.scale(model);
		Enlarger enlarger = (lowRes, i, m) -> GrayModelImages.fromModelChannels(SuperResolution.run(model,
			GrayModelImages.toModelChannels(model, lowRes), settings.toBuilder().seed(settings.seed + i).build(), m));
		return run(enlarger, f, f * LatentSequence.sideMultiple(model.config()), modelName, data, degradation, settings.toString(),
			settings.seed, pictures, manager);
	}

	/**
	 * @param factor   how much {@code enlarger} enlarges
	 * @param multiple what the images' sides must be a multiple of
	 * @param seed     of the degradations' noise
	 */
	public static EvaluationReport run(Enlarger enlarger, int factor, int multiple, String name, HeldOutSet data,
		SrDegradation degradation, String settings, long seed, int pictures, NDManager manager) {
		if (degradation.factor != factor) {
			throw new IllegalArgumentException("the model enlarges " + factor + "x but the degradation reduces " + degradation.factor + "x");
		}
		EvaluationReport report = new EvaluationReport("super-resolution " + factor + "x", name, data.description + "; degradation "
			+ degradation, settings, Arrays.asList("low-resolution input", "bicubic", "model", "ground truth"));
		SplittableRandom random = new SplittableRandom(seed);
		for (int i = 0; i < data.size(); i++) {
			LabelledImage truth = data.clean.get(i);
			GrayModelImages.requireMultiple(truth.width, truth.height, multiple, "the image size");
			try (NDManager m = manager.newSubManager()) {
				NDArray hr = GrayModelImages.tensor(m, truth);
				SrDegradation.Result low = degradation.degrade(hr, random.split());
				NDArray bicubic = bicubic(low.lowRes, truth.height, truth.width);
				NDArray out = enlarger.enlarge(low.lowRes, i, m);
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

	/** Bicubic interpolation (libtorch's, with Keys' a = −0.5) to {@code height × width}, clipped to [0, 1]. */
	public static NDArray bicubic(NDArray lowRes, long height, long width) {
		return lowRes.getNDArrayInternal().interpolation(new long[] {height, width}, 3, false).clip(0f, 1f);
	}
}
