package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.engine.Scoped;

import java.util.Map;
import java.util.function.Supplier;

/** What a run steps and checkpoints: a latent diffusion model's training or an autoencoder's. */
interface Trainer {

	/** Takes step {@code step} (0-based: the steps done before it); returns the batch's loss. */
	float step(int step);

	/** The global gradient norm of the last step, before clipping. */
	float lastGradNorm();

	/** The model file's tensors under the reference's keys; scalars it must make go into {@code scratch}. */
	Map<String, NDArray> weights(NDManager scratch);

	/** What resuming needs besides the weights: the optimiser's moments. */
	Map<String, NDArray> optimizerState();

	/** Plain values resuming needs (the latent scale); written into the state file's metadata. */
	Map<String, String> metadata();

	/**
	 * Computes a scalar (a loss) with libtorch's generator seeded with {@code seed}, in a scope of its own: everything
	 * but the parameters, their gradients and the optimiser state is freed when it returns.
	 */
	static float seededScalar(long seed, NDManager manager, Supplier<NDArray> body) {
		return Inference.seeded(seed, () -> {
			NDArray value = Scoped.keep(manager, body);
			float result = value.getFloat();
			value.close();
			return result;
		});
	}
}
