package org.ldmfiji.nn.cond;

import ai.djl.ndarray.NDArray;

/** The reference's {@code get_learned_conditioning}: raw conditioning input → what the denoiser is given. */
public interface CondStage {
	NDArray forward(NDArray input);
}
