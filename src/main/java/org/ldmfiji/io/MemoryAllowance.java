package org.ldmfiji.io;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What loading one file has allocated so far beyond mapping the file itself: a fixed cost per array, copies (views
 * sharing bytes, unaligned tensors), widened bfloat16/int16 data, inflated zip records. Every allocation is charged
 * before it is made, and the first one over the file's limit ends the load with a message naming the file.
 */
final class MemoryAllowance {

	private final Path file;
	private final long fileSize;
	private final long limit;
	private final int maxTensors;
	private long used;

	MemoryAllowance(Path file, long fileSize, long limit, int maxTensors) {
		this.file = file;
		this.fileSize = fileSize;
		this.limit = limit;
		this.maxTensors = maxTensors;
	}

	/** How many arrays this file may still make. */
	long maxTensors() {
		return Math.min(maxTensors, (limit - used) / LoadLimits.BYTES_PER_TENSOR);
	}

	/** Checks and charges the fixed cost of {@code count} arrays, before any is made. */
	void tensors(long count) throws CheckpointFormatException {
		long allowed = maxTensors();
		if (count > allowed) throw tooManyTensors(count + " tensors, more than the " + allowed);
		used += count * LoadLimits.BYTES_PER_TENSOR;
	}

	/** Refuses a file found to hold more tensors than it may while they are still being counted. */
	CheckpointFormatException tooManyTensors() {
		return tooManyTensors("more tensors than the " + maxTensors());
	}

	private CheckpointFormatException tooManyTensors(String what) {
		return CheckpointFormatException.in(file, "holds " + what + " a file of " + megabytes(fileSize)
			+ " may hold (real latent-diffusion checkpoints have a few thousand); the file is corrupt or hostile");
	}

	/**
	 * Charges an allocation of {@code bytes} about to be made.
	 * @param what names it in the message, e.g. "tensor 'w' (a copy of bytes another tensor shares)"
	 */
	void charge(long bytes, String what) throws CheckpointFormatException {
		if (bytes < 0 || bytes > limit - used)
			throw CheckpointFormatException.in(file, what + " would need " + megabytes(bytes) + " of memory on top of the "
				+ megabytes(used) + " already taken, more than the " + megabytes(limit) + " a file of " + megabytes(fileSize)
				+ " may take; the file is corrupt or hostile");
		used += bytes;
	}

	static String megabytes(long bytes) {
		return bytes < 10_000 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
	}
}
