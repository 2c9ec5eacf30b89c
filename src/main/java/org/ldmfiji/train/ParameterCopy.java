package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fills a freshly built model's parameters from a checkpoint's tensors, in place: the arrays keep their identity
 * (and their place in the optimiser and the EMA), only their values change.
 */
final class ParameterCopy {

	private ParameterCopy() {}

	/**
	 * Copies {@code source[sourcePrefix + rest]} into every parameter {@code targetPrefix + rest}.
	 *
	 * @param required whether a parameter under {@code targetPrefix} without a source tensor is an error
	 * @return the number of parameters copied
	 */
	static int copy(Map<String, NDArray> parameters, String targetPrefix, Map<String, NDArray> source, String sourcePrefix,
		boolean required, String where) {
		int copied = 0;
		List<String> missing = new ArrayList<>();
		for (Map.Entry<String, NDArray> p : parameters.entrySet()) {
			if (!p.getKey().startsWith(targetPrefix)) continue;
			String key = sourcePrefix + p.getKey().substring(targetPrefix.length());
			NDArray src = source.get(key);
			if (src == null) {
				missing.add(key);
				continue;
			}
			if (!src.getShape().equals(p.getValue().getShape()))
				throw new IllegalArgumentException(where + ": tensor '" + key + "' has shape " + src.getShape() + ", but the model needs "
					+ p.getValue().getShape() + "; do the config and the weights belong together?");
			copyInto(p.getValue(), src);
			copied++;
		}
		if (required && !missing.isEmpty())
			throw new IllegalArgumentException(where + " has no tensor '" + missing.get(0) + "'" + (missing.size() > 1
				? " (and " + (missing.size() - 1) + " more)" : "") + ", which the model described by the config needs");
		return copied;
	}

	/** {@code target[...] = source}, converted to float32 first. */
	static void copyInto(NDArray target, NDArray source) {
		NDArray value = source.getDataType() == DataType.FLOAT32 ? source : source.toType(DataType.FLOAT32, false);
		target.set(new NDIndex("..."), value);
		if (value != source) value.close();
	}
}
