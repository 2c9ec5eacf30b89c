package org.ldmfiji.io;

import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a safetensors file (8-byte little-endian length, JSON, data area), fully validated before any tensor
 * is mapped: a hostile length, offset or shape must end in a message, never in a huge allocation or a bad mapping.
 * The JSON is read as a stream into compact entries, never as a tree, so a header of a million tensors is refused
 * when its count passes the file's limit, not after it has cost gigabytes.
 */
final class SafetensorsHeader {

	static final long MAX_HEADER_BYTES = 100L << 20;
	/** A real header nests three deep (header, tensor, shape). */
	private static final int MAX_JSON_DEPTH = 8;
	private static final int MAX_RANK = 64;
	private static final String METADATA_KEY = "__metadata__";

	/** One tensor's entry; offsets are relative to the data area. */
	static final class Entry {
		final String name;
		final ElementType type;
		final long[] shape;
		final long begin;
		final long end;

		private Entry(String name, ElementType type, long[] shape, long begin, long end) {
			this.name = name;
			this.type = type;
			this.shape = shape;
			this.begin = begin;
			this.end = end;
		}
	}

	/** Header order. */
	final Map<String, Entry> entries;
	final Map<String, Object> metadata;
	/** File offset of the data area. */
	final long dataStart;

	private SafetensorsHeader(Map<String, Entry> entries, Map<String, Object> metadata, long dataStart) {
		this.entries = entries;
		this.metadata = metadata;
		this.dataStart = dataStart;
	}

	static SafetensorsHeader read(Path file, MappedFile data) throws IOException {
		if (data.size() < 8) throw CheckpointFormatException.in(file, "is too short (" + data.size() + " bytes) to be a safetensors file");
		long length = ByteBuffer.wrap(data.readBytes(0, 8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
		long available = data.size() - 8;
		if (length <= 0 || length > available)
			throw CheckpointFormatException.in(file, "the safetensors header length field says " + Long.toUnsignedString(length)
				+ " bytes, but " + available + " bytes follow it; the file is truncated or not a safetensors file");
		if (length > MAX_HEADER_BYTES)
			throw CheckpointFormatException.in(file, "the safetensors header is " + length + " bytes long, more than the "
				+ (MAX_HEADER_BYTES >> 20) + " MiB limit; the file is corrupt or not a safetensors file");
		byte[] text = data.readBytes(8, (int) length);
		// Gson's reader keeps a stack per level: a deeply nested hostile header would cost far more than its size.
		if (nestingDepth(text) > MAX_JSON_DEPTH)
			throw CheckpointFormatException.in(file, "the safetensors header nests deeper than a safetensors header can");
		Map<String, Entry> entries = new LinkedHashMap<>();
		Map<String, Object> metadata = new LinkedHashMap<>();
		long dataSize = available - length;
		try (JsonReader reader = new JsonReader(new InputStreamReader(new ByteArrayInputStream(text),
			StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT))))
		{
			reader.setLenient(false);
			if (reader.peek() != JsonToken.BEGIN_OBJECT) throw new JsonParseException("it is not a JSON object");
			reader.beginObject();
			boolean hasMetadata = false;
			while (reader.hasNext()) {
				String name = key(file, reader.nextName());
				if (name.equals(METADATA_KEY)) {
					if (hasMetadata) throw CheckpointFormatException.in(file, "the safetensors header has two " + METADATA_KEY + " entries");
					hasMetadata = true;
					readMetadata(file, reader, metadata);
					continue;
				}
				if (entries.containsKey(name))
					throw CheckpointFormatException.in(file, "the safetensors header lists tensor " + Text.quote(name) + " twice");
				if (entries.size() >= data.allowance().maxTensors()) throw data.allowance().tooManyTensors();
				entries.put(name, entry(file, name, reader, dataSize));
			}
			reader.endObject();
			if (reader.peek() != JsonToken.END_DOCUMENT) throw new JsonParseException("text after the JSON value");
		}
		catch (CheckpointFormatException e) {
			throw e;
		}
		catch (CharacterCodingException e) {
			throw CheckpointFormatException.in(file, "the safetensors header is not UTF-8 text; the file is corrupt or not a safetensors file");
		}
		catch (IOException | JsonParseException | IllegalStateException | NumberFormatException e) {
			String detail = String.valueOf(e.getMessage()).split("\n")[0] // without Gson's advice to parse leniently
				.replace("Use JsonReader.setLenient(true) to accept malformed JSON", "malformed JSON");
			throw CheckpointFormatException.in(file, "the safetensors header is not valid JSON (" + Text.escape(detail)
				+ "); the file is corrupt or not a safetensors file");
		}
		checkCoverage(file, entries.values(), dataSize);
		return new SafetensorsHeader(entries, metadata, 8 + length);
	}

	/** JSON escapes can spell lone surrogates, which no UTF-8 file can hold and safetensors refuses. */
	private static String key(Path file, String name) throws CheckpointFormatException {
		if (!Text.isWellFormed(name))
			throw CheckpointFormatException.in(file, "the safetensors header has a key that is not valid Unicode: " + Text.quote(name));
		return name;
	}

	/** Counted on the bytes: the structural characters are ASCII, which UTF-8 never uses inside other characters. */
	private static int nestingDepth(byte[] json) {
		int depth = 0;
		int max = 0;
		boolean inString = false;
		for (int i = 0; i < json.length; i++) {
			byte c = json[i];
			if (inString) {
				if (c == '\\') i++;
				else if (c == '"') inString = false;
			}
			else if (c == '"') inString = true;
			else if (c == '{' || c == '[') max = Math.max(max, ++depth);
			else if (c == '}' || c == ']') depth--;
		}
		return max;
	}

	private static void readMetadata(Path file, JsonReader reader, Map<String, Object> metadata) throws IOException {
		if (reader.peek() != JsonToken.BEGIN_OBJECT)
			throw CheckpointFormatException.in(file, "the safetensors " + METADATA_KEY + " is not a JSON object");
		reader.beginObject();
		while (reader.hasNext()) {
			String name = key(file, reader.nextName());
			if (reader.peek() != JsonToken.STRING)
				throw CheckpointFormatException.in(file, "the safetensors " + METADATA_KEY + " entry " + Text.quote(name) + " is not a string");
			metadata.put(name, reader.nextString());
		}
		reader.endObject();
	}

	private static Entry entry(Path file, String name, JsonReader reader, long dataSize) throws IOException {
		String where = "tensor " + Text.quote(name) + " in the safetensors header: ";
		if (reader.peek() != JsonToken.BEGIN_OBJECT) throw CheckpointFormatException.in(file, where + "is not a JSON object");
		reader.beginObject();
		String dtype = null;
		long[] shape = null;
		long[] offsets = null;
		while (reader.hasNext()) {
			String field = reader.nextName();
			switch (field) {
				case "dtype":
					if (reader.peek() != JsonToken.STRING) throw CheckpointFormatException.in(file, where + "has no dtype string");
					dtype = reader.nextString();
					break;
				case "shape":
					shape = naturals(file, where + "shape", reader, -1);
					break;
				case "data_offsets":
					offsets = naturals(file, where + "data_offsets", reader, 2);
					break;
				default: // ignored, as the format's own parser does
					reader.skipValue();
			}
		}
		reader.endObject();
		if (dtype == null) throw CheckpointFormatException.in(file, where + "has no dtype string");
		ElementType type = ElementType.fromSafetensors(dtype);
		if (type == null)
			throw CheckpointFormatException.in(file, where + "dtype " + Text.quote(dtype) + " is not supported (supported: "
				+ ElementType.safetensorsNames() + ")");
		if (shape == null) throw CheckpointFormatException.in(file, where + "shape must be a list of non-negative integers");
		if (offsets == null) throw CheckpointFormatException.in(file, where + "data_offsets must be a list of 2 non-negative integers");
		long begin = offsets[0];
		long end = offsets[1];
		if (begin > end || end > dataSize)
			throw CheckpointFormatException.in(file, where + "data_offsets [" + begin + ", " + end + "] do not lie within the "
				+ dataSize + "-byte data area; the file is truncated or corrupt");
		long count = 1;
		long bytes;
		try {
			for (long d : shape)
				count = Math.multiplyExact(count, d);
			bytes = Math.multiplyExact(count, type.bytes);
		}
		catch (ArithmeticException e) {
			throw CheckpointFormatException.in(file, where + "shape " + Arrays.toString(shape) + " has too many elements");
		}
		if (bytes != end - begin)
			throw CheckpointFormatException.in(file, where + "dtype " + type.safetensorsName + " with shape "
				+ Arrays.toString(shape) + " needs " + bytes + " bytes, but data_offsets give " + (end - begin));
		if (bytes > Integer.MAX_VALUE || count * type.arrayType.getNumOfBytes() > Integer.MAX_VALUE)
			throw CheckpointFormatException.in(file, where + "is larger than the 2 GiB per tensor this reader supports");
		return new Entry(name, type, shape, begin, end);
	}

	/** A JSON array of non-negative integers; {@code length} -1 for any length. */
	private static long[] naturals(Path file, String what, JsonReader reader, int length) throws IOException {
		String expected = what + " must be a list of " + (length < 0 ? "" : length + " ") + "non-negative integers";
		if (reader.peek() != JsonToken.BEGIN_ARRAY) throw CheckpointFormatException.in(file, expected);
		reader.beginArray();
		long[] values = new long[8];
		int n = 0;
		while (reader.hasNext()) {
			if (n == MAX_RANK || reader.peek() != JsonToken.NUMBER) throw CheckpointFormatException.in(file, expected);
			long value = natural(reader.nextString());
			if (value < 0) throw CheckpointFormatException.in(file, expected);
			if (n == values.length) values = Arrays.copyOf(values, 2 * n);
			values[n++] = value;
		}
		reader.endArray();
		if (length >= 0 && n != length) throw CheckpointFormatException.in(file, expected);
		return Arrays.copyOf(values, n);
	}

	/**
	 * @return -1 unless plain decimal digits that fit a long; parsing only those keeps a hostile number (a huge
	 *         exponent, a million digits) from costing time
	 */
	private static long natural(String digits) {
		if (digits.isEmpty() || digits.length() > 19) return -1;
		for (int i = 0; i < digits.length(); i++)
			if (digits.charAt(i) < '0' || digits.charAt(i) > '9') return -1;
		try {
			return Long.parseLong(digits);
		}
		catch (NumberFormatException e) {
			return -1;
		}
	}

	/**
	 * The tensors must tile the data area exactly, as the format's own validation demands: no overlap, no gap, no
	 * bytes after the last. A header length one byte short still parses (the JSON ends in padding), but then every
	 * tensor would be read one byte off; this is where that shows.
	 */
	private static void checkCoverage(Path file, Iterable<Entry> entries, long dataSize) throws CheckpointFormatException {
		List<Entry> byOffset = new ArrayList<>();
		for (Entry e : entries)
			byOffset.add(e);
		Collections.sort(byOffset, Comparator.comparingLong((Entry e) -> e.begin).thenComparingLong(e -> e.end));
		long covered = 0;
		Entry last = null;
		for (Entry e : byOffset) {
			if (e.begin < covered)
				throw CheckpointFormatException.in(file, "tensors " + Text.quote(last.name) + " (bytes " + last.begin + " to " + last.end
					+ ") and " + Text.quote(e.name) + " (bytes " + e.begin + " to " + e.end + ") overlap in the safetensors data area");
			if (e.begin > covered)
				throw CheckpointFormatException.in(file, "bytes " + covered + " to " + e.begin + " of the safetensors data area belong "
					+ "to no tensor; the header's length or offsets are wrong, so the file is corrupt");
			if (e.end > covered || last == null) last = e;
			covered = Math.max(covered, e.end);
		}
		if (covered != dataSize)
			throw CheckpointFormatException.in(file, "the safetensors data area has " + dataSize + " bytes, but its tensors cover "
				+ covered + "; the header's length or offsets are wrong, so the file is corrupt");
	}
}
