package org.ldmfiji.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
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
 */
final class SafetensorsHeader {

	static final long MAX_HEADER_BYTES = 100L << 20;
	/** A real header nests three deep (header, tensor, shape). */
	private static final int MAX_JSON_DEPTH = 8;
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
		JsonObject header = parseObject(file, data.readBytes(8, (int) length));
		Map<String, Entry> entries = new LinkedHashMap<>();
		Map<String, Object> metadata = new LinkedHashMap<>();
		long dataSize = available - length;
		for (Map.Entry<String, JsonElement> member : header.entrySet()) {
			if (member.getKey().equals(METADATA_KEY)) readMetadata(file, member.getValue(), metadata);
			else entries.put(member.getKey(), entry(file, member.getKey(), member.getValue(), dataSize));
		}
		checkNoOverlap(file, entries.values());
		return new SafetensorsHeader(entries, metadata, 8 + length);
	}

	private static JsonObject parseObject(Path file, byte[] bytes) throws CheckpointFormatException {
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
		}
		catch (CharacterCodingException e) {
			throw CheckpointFormatException.in(file, "the safetensors header is not UTF-8 text; the file is corrupt or not a safetensors file");
		}
		// Gson builds the tree on the heap; a deeply nested hostile header would cost far more than its size.
		if (nestingDepth(text) > MAX_JSON_DEPTH)
			throw CheckpointFormatException.in(file, "the safetensors header nests deeper than a safetensors header can");
		try (JsonReader reader = new JsonReader(new StringReader(text))) {
			reader.setLenient(false);
			JsonElement root = new Gson().getAdapter(JsonElement.class).read(reader);
			if (reader.peek() != JsonToken.END_DOCUMENT) throw new JsonParseException("text after the JSON value");
			if (!root.isJsonObject()) throw new JsonParseException("it is not a JSON object");
			return root.getAsJsonObject();
		}
		catch (IOException | JsonParseException | IllegalStateException e) {
			String detail = String.valueOf(e.getMessage()).split("\n")[0] // without Gson's advice to parse leniently
				.replace("Use JsonReader.setLenient(true) to accept malformed JSON", "malformed JSON");
			throw CheckpointFormatException.in(file, "the safetensors header is not valid JSON (" + detail
				+ "); the file is corrupt or not a safetensors file");
		}
	}

	private static int nestingDepth(String json) {
		int depth = 0;
		int max = 0;
		boolean inString = false;
		for (int i = 0; i < json.length(); i++) {
			char c = json.charAt(i);
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

	private static void readMetadata(Path file, JsonElement value, Map<String, Object> metadata) throws CheckpointFormatException {
		if (!value.isJsonObject()) throw CheckpointFormatException.in(file, "the safetensors " + METADATA_KEY + " is not a JSON object");
		for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
			JsonElement v = m.getValue();
			if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString())
				throw CheckpointFormatException.in(file, "the safetensors " + METADATA_KEY + " entry '" + m.getKey() + "' is not a string");
			metadata.put(m.getKey(), v.getAsString());
		}
	}

	private static Entry entry(Path file, String name, JsonElement value, long dataSize) throws CheckpointFormatException {
		String where = "tensor '" + name + "' in the safetensors header: ";
		if (!value.isJsonObject()) throw CheckpointFormatException.in(file, where + "is not a JSON object");
		JsonObject o = value.getAsJsonObject();
		JsonElement dtype = o.get("dtype");
		if (dtype == null || !dtype.isJsonPrimitive() || !dtype.getAsJsonPrimitive().isString())
			throw CheckpointFormatException.in(file, where + "has no dtype string");
		ElementType type = ElementType.fromSafetensors(dtype.getAsString());
		if (type == null)
			throw CheckpointFormatException.in(file, where + "dtype '" + dtype.getAsString() + "' is not supported (supported: "
				+ ElementType.safetensorsNames() + ")");
		long[] shape = naturals(file, where + "shape", o.get("shape"), -1);
		long[] offsets = naturals(file, where + "data_offsets", o.get("data_offsets"), 2);
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
	private static long[] naturals(Path file, String what, JsonElement value, int length) throws CheckpointFormatException {
		String expected = what + " must be a list of " + (length < 0 ? "" : length + " ") + "non-negative integers";
		if (value == null || !value.isJsonArray()) throw CheckpointFormatException.in(file, expected);
		JsonArray array = value.getAsJsonArray();
		if (length >= 0 && array.size() != length || array.size() > 64) throw CheckpointFormatException.in(file, expected);
		long[] result = new long[array.size()];
		for (int i = 0; i < result.length; i++) {
			JsonElement e = array.get(i);
			if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw CheckpointFormatException.in(file, expected);
			result[i] = natural(e.getAsString());
			if (result[i] < 0) throw CheckpointFormatException.in(file, expected);
		}
		return result;
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

	private static void checkNoOverlap(Path file, Iterable<Entry> entries) throws CheckpointFormatException {
		List<Entry> byOffset = new ArrayList<>();
		for (Entry e : entries)
			if (e.end > e.begin) byOffset.add(e);
		Collections.sort(byOffset, Comparator.comparingLong((Entry e) -> e.begin).thenComparingLong(e -> e.end));
		for (int i = 1; i < byOffset.size(); i++) {
			Entry a = byOffset.get(i - 1);
			Entry b = byOffset.get(i);
			if (a.end > b.begin)
				throw CheckpointFormatException.in(file, "tensors '" + a.name + "' (bytes " + a.begin + " to " + a.end + ") and '"
					+ b.name + "' (bytes " + b.begin + " to " + b.end + ") overlap in the safetensors data area");
		}
	}
}
