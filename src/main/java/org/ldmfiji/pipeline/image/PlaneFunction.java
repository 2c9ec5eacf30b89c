package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;

/**
 * The model's work on one plane: a tensor [1, C, H, W] in [−1, 1] in, a tensor [1, C', H·f, W·f] out (the same
 * factor f for every plane). Throw {@link java.util.concurrent.CancellationException} to stop the run.
 */
@FunctionalInterface
public interface PlaneFunction {

	NDArray apply(NDArray image, Plane plane);
}
