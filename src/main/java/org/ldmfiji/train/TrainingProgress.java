package org.ldmfiji.train;

import java.util.Locale;

/** Where a run stands after a step: the figures a progress line shows. */
public final class TrainingProgress {

	/** Steps done so far (the step just taken is number {@code step}). */
	public final int step;
	public final int steps;
	public final float loss;
	/** The loss averaged over the steps since the last report (less noisy than one batch's). */
	public final float meanLoss;
	public final float gradNorm;
	public final double stepsPerSecond;

	TrainingProgress(int step, int steps, float loss, float meanLoss, float gradNorm, double stepsPerSecond) {
		this.step = step;
		this.steps = steps;
		this.loss = loss;
		this.meanLoss = meanLoss;
		this.gradNorm = gradNorm;
		this.stepsPerSecond = stepsPerSecond;
	}

	/** Estimated seconds until the last step, at the rate measured in this session. */
	public double secondsLeft() {
		return stepsPerSecond > 0 ? (steps - step) / stepsPerSecond : Double.NaN;
	}

	public double fraction() {
		return (double) step / steps;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "step %d/%d  loss %.4f (mean %.4f)  grad norm %.3g  %.2f steps/s  time left %s",
			step, steps, loss, meanLoss, gradNorm, stepsPerSecond, duration(secondsLeft()));
	}

	static String duration(double seconds) {
		if (Double.isNaN(seconds)) return "?";
		long s = Math.round(seconds);
		if (s >= 3600) return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60);
		if (s >= 60) return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
		return s + "s";
	}
}
