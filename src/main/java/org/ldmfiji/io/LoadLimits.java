package org.ldmfiji.io;

import java.nio.file.Path;

/**
 * How much a checkpoint may make the loader allocate, in proportion to the file's size: a hostile file must end in a
 * message, never in an out-of-memory error, a crash or a machine that swaps. The defaults are far above what real
 * latent-diffusion checkpoints need (a few thousand tensors, copies only for bfloat16 weights); tests lower or lift
 * them to reach the paths that only huge files take.
 */
final class LoadLimits {

	/**
	 * Native plus Java memory per loaded array, whatever its size: an array of no elements still costs about this
	 * much (a million zero-size tensors in a 59 MB file took 3.9 GB).
	 */
	static final long BYTES_PER_TENSOR = 4096;

	static final LoadLimits DEFAULT = new LoadLimits(4, 64L << 20, 100_000, 1L << 30);

	/** Copies, widened and inflated data may take this many times the file's size ... */
	final int sizeFactor;
	/** ... plus this many bytes, so that small files still have room. */
	final long baseBytes;
	/** More tensors than any real model has, whatever the file's size. */
	final int maxTensors;
	/**
	 * Files are mapped in windows starting every {@code windowStep} bytes and up to twice as long, so any region of up
	 * to {@code windowStep} bytes lies within one window; a file under two steps is one window.
	 */
	final long windowStep;

	LoadLimits(int sizeFactor, long baseBytes, int maxTensors, long windowStep) {
		if (windowStep < 8192 || windowStep % 4096 != 0 || windowStep > (1L << 30))
			throw new IllegalArgumentException("window step must be a multiple of 4096 from 8 KiB to 1 GiB, not " + windowStep);
		this.sizeFactor = sizeFactor;
		this.baseBytes = baseBytes;
		this.maxTensors = maxTensors;
		this.windowStep = windowStep;
	}

	LoadLimits withWindowStep(long step) {
		return new LoadLimits(sizeFactor, baseBytes, maxTensors, step);
	}

	/** A new account for loading one file of {@code size} bytes. */
	MemoryAllowance allowanceFor(Path file, long size) {
		long limit = size > (Long.MAX_VALUE - baseBytes) / Math.max(sizeFactor, 1) ? Long.MAX_VALUE : sizeFactor * size + baseBytes;
		return new MemoryAllowance(file, size, limit, maxTensors);
	}
}
