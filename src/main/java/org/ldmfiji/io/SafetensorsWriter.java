package org.ldmfiji.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tensors as a {@code .safetensors} file: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Keys are written sorted (as the Python
 * library does), the header padded with spaces to a multiple of 8 so every tensor starts aligned.
 *
 * <p>The file is written beside its destination and moved over it only when complete, so an interrupted save never
 * leaves a truncated file where a good one was.
 */
public final class SafetensorsWriter {

	private SafetensorsWriter() {}

	/**
	 * @param tensors  float32, float16, float64, int64, int32, int8, uint8 or bool arrays, by key
	 * @param metadata the header's {@code __metadata__} (strings only, as the format requires); may be empty
	 */
	public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
		Map<String, NDArray> sorted = new TreeMap<>(tensors);
		byte[] header = header(sorted, metadata);
		Path parent = file.toAbsolutePath().getParent();
		if (parent != null) Files.createDirectories(parent);
		Path partial = file.resolveSibling(file.getFileName() + ".partial");
		try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
			StandardOpenOption.TRUNCATE_EXISTING)) {
			ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
			length.flip();
			writeFully(out, length);
			writeFully(out, ByteBuffer.wrap(header));
			for (NDArray a : sorted.values()) writeFully(out, littleEndianBytes(a));
			out.force(true);
		}
		Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	private static byte[] header(Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
		StringWriter text = new StringWriter();
		try (JsonWriter json = new JsonWriter(text)) {
			json.beginObject();
			if (!metadata.isEmpty()) {
				json.name("__metadata__").beginObject();
				for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) json.name(e.getKey()).value(e.getValue());
				json.endObject();
			}
			long offset = 0;
			for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
				NDArray a = e.getValue();
				long bytes = a.size() * a.getDataType().getNumOfBytes();
				json.name(e.getKey()).beginObject();
				json.name("dtype").value(dtype(e.getKey(), a.getDataType()));
				json.name("shape").beginArray();
				for (long d : a.getShape().getShape()) json.value(d);
				json.endArray();
				json.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
				json.endObject();
				offset += bytes;
			}
			json.endObject();
		}
		byte[] json = text.toString().getBytes(StandardCharsets.UTF_8);
		byte[] padded = java.util.Arrays.copyOf(json, (json.length + 7) / 8 * 8);
		java.util.Arrays.fill(padded, json.length, padded.length, (byte) ' ');
		return padded;
	}

	private static String dtype(String key, DataType type) {
		for (ElementType t : ElementType.values()) {
			if (!t.isWidened() && t.arrayType == type) return t.safetensorsName;
		}
		throw new IllegalArgumentException("tensor '" + key + "' is " + type + ", which safetensors files of this project do not hold");
	}

	private static ByteBuffer littleEndianBytes(NDArray a) {
		ByteBuffer native_ = a.toByteBuffer();
		if (native_.order() == ByteOrder.LITTLE_ENDIAN || a.getDataType().getNumOfBytes() == 1) return native_;
		throw new IllegalStateException("big-endian tensor memory: writing safetensors needs a little-endian machine");
	}

	private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
		while (b.hasRemaining()) out.write(b);
	}
}
