package org.ldmfiji.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint file is malformed, hostile, or in a format this package does not read. The message names the file
 * and, where there is one, the tensor, and says what is wrong in words a user can act on.
 */
public class CheckpointFormatException extends IOException {

	private static final long serialVersionUID = 1L;

	public CheckpointFormatException(String message) {
		super(message);
	}

	public CheckpointFormatException(String message, Throwable cause) {
		super(message, cause);
	}

	static CheckpointFormatException in(Path file, String problem) {
		return new CheckpointFormatException(file + ": " + problem);
	}

	static CheckpointFormatException in(Path file, String problem, Throwable cause) {
		return new CheckpointFormatException(file + ": " + problem, cause);
	}
}
