package org.ldmfiji.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.LatentSequence;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Synthesis;
import org.ldmfiji.train.data.LabelledImage;
import org.ldmfiji.train.data.SyntheticMicroscopy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Label-map synthesis: an image is generated from each held-out label map; its Otsu foreground is compared with the
 * labelled nuclei and with all labelled objects (IoU), and its intensity histogram with the real image of the same
 * labels (Wasserstein-1, in intensity units). The bar is on the nuclei: the dim cell bodies of a fluorescence image lie
 * mostly below Otsu's threshold even in the real images. For scale, the same figures for the real image itself, and
 * the distance between two different real images of the population.
 */
public final class SynthesisEvaluation {

	/** The IoU a model must reach (issue 6). */
	static final double IOU_BAR = 0.7;

	/** What is measured: paints the {@code index}-th label map [1, H, W] (int32) as an image [1, 1, H, W] in [0, 1]. */
	public interface Painter {
		NDArray paint(NDArray labels, int index, NDManager manager);
	}

	private SynthesisEvaluation() {}

	/** A model, sampled with {@code settings} (the seed advanced by one per image). */
	public static EvaluationReport run(LatentDiffusion model, String modelName, HeldOutSet data, SamplingSettings settings,
		int pictures, NDManager manager) {
		if (model.config().condStage.kind != CondStageConfig.Kind.SPATIAL_RESCALER) {
			throw new IllegalArgumentException("model '" + modelName + "' does not synthesise from a label map");
		}
		int classes = model.config().condStage.inChannels;
		Painter painter = (labels, i, m) -> {
			NDArray oneHot = labels.toType(DataType.INT64, false).oneHot(classes).transpose(0, 3, 1, 2).toType(DataType.FLOAT32, false);
			SamplingSettings s = settings.toBuilder().seed(settings.seed + i).build();
			return GrayModelImages.fromModelChannels(Synthesis.run(model, Synthesis.Request.builder().labelMap(oneHot).build(), s, m));
		};
		int multiple = model.firstStage().downsamplingFactor() * LatentSequence.sideMultiple(model.config());
		return run(painter, classes, multiple, modelName, data, settings.toString(), pictures, manager);
	}

	/**
	 * @param classes  how many classes {@code painter} knows
	 * @param multiple what the images' sides must be a multiple of
	 */
	public static EvaluationReport run(Painter painter, int classes, int multiple, String name, HeldOutSet data, String settings,
		int pictures, NDManager manager) {
		EvaluationReport report = new EvaluationReport("label-map synthesis", name, data.description, settings,
			Arrays.asList("label map", "model", "real image of these labels"));
		for (int i = 0; i < data.size(); i++) {
			LabelledImage real = data.recorded.get(i);
			if (real.labels == null) throw new IllegalArgumentException("synthesis needs images with label maps; these have none");
			GrayModelImages.requireMultiple(real.width, real.height, multiple, "the image size");
			try (NDManager m = manager.newSubManager()) {
				NDArray labels = m.create(real.labels, new Shape(1, real.height, real.width));
				int largest = (int) labels.max().toType(DataType.FLOAT32, false).getFloat();
				if (largest >= classes) {
					throw new IllegalArgumentException("the label maps use labels up to " + largest + " but the model has " + classes + " classes");
				}
				NDArray out = painter.paint(labels, i, m);
				NDArray realImage = GrayModelImages.tensor(m, real);
				NDArray objects = labels.gt(0).reshape(1, 1, real.height, real.width);
				NDArray nuclei = labels.eq(SyntheticMicroscopy.NUCLEUS).reshape(1, 1, real.height, real.width);
				NDArray other = GrayModelImages.tensor(m, data.recorded.get((i + 1) % data.size()));
				Map<String, Double> row = new LinkedHashMap<>();
				NDArray generatedForeground = Otsu.foreground(out);
				NDArray realForeground = Otsu.foreground(realImage);
				row.put("iou_nuclei_model", Otsu.iou(generatedForeground, nuclei));
				row.put("iou_nuclei_real", Otsu.iou(realForeground, nuclei));
				row.put("iou_objects_model", Otsu.iou(generatedForeground, objects));
				row.put("iou_objects_real", Otsu.iou(realForeground, objects));
				row.put("w1_model_vs_real", IntensityDistance.wasserstein1(out, realImage));
				row.put("w1_real_vs_other_real", IntensityDistance.wasserstein1(other, realImage));
				report.rows.add(row);
				if (i < pictures) {
					EvaluationReport.Picture p = new EvaluationReport.Picture(String.format(Locale.ROOT, "synthesis-%02d", i));
					NDArray shownLabels = labels.toType(DataType.FLOAT32, false).div((float) Math.max(1, largest)).reshape(1, 1, real.height, real.width);
					for (NDArray panel : new NDArray[] {shownLabels, out, realImage}) p.panels.add(GrayModelImages.plane(panel));
					report.pictures.add(p);
				}
			}
		}
		Map<String, Double> mean = report.means();
		report.bar("IoU of the Otsu foreground with the labelled nuclei >= 0.7", mean.get("iou_nuclei_model") >= IOU_BAR,
			String.format(Locale.ROOT, "%.3f (the real images: %.3f)", mean.get("iou_nuclei_model"), mean.get("iou_nuclei_real")));
		report.bar("intensity histogram close to the real images' (Wasserstein-1 no larger than between two real images)",
			mean.get("w1_model_vs_real") <= mean.get("w1_real_vs_other_real"), String.format(Locale.ROOT, "%.4f vs %.4f",
			mean.get("w1_model_vs_real"), mean.get("w1_real_vs_other_real")));
		return report;
	}
}
