package org.ldmfiji.fiji.ij1;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The options string of an ImageJ 1 {@code run("Command...", "key=value key=[value with spaces] flag")} call, split
 * into its keys once, so that every key can be checked against the command's parameters. ImageJ's own
 * {@code Macro.getValue} looks keys up one at a time and never notices a key nobody asked for: a misspelt
 * {@code stpes=50} would silently run with the default.
 */
final class MacroOptions {

	private final Map<String, String> values;

	private MacroOptions(Map<String, String> values) {
		this.values = values;
	}

	/** Parses {@code options} as ImageJ writes them: a bare key is a checked checkbox (value null). */
	static MacroOptions parse(String options) {
		Map<String, String> values = new LinkedHashMap<>();
		String s = options == null ? "" : options;
		int i = 0;
		while (i < s.length()) {
			if (s.charAt(i) == ' ') {
				i++;
				continue;
			}
			int keyEnd = i;
			while (keyEnd < s.length() && s.charAt(keyEnd) != '=' && s.charAt(keyEnd) != ' ') keyEnd++;
			String key = s.substring(i, keyEnd);
			if (key.isEmpty()) throw new IllegalArgumentException("a value without a key at position " + i + " of the options '" + s + "'");
			String value = null;
			i = keyEnd;
			if (i < s.length() && s.charAt(i) == '=') {
				i++;
				int end;
				if (i < s.length() && s.charAt(i) == '[') {
					end = s.indexOf(']', i);
					if (end < 0) throw new IllegalArgumentException("the value of '" + key + "' opens a [ that is never closed");
					value = s.substring(i + 1, end);
					end++;
				} else {
					end = s.indexOf(' ', i);
					if (end < 0) end = s.length();
					value = s.substring(i, end);
				}
				i = end;
			}
			if (values.containsKey(key)) throw new IllegalArgumentException("the key '" + key + "' is given twice");
			values.put(key, value);
		}
		return new MacroOptions(values);
	}

	Set<String> keys() {
		return Collections.unmodifiableSet(values.keySet());
	}

	boolean has(String key) {
		return values.containsKey(key);
	}

	/** The value of {@code key}, or {@code fallback} when the key is absent. */
	String value(String key, String fallback) {
		if (!values.containsKey(key)) return fallback;
		String v = values.get(key);
		if (v == null) throw new IllegalArgumentException("'" + key + "' needs a value (" + key + "=...)");
		return v;
	}

	/**
	 * A checkbox as ImageJ records it: present means checked, absent unchecked, whatever the default (the recorder
	 * writes only checked boxes). {@code key=true} and {@code key=false} are accepted too.
	 */
	boolean flag(String key) {
		if (!values.containsKey(key)) return false;
		String v = values.get(key);
		if (v == null || v.equalsIgnoreCase("true")) return true;
		if (v.equalsIgnoreCase("false")) return false;
		throw new IllegalArgumentException("'" + key + "' is a checkbox: write " + key + " (checked) or leave it out, not " + key + "=" + v);
	}
}
