package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.nn.autoencoder.FirstStage;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.train.data.LabelledImage;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A first stage's reconstruction of each image: encoded as inference encodes (a KL autoencoder's posterior mode, a VQ
 * model's latent quantised) and decoded, then compared with the image (PSNR, SSIM). Every latent diffusion model built
 * on the first stage decodes through the same decoder, so these figures bound its own; there is no bar, the means are
 * the result. The image as recorded, noise included, is what an autoencoder is trained on and what inpainting restores;
 * where the clean image is known (generated images) it is reconstructed and compared too ({@code psnr_clean},
 * {@code ssim_clean}), since super-resolution's targets are clean.
 */
public final class ReconstructionEvaluation {

	/** How much the pictures amplify the absolute error: an error of a tenth of the intensity range shows as white. */
	static final float ERROR_GAIN = 10;

	/** What is measured: reconstructs an image [1, 1, H, W] in [0, 1] as [1, 1, H, W] in [0, 1]. */
	public interface Reconstructor {
		NDArray reconstruct(NDArray image);
	}

	private ReconstructionEvaluation() {}

	/** A first stage, fed the images as the plugin feeds a model ([0, 1] to [−1, 1], the plane over its channels). */
	public static EvaluationReport run(FirstStage firstStage, String name, HeldOutSet data, int pictures, NDManager manager) {
		int channels = firstStage.config().ddconfig.inChannels;
		Reconstructor autoencoder = image -> {
			NDArray x = IntensityMapping.unitToModel(GrayModelImages.toModelChannels(channels, image));
			return GrayModelImages.fromModelChannels(IntensityMapping.modelToUnit(firstStage.decode(firstStage.encode(x), true)));
		};
		return run(autoencoder, firstStage.downsamplingFactor(), name, data, method(firstStage.config()), pictures, manager);
	}

	/** How the images were encoded, for the report. */
	static String method(FirstStageConfig config) {
		String latent = config.kind == FirstStageConfig.Kind.KL ? "the posterior's mode" : "the latent quantised to the codebook";
		return "encoded (" + latent + ") and decoded, no sampling; first stage " + config;
	}

	/**
	 * @param multiple what the images' sides must be a multiple of
	 * @param method   how the images were reconstructed, for the report
	 */
	public static EvaluationReport run(Reconstructor autoencoder, int multiple, String name, HeldOutSet data, String method,
		int pictures, NDManager manager) {
		EvaluationReport report = new EvaluationReport("autoencoder reconstruction", name, data.description, method,
			Arrays.asList("image", "reconstruction", String.format(Locale.ROOT, "absolute error x%.0f", ERROR_GAIN)));
		for (int i = 0; i < data.size(); i++) {
			LabelledImage recorded = data.recorded.get(i);
			GrayModelImages.requireMultiple(recorded.width, recorded.height, multiple, "the image size");
			try (NDManager m = manager.newSubManager()) {
				NDArray image = GrayModelImages.tensor(m, recorded);
				NDArray reconstruction = autoencoder.reconstruct(image);
				Map<String, Double> row = new LinkedHashMap<>();
				row.put("psnr", ImageQuality.psnr(reconstruction, image, 1));
				row.put("ssim", ImageQuality.ssim(reconstruction, image, 1));
				if (data.cleanKnown) {
					NDArray clean = GrayModelImages.tensor(m, data.clean.get(i));
					NDArray cleanReconstruction = autoencoder.reconstruct(clean);
					row.put("psnr_clean", ImageQuality.psnr(cleanReconstruction, clean, 1));
					row.put("ssim_clean", ImageQuality.ssim(cleanReconstruction, clean, 1));
				}
				report.rows.add(row);
				if (i < pictures) {
					EvaluationReport.Picture p = new EvaluationReport.Picture(String.format(Locale.ROOT, "autoencode-%02d", i));
					NDArray error = reconstruction.sub(image).abs().mul(ERROR_GAIN).clip(0f, 1f);
					for (NDArray panel : new NDArray[] {image, reconstruction, error}) p.panels.add(GrayModelImages.plane(panel));
					report.pictures.add(p);
				}
			}
		}
		Map<String, Double> mean = report.means();
		String clean = data.cleanKnown ? String.format(Locale.ROOT, "; of their clean versions: PSNR %s dB, SSIM %s",
			EvaluationReport.format(mean.get("psnr_clean")), EvaluationReport.format(mean.get("ssim_clean"))) : "";
		report.summary(String.format(Locale.ROOT, "reconstruction of %d images as recorded: PSNR %s dB, SSIM %s%s (means)", data.size(),
			EvaluationReport.format(mean.get("psnr")), EvaluationReport.format(mean.get("ssim")), clean));
		return report;
	}
}
