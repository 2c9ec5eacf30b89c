package org.ldmfiji.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the tensors of an unpickled torch checkpoint are: under {@code "state_dict"} in a (Lightning) checkpoint
 * dict, whose other plain entries are metadata, or at the top level of a plain {@code torch.save(state_dict)}.
 * Tensors anywhere else (optimizer states, callback states) are left alone and never read.
 */
final class TorchCheckpointContents {

	private static final String STATE_DICT = "state_dict";

	final Map<String, LazyTensor> tensors;
	final Map<String, Object> metadata;

	private TorchCheckpointContents(Map<String, LazyTensor> tensors, Map<String, Object> metadata) {
		this.tensors = tensors;
		this.metadata = metadata;
	}

	static TorchCheckpointContents of(Path file, Object top) throws CheckpointFormatException {
		if (!(top instanceof Map))
			throw CheckpointFormatException.in(file, "holds " + PickledValues.describe(top) + ", not a dict of tensors");
		Map<?, ?> dict = (Map<?, ?>) top;
		Object stateDict = dict.get(STATE_DICT);
		if (stateDict instanceof Map)
			return new TorchCheckpointContents(tensors(file, (Map<?, ?>) stateDict), PickledValues.plainEntries(dict, STATE_DICT));
		Map<String, LazyTensor> tensors = new LinkedHashMap<>();
		for (Map.Entry<?, ?> e : dict.entrySet())
			if (e.getKey() instanceof String && e.getValue() instanceof LazyTensor)
				tensors.put((String) e.getKey(), checked(file, "entry " + Text.quote((String) e.getKey()), (LazyTensor) e.getValue()));
		if (tensors.isEmpty())
			throw CheckpointFormatException.in(file, "has neither a 'state_dict' dict nor tensors at its top level (its keys: "
				+ someKeys(dict) + ")");
		return new TorchCheckpointContents(tensors, PickledValues.plainEntries(dict, null));
	}

	private static Map<String, LazyTensor> tensors(Path file, Map<?, ?> stateDict) throws CheckpointFormatException {
		Map<String, LazyTensor> tensors = new LinkedHashMap<>();
		for (Map.Entry<?, ?> e : stateDict.entrySet()) {
			if (!(e.getKey() instanceof String))
				throw CheckpointFormatException.in(file, "state_dict has a key that is " + PickledValues.describe(e.getKey())
					+ ", not a string");
			String about = "entry " + Text.quote((String) e.getKey()) + " in state_dict";
			if (!(e.getValue() instanceof LazyTensor))
				throw CheckpointFormatException.in(file, about + " is " + PickledValues.describe(e.getValue()) + ", not a tensor");
			tensors.put((String) e.getKey(), checked(file, about, (LazyTensor) e.getValue()));
		}
		return tensors;
	}

	private static LazyTensor checked(Path file, String about, LazyTensor tensor) throws CheckpointFormatException {
		String problem = tensor.problem();
		if (problem != null) throw CheckpointFormatException.in(file, about + " is a tensor with " + problem);
		return tensor;
	}

	private static String someKeys(Map<?, ?> dict) {
		List<String> keys = new ArrayList<>();
		for (Object key : dict.keySet()) {
			if (keys.size() == 10) {
				keys.add("...");
				break;
			}
			keys.add(key instanceof String ? Text.quote((String) key) : PickledValues.describe(key));
		}
		return String.join(", ", keys);
	}
}
