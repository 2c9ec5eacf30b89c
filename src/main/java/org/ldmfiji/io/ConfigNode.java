package org.ldmfiji.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

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
public final class ConfigNode {

	private final String source;
	private final String path;
	private final Map<?, ?> map;

	ConfigNode(String source, String path, Map<?, ?> map) {
		this.source = source;
		this.path = path;
		this.map = map;
	}

	/** The top-level mapping of a YAML file; {@code expected} says what the document should be, for the error. */
	public static ConfigNode read(Path yamlFile, String expected) throws ConfigException {
		String text;
		try {
			text = new String(Files.readAllBytes(yamlFile), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new ConfigException(yamlFile.toString(), "", "cannot read the file: " + e, e);
		}
		return parse(text, yamlFile.toString(), expected);
	}

	/** @param sourceName how error messages name the text, usually its file */
	public static ConfigNode parse(String yamlText, String sourceName, String expected) throws ConfigException {
		Object document;
		try {
			document = yaml().load(yamlText);
		}
		catch (YAMLException e) {
			throw new ConfigException(sourceName, "", "not valid YAML: " + e.getMessage(), e);
		}
		if (!(document instanceof Map))
			throw new ConfigException(sourceName, "", "expected " + expected + ", got " + (document == null ? "an empty document" : "a " + document.getClass().getSimpleName()));
		return new ConfigNode(sourceName, "", (Map<?, ?>) document);
	}

	private static Yaml yaml() {
		LoaderOptions options = new LoaderOptions();
		options.setAllowDuplicateKeys(false); // OmegaConf refuses them too; a silent last-one-wins hides typos
		// SafeConstructor: plain maps, lists and scalars only, never arbitrary Java types
		return new Yaml(new SafeConstructor(options));
	}

	/** The file (or resource) this node was read from. */
	public String source() {
		return source;
	}

	public String keyPath(String key) {
		return path.isEmpty() ? key : path + "." + key;
	}

	/** True if the key is present with a non-null value. */
	public boolean has(String key) {
		return map.get(key) != null;
	}

	/** The raw YAML value (String, Number, Boolean, List, Map or null). */
	public Object get(String key) {
		return map.get(key);
	}

	public ConfigNode node(String key) throws ConfigException {
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

	public int requiredInt(String key, int min) throws ConfigException {
		return atLeast(key, min, requiredInt(key));
	}

	public int intOr(String key, int defaultValue, int min) throws ConfigException {
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

	public double requiredDouble(String key) throws ConfigException {
		return required(key, "a number", this::asDouble);
	}

	public Double doubleOrNull(String key) throws ConfigException {
		return orNull(key, this::asDouble);
	}

	public double doubleOr(String key, double defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asDouble);
	}

	/** A probability such as a dropout rate. */
	double fractionOr(String key, double defaultValue) throws ConfigException {
		double value = doubleOr(key, defaultValue);
		if (!(value >= 0 && value <= 1)) throw error(key, "must be between 0 and 1, got " + value);
		return value;
	}

	public boolean requiredBool(String key) throws ConfigException {
		return required(key, "true or false", this::asBoolean);
	}

	public boolean boolOr(String key, boolean defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asBoolean);
	}

	public String requiredString(String key) throws ConfigException {
		return required(key, "a string", this::asString);
	}

	public String stringOr(String key, String defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asString);
	}

	public String stringOrNull(String key) throws ConfigException {
		return orNull(key, this::asString);
	}

	List<Integer> requiredIntList(String key) throws ConfigException {
		return required(key, "a list of integers", this::asIntList);
	}

	List<Integer> intListOr(String key, List<Integer> defaultValue) throws ConfigException {
		return or(key, defaultValue, this::asIntList);
	}

	/** A list of strings, each one of {@code allowed}; absent means the default (which may be null). */
	public List<String> stringListOr(String key, List<String> defaultValue, List<String> allowed) throws ConfigException {
		List<String> values = or(key, defaultValue, this::asStringList);
		if (values == null) return null;
		for (int i = 0; i < values.size(); i++) {
			if (!allowed.contains(values.get(i)))
				throw error(key + "[" + i + "]", "expected one of " + allowed + ", got \"" + values.get(i) + "\"");
		}
		return values;
	}

	/** Converts a value found under {@code key} (which may carry an index, e.g. {@code context_dim[0]}). */
	int asInt(String key, Object value) throws ConfigException {
		// Python ints only: a float such as 2.0 would break range()/Conv2d in the reference
		if (value instanceof Integer) return (Integer) value;
		if (value instanceof Long && (Long) value == ((Long) value).intValue()) return ((Long) value).intValue();
		throw wrongType(key, "an integer", value);
	}

	public ConfigException error(String key, String problem) {
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

	private List<String> asStringList(String key, Object value) throws ConfigException {
		return asList(key, value, "a list of strings", this::asString);
	}

	private List<Integer> asIntList(String key, Object value) throws ConfigException {
		return asList(key, value, "a list of integers", this::asInt);
	}

	private <T> List<T> asList(String key, Object value, String expected, Conversion<T> item) throws ConfigException {
		if (!(value instanceof List)) throw wrongType(key, expected, value);
		List<?> items = (List<?>) value;
		List<T> converted = new ArrayList<>(items.size());
		for (int i = 0; i < items.size(); i++)
			converted.add(item.apply(key + "[" + i + "]", items.get(i)));
		return Collections.unmodifiableList(converted);
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
