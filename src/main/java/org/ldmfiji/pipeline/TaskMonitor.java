package org.ldmfiji.pipeline;

import org.ldmfiji.diffusion.StepCallback;
import org.ldmfiji.pipeline.image.Plane;

import java.util.concurrent.CancellationException;

/**
 * What a running task tells its user (plane k of K, tile j of m, step i of n) and how it learns that the user
 * cancelled. Fiji's status and task services and the command line's progress lines both implement it.
 */
public interface TaskMonitor {

	TaskMonitor NONE = new TaskMonitor() {};

	/** The parts of a run a user waits for, in the order they run. */
	enum Stage {
		/** The conditioning: an image mapped or encoded by the first stage, a class or label map embedded. */
		ENCODE,
		/** The sampler's steps over the denoiser. */
		SAMPLE,
		/** The first stage's decoder. */
		DECODE
	}

	/** A stage of a run starts (told once per run and stage; a benchmark times them). */
	default void stage(Stage stage) {}

	/** A plane of the input starts. */
	default void plane(Plane plane) {}

	/** A run is cut into tiles: one line saying how (see {@code tiling.TilePlan#describe}); told once per run that tiles. */
	default void tiling(String grid) {}

	/** A tile of a tiled run starts (1-based). */
	default void tile(int tile, int tiles) {}

	/** A sampling step has finished (1-based). */
	default void step(int step, int steps) {}

	/** Whether to stop; asked between steps and tiles. */
	default boolean isCanceled() {
		return false;
	}

	/** Throws {@link CancellationException} if the user cancelled. */
	default void checkCanceled() {
		if (isCanceled()) throw new CancellationException("cancelled");
	}

	/** The sampler's callback for this monitor: reports each step and stops the run when cancelled. */
	default StepCallback steps() {
		return (step, total, t, x, x0) -> {
			step(step + 1, total);
			return !isCanceled();
		};
	}
}
