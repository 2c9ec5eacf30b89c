package org.ldmfiji.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the restricted unpickler builds: None as null, bool, int as Long (BigInteger beyond 64 bits), float as
 * Double, str, bytes as byte[], tuple / list / set as List, dict as LinkedHashMap, plus {@link PickleGlobal},
 * {@link InertObject}, {@link TorchStorage} and {@link LazyTensor}. Helpers to describe such values to a user and to
 * turn them into plain metadata without trusting their shape (cycles, depth, sheer size).
 */
final class PickledValues {

	private static final Object NOT_PLAIN = new Object();
	private static final int MAX_DEPTH = 32;
	private static final int MAX_NODES = 100_000;

	/** A dict key compared by the identity of the value it wraps. */
	static final class IdentityKey {
		final Object value;

		IdentityKey(Object value) {
			this.value = value;
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof IdentityKey && ((IdentityKey) o).value == value;
		}

		@Override
		public int hashCode() {
			return System.identityHashCode(value);
		}
	}

	private PickledValues() {
	}

	/**
	 * Containers used as dict keys are wrapped and compared by identity: Java would hash them by content, and a
	 * hostile self-containing list would then recurse until the stack overflows.
	 */
	static Object dictKey(Object key) {
		if (key instanceof List || key instanceof Map || key instanceof byte[]) return new IdentityKey(key);
		return key;
	}

	/** For messages: what kind of value, never its content (which may be huge or cyclic). */
	static String describe(Object v) {
		if (v == null) return "None";
		if (v instanceof IdentityKey) return describe(((IdentityKey) v).value);
		if (v instanceof InertObject) return "a " + ((InertObject) v).origin + " object";
		if (v instanceof PickleGlobal) return "the global " + v;
		if (v instanceof LazyTensor) return "a tensor";
		if (v instanceof TorchStorage) return "a torch storage";
		if (v instanceof String) return "a string";
		if (v instanceof Boolean) return "a bool";
		if (v instanceof Long || v instanceof BigInteger) return "an int";
		if (v instanceof Double) return "a float";
		if (v instanceof byte[]) return "a bytes object";
		if (v instanceof List) return "a tuple or list";
		if (v instanceof Map) return "a dict";
		return "a " + v.getClass().getSimpleName();
	}

	/**
	 * The entries of a dict that have a plain Java form (see {@link StateDict#metadata()}), in order. Entries holding
	 * tensors, storages or bytes are left out; inert objects become strings naming their global.
	 */
	static Map<String, Object> plainEntries(Map<?, ?> dict, String excludedKey) {
		Map<String, Object> result = new LinkedHashMap<>();
		for (Map.Entry<?, ?> e : dict.entrySet()) {
			if (!(e.getKey() instanceof String) || e.getKey().equals(excludedKey)) continue;
			Object plain = plain(e.getValue(), 0, new Budget());
			if (plain != NOT_PLAIN) result.put((String) e.getKey(), plain);
		}
		return result;
	}

	private static final class Budget {
		int nodes = MAX_NODES;
		final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
	}

	private static Object plain(Object v, int depth, Budget budget) {
		if (--budget.nodes < 0 || depth > MAX_DEPTH) return NOT_PLAIN;
		if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) return v;
		if (v instanceof BigInteger) return v.toString();
		if (v instanceof PickleGlobal) return ((PickleGlobal) v).qualifiedName();
		if (v instanceof InertObject) return v.toString();
		if (!(v instanceof List || v instanceof Map) || !budget.path.add(v)) return NOT_PLAIN; // tensor, bytes, or a cycle
		Object result = v instanceof List ? plainList((List<?>) v, depth, budget) : plainMap((Map<?, ?>) v, depth, budget);
		budget.path.remove(v);
		return result;
	}

	private static Object plainList(List<?> list, int depth, Budget budget) {
		List<Object> result = new ArrayList<>(list.size());
		for (Object item : list) {
			Object plain = plain(item, depth + 1, budget);
			if (plain == NOT_PLAIN) return NOT_PLAIN;
			result.add(plain);
		}
		return Collections.unmodifiableList(result);
	}

	private static Object plainMap(Map<?, ?> map, int depth, Budget budget) {
		Map<String, Object> result = new LinkedHashMap<>();
		for (Map.Entry<?, ?> e : map.entrySet()) {
			Object key = e.getKey() instanceof IdentityKey ? ((IdentityKey) e.getKey()).value : e.getKey();
			Object plainKey = plain(key, depth + 1, budget);
			Object plainValue = plain(e.getValue(), depth + 1, budget);
			if (plainKey == NOT_PLAIN || plainValue == NOT_PLAIN) return NOT_PLAIN;
			result.put(String.valueOf(plainKey), plainValue);
		}
		return Collections.unmodifiableMap(result);
	}
}
