package org.ldmfiji.nn;

/** A checkpoint does not fit the model its config describes: a tensor is missing or has another shape. */
public final class WeightsException extends IllegalStateException {
	public WeightsException(String message) {
		super(message);
	}
}
