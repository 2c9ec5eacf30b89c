package org.ldmfiji.diffusion;

import ai.djl.ndarray.NDArray;

/** What one sampler update produces: the next sample and its estimate of the clean sample. */
final class SamplerStep {

	final NDArray xPrev;
	final NDArray predX0;

	SamplerStep(NDArray xPrev, NDArray predX0) {
		this.xPrev = xPrev;
		this.predX0 = predX0;
	}
}
