package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.nn.Weights;

import java.util.Collection;

/** The first stage of a latent diffusion model: image [-1, 1] ⇄ latent (unscaled: the scale factor is the caller's). */
public interface FirstStage {

	/** Where a latent diffusion checkpoint keeps its first stage's tensors ({@code first_stage_model.encoder.*}, ...). */
	String CHECKPOINT_MODULE = "first_stage_model";

	/** The first stage {@code c} describes, its parameters read from (or initialised into) {@code w}. */
	static FirstStage of(FirstStageConfig c, Weights w) {
		switch (c.kind) {
			case VQ:
				return new VQModel(c, w);
			case KL:
				return new AutoencoderKL(c, w);
			default:
				throw new IllegalArgumentException("first stage " + c.target + " is not supported yet");
		}
	}

	/**
	 * The key prefix a checkpoint holds a first stage under: {@code first_stage_model.} in a latent diffusion
	 * checkpoint, none in an autoencoder's own ({@code encoder.*}, {@code decoder.*}, ...).
	 */
	static String prefixIn(Collection<String> checkpointKeys) {
		String prefix = CHECKPOINT_MODULE + ".";
		return checkpointKeys.stream().anyMatch(k -> k.startsWith(prefix)) ? prefix : "";
	}

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
