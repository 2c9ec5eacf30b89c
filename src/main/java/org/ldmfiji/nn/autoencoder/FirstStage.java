package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.io.FirstStageConfig;

/** The first stage of a latent diffusion model: image [-1, 1] ⇄ latent (unscaled: the scale factor is the caller's). */
public interface FirstStage {

	/** The deterministic latent used for conditioning and for known regions: VQ pre-quantisation latent, KL mode. */
	NDArray encode(NDArray image);

	/** Latent → image; a VQ model quantises first unless told not to. */
	NDArray decode(NDArray latent, boolean quantize);

	FirstStageConfig config();

	/** Spatial downsampling factor (image size / latent size). */
	default int downsamplingFactor() {
		return config().ddconfig.downsamplingFactor();
	}

	/** Channels of the latent. */
	default int latentChannels() {
		return config().embedDim;
	}
}
