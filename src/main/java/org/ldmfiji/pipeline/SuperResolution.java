package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.image.IntensityMapping;

/**
 * Super-resolution as the reference's notebook does it for bsr_sr: the low-resolution image, mapped to [-1, 1], is
 * concatenated to a latent of its own size, so the decoded sample is larger by the first stage's factor. A model whose
 * card asks for it keeps the input's local mean intensity ({@link MeanPreservation}).
 */
public final class SuperResolution {

	private SuperResolution() {}

	/** How much larger the output is than the input: the first stage's downsampling factor. */
	public static int scale(LatentDiffusion model) {
		return model.firstStage().downsamplingFactor();
	}

	/**
	 * @param lowRes01 the low-resolution images in [0, 1], [B, 3, h, w]
	 * @return the images in [0, 1], [B, 3, h·f, w·f], attached to {@code owner}
	 */
	public static NDArray run(LatentDiffusion model, NDArray lowRes01, SamplingSettings s, NDManager owner) {
		Shape in = lowRes01.getShape();
		Shape latent = new Shape(in.get(0), model.config().diffusion.channels, in.get(2), in.get(3));
		s.monitor.stage(TaskMonitor.Stage.ENCODE);
		NDArray out = LatentSequence.run(model, model.conditioning(IntensityMapping.unitToModel(lowRes01)), null, latent, null, s, owner);
		if (!s.preserveMean) return out;
		NDArray kept = MeanPreservation.apply(out, lowRes01, scale(model));
		out.close();
		return kept;
	}
}
