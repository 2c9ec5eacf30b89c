package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Classifier-free guidance as the reference batches it: the wrapped denoiser evaluates [x; x] against
 * conditioning already batched as [unconditional; conditional], and the two halves are combined as
 * e_u + s·(e_c − e_u).
 */
public final class ClassifierFreeGuidance implements Denoiser {

	private final Denoiser pairedModel;
	private final float scale;

	/** @param pairedModel evaluates a doubled batch, unconditional half first */
	public ClassifierFreeGuidance(Denoiser pairedModel, double scale) {
		this.pairedModel = pairedModel;
		this.scale = (float) scale;
	}

	@Override
	public NDArray predict(NDArray x, double t) {
		NDArray both = pairedModel.predict(NDArrays.concat(new NDList(x, x), 0), t);
		NDList halves = both.split(2, 0);
		NDArray uncond = halves.get(0);
		return uncond.add(halves.get(1).sub(uncond).mul(scale));
	}
}
