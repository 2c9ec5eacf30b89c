package org.ldmfiji.io;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One YAML mapping of a model config plus where it sits (source and key path):
 * typed getters that apply the reference's defaults and turn every problem into a
 * {@link ConfigException} naming the full key.
 * <p>
 * An absent key takes the default. An explicit {@code null} is Python's {@code None}:
 * it means "absent" only for keys whose reference default is {@code None}
 * ({@link #intOrNull}, {@link #stringOrNull}); a required key given as null is missing;
 * elsewhere it is a type error, as it would be in the reference.
 */
final class ConfigNode {

	private final String source;
	private final String path;
	private final Map<?, ?> map;

	ConfigNode(String source, String path, Map<?, ?> map) {
		this.source = source;
		this.path = path;
		this.map = map;
	}

	String keyPath(String key) {
		return path.isEmpty() ? key : path + "." + key;
	}

	/** True if the key is present with a non-null value. */
	boolean has(String key) {
		return map.get(key) != null;
	}

	/** The raw YAML value (String, Number, Boolean, List, Map or null). */
	Object get(String key) {
		return map.get(key);
	}

	ConfigNode node(String key) throws ConfigException {
		return required(key, "a mapping", this::asNode);
	}

	/** The {@code params} of a {@code {target, params}} section; absent means no arguments, as in instantiate_from_config. */
	ConfigNode params() throws ConfigException {
		return has("params") ? node("params") : emptyNode("params");
	}

	/** A node without entries at {@code key}, so that every getter returns its default. */
	ConfigNode emptyNode(String key) {
		return new ConfigNode(source, keyPath(key), Collections.emptyMap());
	}

	int requiredInt(String key) throws ConfigException {
		return required(key, "an integer", this::asInt);
	}

	int intOr(String key, int defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asInt);
	}

	Integer intOrNull(String key) throws ConfigException {
		return orNull(key, this::asInt);
	}

	int requiredInt(String key, int min) throws ConfigException {
		return atLeast(key, min, requiredInt(key));
	}

	int intOr(String key, int defaultValue, int min) throws ConfigException {
		return atLeast(key, min, intOr(key, defaultValue));
	}

	Integer intOrNull(String key, int min) throws ConfigException {
		Integer value = intOrNull(key);
		return value == null ? null : atLeast(key, min, value);
	}

	int atLeast(String key, int min, int value) throws ConfigException {
		if (value < min) throw error(key, "must be at least " + min + ", got " + value);
		return value;
	}

	/** Checks a channel-multiplier style list: not empty, every entry at least 1. */
	List<Integer> positiveEntries(String key, List<Integer> values) throws ConfigException {
		if (values.isEmpty()) throw error(key, "must not be empty");
		for (int i = 0; i < values.size(); i++)
			atLeast(key + "[" + i + "]", 1, values.get(i));
		return values;
	}

	double doubleOr(String key, double defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asDouble);
	}

	/** A probability such as a dropout rate. */
	double fractionOr(String key, double defaultValue) throws ConfigException {
		double value = doubleOr(key, defaultValue);
		if (!(value >= 0 && value <= 1)) throw error(key, "must be between 0 and 1, got " + value);
		return value;
	}

	boolean boolOr(String key, boolean defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asBoolean);
	}

	String requiredString(String key) throws ConfigException {
		return required(key, "a string", this::asString);
	}

	String stringOr(String key, String defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asString);
	}

	String stringOrNull(String key) throws ConfigException {
		return orNull(key, this::asString);
	}

	List<Integer> requiredIntList(String key) throws ConfigException {
		return required(key, "a list of integers", this::asIntList);
	}

	List<Integer> intListOr(String key, List<Integer> defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asIntList);
	}

	/** Converts a value found under {@code key} (which may carry an index, e.g. {@code context_dim[0]}). */
	int asInt(String key, Object value) throws ConfigException {
		// Python ints only: a float such as 2.0 would break range()/Conv2d in the reference
		if (value instanceof Integer) return (Integer) value;
		if (value instanceof Long && (Long) value == ((Long) value).intValue()) return ((Long) value).intValue();
		throw wrongType(key, "an integer", value);
	}

	ConfigException error(String key, String problem) {
		return new ConfigException(source, keyPath(key), problem);
	}

	ConfigException notSupported(String key, String what) {
		return error(key, what + " is not supported yet");
	}

	/** @param alternatives what is supported instead, e.g. "expected X" */
	ConfigException notSupported(String key, String what, String alternatives) {
		return error(key, what + " is not supported yet; " + alternatives);
	}

	/** Turns one raw YAML value into the Java type a getter returns, or explains why it cannot. */
	private interface Conversion<T> {
		T apply(String key, Object value) throws ConfigException;
	}

	private <T> T required(String key, String expected, Conversion<T> conversion) throws ConfigException {
		Object value = map.get(key);
		if (value == null) throw error(key, "missing; expected " + expected);
		return conversion.apply(key, value);
	}

	/** Absent: the default; present, even as null: converted (None is a type error where the default is not None). */
	private <T> T or(String key, T defaultValue, Conversion<T> conversion) throws ConfigException {
		return map.containsKey(key) ? conversion.apply(key, map.get(key)) : defaultValue;
	}

	/** Absent or null: null, for keys whose reference default is None. */
	private <T> T orNull(String key, Conversion<T> conversion) throws ConfigException {
		Object value = map.get(key);
		return value == null ? null : conversion.apply(key, value);
	}

	private ConfigNode asNode(String key, Object value) throws ConfigException {
		if (!(value instanceof Map)) throw wrongType(key, "a mapping", value);
		return new ConfigNode(source, keyPath(key), (Map<?, ?>) value);
	}

	private double asDouble(String key, Object value) throws ConfigException {
		// ints are fine where floats are expected (Python promotes them); Boolean is not a Number here
		if (value instanceof Number) return ((Number) value).doubleValue();
		throw wrongType(key, "a number", value);
	}

	private boolean asBoolean(String key, Object value) throws ConfigException {
		if (value instanceof Boolean) return (Boolean) value;
		throw wrongType(key, "true or false", value);
	}

	private String asString(String key, Object value) throws ConfigException {
		if (value instanceof String) return (String) value;
		throw wrongType(key, "a string", value);
	}

	private List<Integer> asIntList(String key, Object value) throws ConfigException {
		if (!(value instanceof List)) throw wrongType(key, "a list of integers", value);
		List<?> items = (List<?>) value;
		List<Integer> ints = new ArrayList<>(items.size());
		for (int i = 0; i < items.size(); i++)
			ints.add(asInt(key + "[" + i + "]", items.get(i)));
		return Collections.unmodifiableList(ints);
	}

	private ConfigException wrongType(String key, String expected, Object value) {
		return error(key, "expected " + expected + ", got " + describe(value));
	}

	private static String describe(Object value) {
		if (value == null) return "null";
		if (value instanceof String) return "the string \"" + value + "\"";
		if (value instanceof Map) return "a mapping";
		if (value instanceof List) return "a list";
		if (value instanceof Boolean) return "the boolean " + value;
		if (value instanceof Double) return "the float " + value;
		return value.toString();
	}
}
