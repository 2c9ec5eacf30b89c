package org.ldmfiji.io;

import ai.djl.ndarray.NDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of one checkpoint by their key path, plus its plain non-tensor top-level metadata. Owns the arrays:
 * {@link #close()} frees every one of them.
 * <p>
 * Arrays may wrap a copy-on-write mapping of the file rather than memory of their own; no two of them share memory,
 * even where the checkpoint shares a storage between entries, so in-place ops on one never affect another. Views of
 * an array (reshape, transpose, get) do share its memory: use them only while this dict is open, or
 * {@code duplicate()} them.
 */
public final class StateDict implements AutoCloseable {

	/** Creates one array; the caller owns it. */
	@FunctionalInterface
	interface TensorLoader<T> {
		NDArray load(String key, T entry) throws IOException;
	}

	private final Path source;
	private final Map<String, NDArray> tensors;
	private final Map<String, NDArray> tensorsView;
	private final Map<String, Object> metadata;

	private StateDict(Path source, Map<String, NDArray> tensors, Map<String, Object> metadata) {
		this.source = source;
		this.tensors = tensors;
		this.tensorsView = Collections.unmodifiableMap(tensors);
		this.metadata = Collections.unmodifiableMap(metadata);
	}

	/** Loads every entry in order; if one fails, the arrays made so far are freed before the error propagates. */
	static <T> StateDict load(Path source, Map<String, T> entries, TensorLoader<T> loader, Map<String, Object> metadata)
		throws IOException
	{
		Map<String, NDArray> tensors = new LinkedHashMap<>();
		try {
			for (Map.Entry<String, T> e : entries.entrySet()) {
				NDArray array = loader.load(e.getKey(), e.getValue());
				tensors.put(e.getKey(), array);
				array.setName(e.getKey());
			}
		}
		catch (IOException | RuntimeException | Error e) {
			for (NDArray array : tensors.values())
				array.close();
			throw e;
		}
		return new StateDict(source, tensors, new LinkedHashMap<>(metadata));
	}

	/** @return the tensors in file order; unmodifiable */
	public Map<String, NDArray> tensors() {
		return tensorsView;
	}

	/**
	 * @return plain values only ({@link Long}, {@link Double}, {@link String}, {@link Boolean}, {@link java.util.List},
	 *         {@link Map}, null), e.g. {@code global_step}, {@code epoch}, or a safetensors file's {@code __metadata__}
	 *         entries; unmodifiable
	 */
	public Map<String, Object> metadata() {
		return metadata;
	}

	public Path source() {
		return source;
	}

	/** @return null if absent */
	public NDArray get(String key) {
		return tensors.get(key);
	}

	public boolean contains(String key) {
		return tensors.containsKey(key);
	}

	/**
	 * A floating-point tensor of one element (shape {@code []} or {@code [1]}), such as a model's {@code scale_factor}
	 * buffer, as a double.
	 * @throws CheckpointFormatException naming the file and the key if the tensor is absent, of another shape or of
	 *         an integer or bool type
	 */
	public double floatScalar(String key) throws CheckpointFormatException {
		NDArray t = tensors.get(key);
		String tensor = "tensor " + Text.quote(key);
		if (t == null) throw CheckpointFormatException.in(source, "has no " + tensor + "; a floating-point scalar is expected");
		if (t.size() != 1 || !t.getDataType().isFloating())
			throw CheckpointFormatException.in(source, tensor + " has shape " + t.getShape() + " and type "
				+ t.getDataType().toString().toLowerCase(java.util.Locale.ROOT) + ", where a floating-point scalar (one element) is expected");
		try (NDArray d = t.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)) {
			return d.toDoubleArray()[0];
		}
	}

	/** Frees every array; the dict is empty afterwards. */
	@Override
	public void close() {
		for (NDArray array : tensors.values())
			array.close();
		tensors.clear();
	}

	@Override
	public String toString() {
		return "StateDict[" + source + ", " + tensors.size() + " tensors]";
	}
}
