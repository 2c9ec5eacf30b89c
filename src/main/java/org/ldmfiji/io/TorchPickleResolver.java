package org.ldmfiji.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The few globals of a torch.save pickle that are interpreted, as data: tensor rebuild functions become
 * {@link LazyTensor}s, storage persistent ids {@link TorchStorage}s, {@code collections.OrderedDict} a
 * LinkedHashMap, {@code set}/{@code frozenset} a list. Every other global yields an {@link InertObject}.
 */
final class TorchPickleResolver implements RestrictedUnpickler.Resolver {

	private static final String UTILS = "torch._utils";
	private static final int MAX_RANK = 64;

	@Override
	public Object call(PickleGlobal callable, List<Object> args) {
		if (callable.is(UTILS, "_rebuild_tensor_v2") || callable.is(UTILS, "_rebuild_tensor")) return tensor(callable, args, null);
		if (callable.is(UTILS, "_rebuild_tensor_v3")) return tensor(callable, args, arg(callable, args, 6));
		if (callable.is(UTILS, "_rebuild_parameter") || callable.is(UTILS, "_rebuild_parameter_with_state"))
			return arg(callable, args, 0); // an nn.Parameter is its data here
		if (callable.is("torch._tensor", "_rebuild_from_type_v2")) return fromType(callable, args);
		if (callable.is("collections", "OrderedDict")) return orderedDict(callable, args);
		if (callable.is("builtins", "set") || callable.is("builtins", "frozenset"))
			return args.isEmpty() ? new ArrayList<>() : new ArrayList<>(list(callable, arg(callable, args, 0)));
		return new InertObject(callable, args);
	}

	@Override
	public Object persistentLoad(Object pid) {
		if (!(pid instanceof List) || ((List<?>) pid).size() != 5 || !"storage".equals(((List<?>) pid).get(0)))
			throw new MalformedPickleException("has a persistent id that is not ('storage', type, key, location, size) but "
				+ PickledValues.describe(pid) + "; only tensor storages are supported");
		List<?> id = (List<?>) pid;
		Object type = id.get(1);
		Object key = id.get(2);
		Object numel = id.get(4);
		if (!(key instanceof String) || !(numel instanceof Long) || (Long) numel < 0)
			throw new MalformedPickleException("has a malformed storage persistent id");
		ElementType elementType = storageType(type);
		long n = (Long) numel;
		long recordBytes = elementType == null || n > Long.MAX_VALUE / elementType.bytes ? -1 : n * elementType.bytes;
		return new TorchStorage((String) key, elementType, typeName(type), n, recordBytes);
	}

	/** @return null if not supported, which matters only if a tensor of that storage is materialised */
	private static ElementType storageType(Object type) {
		if (!(type instanceof PickleGlobal)) return null;
		String module = ((PickleGlobal) type).module;
		String name = ((PickleGlobal) type).name;
		if (!module.equals("torch") && !module.equals("torch.storage")) return null;
		// torch.save of a bare UntypedStorage: bytes, reinterpreted by _rebuild_tensor_v3's dtype
		return name.equals("UntypedStorage") ? ElementType.UINT8 : ElementType.fromStorageClass(name);
	}

	private static String typeName(Object type) {
		return type instanceof PickleGlobal ? ((PickleGlobal) type).qualifiedName() : PickledValues.describe(type);
	}

	/** @return null if not supported */
	private static ElementType dtype(Object dtype) {
		return dtype instanceof PickleGlobal && ((PickleGlobal) dtype).module.equals("torch")
			? ElementType.fromTorchDtype(((PickleGlobal) dtype).name) : null;
	}

	/** @param dtype what {@code _rebuild_tensor_v3} names (its storage is untyped), or null to use the storage's own type */
	private static LazyTensor tensor(PickleGlobal callable, List<Object> args, Object dtype) {
		Object storage = arg(callable, args, 0);
		if (!(storage instanceof TorchStorage))
			throw new MalformedPickleException("calls " + callable + " on " + PickledValues.describe(storage) + " instead of a storage");
		TorchStorage s = (TorchStorage) storage;
		if (dtype != null) { // bytes viewed as dtype: offset and sizes count dtype elements
			ElementType type = dtype(dtype);
			s = s.viewedAs(type, typeName(dtype));
		}
		List<String> outOfRange = new ArrayList<>();
		long offset = integer(callable, arg(callable, args, 1), "storage offset", outOfRange);
		long[] size = integers(callable, arg(callable, args, 2), "size", outOfRange);
		long[] stride = integers(callable, arg(callable, args, 3), "stride", outOfRange);
		if (size.length != stride.length || size.length > MAX_RANK)
			throw new MalformedPickleException("calls " + callable + " with a size and a stride of different lengths or over "
				+ MAX_RANK + " dimensions");
		return new LazyTensor(s, offset, size, stride, outOfRange.isEmpty() ? null : outOfRange.get(0));
	}

	/** How tensor subclasses are pickled: the plain tensor is built by an inner rebuild function. */
	private Object fromType(PickleGlobal callable, List<Object> args) {
		Object function = arg(callable, args, 0);
		Object functionArgs = arg(callable, args, 2);
		if (function instanceof PickleGlobal && ((PickleGlobal) function).module.equals(UTILS)
			&& ((PickleGlobal) function).name.startsWith("_rebuild_tensor"))
			return call((PickleGlobal) function, list(callable, functionArgs));
		return new InertObject(callable, args);
	}

	private static Map<Object, Object> orderedDict(PickleGlobal callable, List<Object> args) {
		Map<Object, Object> dict = new LinkedHashMap<>();
		if (args.isEmpty()) return dict;
		Object content = args.get(0);
		if (content instanceof Map) {
			dict.putAll((Map<?, ?>) content);
			return dict;
		}
		for (Object pair : list(callable, content)) {
			List<Object> kv = list(callable, pair);
			if (kv.size() != 2) throw new MalformedPickleException("calls " + callable + " with an item that is not a pair");
			dict.put(PickledValues.dictKey(kv.get(0)), kv.get(1));
		}
		return dict;
	}

	private static Object arg(PickleGlobal callable, List<Object> args, int index) {
		if (index >= args.size()) throw new MalformedPickleException("calls " + callable + " with too few arguments");
		return args.get(index);
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(PickleGlobal callable, Object value) {
		if (!(value instanceof List))
			throw new MalformedPickleException("calls " + callable + " with " + PickledValues.describe(value) + " where a sequence belongs");
		return (List<Object>) value;
	}

	/**
	 * An int of a tensor's view. One beyond 64 bits is read as 0 and noted in {@code outOfRange}: it is an error only
	 * if the tensor is loaded, and the message then names the tensor.
	 */
	private static long integer(PickleGlobal callable, Object value, String what, List<String> outOfRange) {
		if (value instanceof BigInteger) {
			BigInteger big = (BigInteger) value;
			outOfRange.add("a " + what + " of " + (big.bitLength() > 128 ? "an int of " + big.bitLength() + " bits" : big)
				+ ", out of the range of a 64-bit int (at most " + Long.MAX_VALUE + ")");
			return 0;
		}
		if (!(value instanceof Long))
			throw new MalformedPickleException("calls " + callable + " with " + PickledValues.describe(value) + " where the " + what
				+ " (an int) belongs");
		return (Long) value;
	}

	private static long[] integers(PickleGlobal callable, Object value, String what, List<String> outOfRange) {
		List<Object> items = list(callable, value);
		long[] result = new long[items.size()];
		for (int i = 0; i < result.length; i++)
			result[i] = integer(callable, items.get(i), what, outOfRange);
		return result;
	}
}
