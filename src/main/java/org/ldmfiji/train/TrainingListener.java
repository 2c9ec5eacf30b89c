package org.ldmfiji.train;

import java.nio.file.Path;

/** Told about a run's progress: every step and every checkpoint. */
public interface TrainingListener {

	TrainingListener NONE = p -> {};

	void step(TrainingProgress progress);

	default void checkpoint(Path folder, int step) {}
}
