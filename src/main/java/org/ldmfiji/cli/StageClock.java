package org.ldmfiji.cli;

import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.pipeline.image.Plane;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Samples the process ({@link ProcessSample}) as a task run enters each stage and finishes each sampling step, and
 * passes every event on to a progress monitor. The run itself is the real pipeline; only the monitor is ours.
 */
final class StageClock implements TaskMonitor {

	private final TaskMonitor progress;
	private final Map<Stage, ProcessSample> starts = new EnumMap<>(Stage.class);
	private final List<ProcessSample> stepEnds = new ArrayList<>();

	StageClock(TaskMonitor progress) {
		this.progress = progress;
	}

	/** When the stage began, or null if the run never told it. */
	ProcessSample start(Stage stage) {
		return starts.get(stage);
	}

	/** When each sampling step ended, in order. */
	List<ProcessSample> stepEnds() {
		return stepEnds;
	}

	@Override
	public void stage(Stage stage) {
		starts.putIfAbsent(stage, ProcessSample.now());
		progress.stage(stage);
	}

	@Override
	public void step(int step, int steps) {
		stepEnds.add(ProcessSample.now());
		progress.step(step, steps);
	}

	@Override
	public void plane(Plane plane) {
		progress.plane(plane);
	}

	@Override
	public void tiling(String grid) {
		progress.tiling(grid);
	}

	@Override
	public void tile(int tile, int tiles) {
		progress.tile(tile, tiles);
	}

	@Override
	public boolean isCanceled() {
		return progress.isCanceled();
	}
}
