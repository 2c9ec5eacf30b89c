package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.Resample;

/** The reference inpainting script's pixel-space composite. */
public final class Inpainting {

	private Inpainting() {}

	/**
	 * The inpainting model's concat conditioning: the masked image through the cond stage (the first stage's
	 * encoder), and the mask resized to the latent's size (nearest), stacked along channels.
	 *
	 * @param maskedImage the image with the hole blanked, [-1, 1]
	 * @param mask        1 = hole, at image resolution, [B, 1, H, W]
	 */
	public static Conditioning conditioning(LatentDiffusion model, NDArray maskedImage, NDArray mask) {
		NDArray c = model.condStage().forward(maskedImage);
		NDArray cc = Resample.resize(mask, c.getShape().get(2), c.getShape().get(3), "nearest");
		return Conditioning.of(model.config().diffusion.conditioningKey, NDArrays.concat(new NDList(c, cc), 1));
	}

	/**
	 * {@code (1 − mask)·image01 + mask·clamp((decoded + 1)/2, 0, 1)}: the known pixels exactly as they were,
	 * the hole from the model.
	 *
	 * @param image01 the original image in [0, 1]
	 * @param mask    1 = hole (generated), 0 = keep, at image resolution
	 * @param decoded the decoded sample in [-1, 1]
	 */
	public static NDArray composite(NDArray image01, NDArray mask, NDArray decoded) {
		NDArray generated = decoded.add(1f).div(2f).clip(0f, 1f);
		return mask.neg().add(1f).mul(image01).add(mask.mul(generated));
	}
}
