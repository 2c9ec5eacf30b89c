package org.ldmfiji.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Positional arguments and {@code --name value...} options; a name followed by another option or nothing is a flag. */
final class Args {

	final List<String> positional = new ArrayList<>();
	private final Map<String, List<String>> options = new HashMap<>();

	Args(String[] argv) {
		List<String> current = null;
		for (String s : argv) {
			if (s.startsWith("--")) {
				current = new ArrayList<>();
				options.put(s.substring(2), current);
			} else if (current != null) {
				current.add(s);
			} else {
				positional.add(s);
			}
		}
	}

	boolean flag(String name) {
		return options.containsKey(name);
	}

	String value(String name, String fallback) {
		List<String> v = options.get(name);
		if (v == null) return fallback;
		if (v.size() != 1) throw new IllegalArgumentException("--" + name + " takes one value");
		return v.get(0);
	}

	String[] values(String name) {
		List<String> v = options.get(name);
		return v == null ? null : v.toArray(new String[0]);
	}

	int intValue(String name, int fallback) {
		String v = value(name, null);
		if (v == null) return fallback;
		try {
			return Integer.parseInt(v);
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException("--" + name + " expects a whole number, not '" + v + "'");
		}
	}

	void requirePositional(int n, String usage) {
		if (positional.size() != n) throw new IllegalArgumentException("usage: " + usage);
	}
}
