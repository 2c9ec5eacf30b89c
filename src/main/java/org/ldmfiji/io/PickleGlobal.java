package org.ldmfiji.io;

import java.util.Objects;

/**
 * What a pickle's GLOBAL / STACK_GLOBAL / INST names: a module and a name, nothing more. The restricted
 * unpickler never resolves it to code.
 */
final class PickleGlobal {

	final String module;
	final String name;

	private PickleGlobal(String module, String name) {
		this.module = module;
		this.name = name;
	}

	/** Python 2 spellings (protocol 0–2 pickles) are mapped to Python 3's, as Python's own unpickler does. */
	static PickleGlobal of(String module, String name) {
		if (module.equals("__builtin__")) return new PickleGlobal("builtins", name);
		if (module.equals("copy_reg")) return new PickleGlobal("copyreg", name);
		return new PickleGlobal(module, name);
	}

	boolean is(String module, String name) {
		return this.module.equals(module) && this.name.equals(name);
	}

	String qualifiedName() {
		return module + "." + name;
	}

	@Override
	public boolean equals(Object o) {
		if (!(o instanceof PickleGlobal)) return false;
		PickleGlobal g = (PickleGlobal) o;
		return module.equals(g.module) && name.equals(g.name);
	}

	@Override
	public int hashCode() {
		return Objects.hash(module, name);
	}

	/** For messages: escaped, since a hostile stream may put newlines or terminal escapes in a name. */
	@Override
	public String toString() {
		return Text.escape(qualifiedName());
	}
}
