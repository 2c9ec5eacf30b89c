package org.ldmfiji.io;

import java.util.List;

/**
 * Stands in for anything a pickle would build by calling or instantiating a global this package does not interpret
 * (a Lightning callback, a numpy scalar, {@code posix.system}, ...). Nothing is ever called: the object only
 * remembers what would have been. Equality is identity, so such objects can be dict keys, as Lightning uses them.
 */
final class InertObject {

	final PickleGlobal origin;
	final List<Object> args;
	private Object state;

	InertObject(PickleGlobal origin, List<Object> args) {
		this.origin = origin;
		this.args = args;
	}

	/** What BUILD would have passed to {@code __setstate__}. */
	void setState(Object state) {
		this.state = state;
	}

	Object state() {
		return state;
	}

	@Override
	public String toString() {
		return "<" + origin + " object>";
	}
}
