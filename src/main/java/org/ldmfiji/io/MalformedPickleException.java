package org.ldmfiji.io;

/**
 * A problem found while unpickling. Unchecked so that the opcode handlers stay readable;
 * {@link RestrictedUnpickler#load()} turns it into a {@link CheckpointFormatException} naming the file and the byte.
 */
final class MalformedPickleException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	MalformedPickleException(String problem) {
		super(problem);
	}
}
