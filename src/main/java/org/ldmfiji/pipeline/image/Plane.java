package org.ldmfiji.pipeline.image;

/**
 * Which plane of a hyperstack is being processed: its position (1-based, as ImageJ counts) and its place in
 * the run, {@code number} of {@code count}, for progress reports.
 */
public final class Plane {

	public final int channel;
	public final int slice;
	public final int frame;
	/** 1-based place in the processing order. */
	public final int number;
	/** How many planes the run processes. */
	public final int count;

	public Plane(int channel, int slice, int frame, int number, int count) {
		this.channel = channel;
		this.slice = slice;
		this.frame = frame;
		this.number = number;
		this.count = count;
	}

	@Override
	public String toString() {
		return "plane " + number + " of " + count + " (c=" + channel + ", z=" + slice + ", t=" + frame + ")";
	}
}
