package org.ldmfiji.io;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle virtual machine (protocols 0–5) that only builds data. It never imports, calls or instantiates anything a
 * stream names: GLOBAL and STACK_GLOBAL push a {@link PickleGlobal}, and what a call or instantiation of one yields
 * is decided by a {@link Resolver} — for torch checkpoints, tensors and dicts for a handful of names and an
 * {@link InertObject} for every other. Every length read from the stream is checked against the bytes that remain
 * before anything is allocated, and what the values built take on the heap is estimated as they are built and
 * bounded in proportion to the stream's length, so a hostile stream ends in an exception, never in an
 * OutOfMemoryError (16 million MEMOIZE opcodes once took a gigabyte).
 */
final class RestrictedUnpickler {

	/** Interprets calls of globals and persistent ids; throws {@link MalformedPickleException} on bad arguments. */
	interface Resolver {
		Object call(PickleGlobal callable, List<Object> args);

		Object persistentLoad(Object pid);
	}

	private static final int MAX_PROTOCOL = 5;
	private static final int MAX_STACK = 1 << 24;
	private static final int MAX_MEMO = 1 << 24;
	/**
	 * The values built may take about this many bytes of heap per byte of stream, plus {@link #BASE_BYTES}. A torch
	 * checkpoint's pickle takes about 7 by this estimate (the reference checkpoints: see RestrictedUnpicklerTest);
	 * streams that do nothing but build values (empty lists, memo entries, marks) would take 20 to 60 without it.
	 */
	static final int BYTES_PER_STREAM_BYTE = 16;
	private static final long BASE_BYTES = 16L << 20;
	/** Rough heap costs, for the bound above. */
	private static final int SLOT = 8;
	private static final int OBJECT = 48;
	private static final int MAP_ENTRY = 48;
	/** A boxed stack height in the deque of marks. */
	private static final int MARK = 24;
	/** A BINPUT index this far beyond the memo's size goes to a sparse map rather than growing the dense list. */
	private static final int MEMO_GAP = 1024;
	private static final Object ABSENT = new Object();
	/** Checkpoints hold no ints of thousands of digits; parsing such text is quadratic. */
	private static final int MAX_INT_TEXT = 10_000;
	private static final int MAX_INT_BYTES = 1 << 16;

	private final byte[] data;
	private final String source;
	private final Resolver resolver;
	private final ArrayList<Object> stack = new ArrayList<>();
	/** Stack heights at each open MARK; the values above the innermost one are all that ops may pop. */
	private final Deque<Integer> marks = new ArrayDeque<>();
	/** Memo entries by index: Python's picklers number them 0, 1, 2, ..., so a list; other indices in a map. */
	private final ArrayList<Object> memo = new ArrayList<>();
	private final Map<Long, Object> sparseMemo = new HashMap<>();
	private long memoCount;
	private int stackHighWater;
	private final long memoryLimit;
	/**
	 * A memo entry takes the opcode that built its value and its own PUT or MEMOIZE: a stream holding more than one
	 * per two bytes memoizes a value under several indices, which Python's picklers never do (16 million MEMOIZE
	 * opcodes on one value once took a gigabyte).
	 */
	private final long maxMemo;
	private long memoryUsed;
	private int pos;

	/** @param source names the stream in messages, e.g. the file and record */
	RestrictedUnpickler(byte[] data, String source, Resolver resolver) {
		this.data = data;
		this.source = source;
		this.resolver = resolver;
		this.memoryLimit = (long) BYTES_PER_STREAM_BYTE * data.length + BASE_BYTES;
		this.maxMemo = Math.min(MAX_MEMO, data.length / 2 + 16);
	}

	/** The heap the values built so far are estimated to take, for tests. */
	long memoryUsed() {
		return memoryUsed;
	}

	/** Runs the stream to its STOP and returns the value it leaves. */
	Object load() throws CheckpointFormatException {
		int opcodeAt = 0;
		try {
			while (true) {
				if (pos >= data.length) throw new MalformedPickleException("ends before its STOP opcode; it is truncated");
				opcodeAt = pos;
				int op = data[pos++] & 0xff;
				if (op == '.') return pop(); // STOP
				execute(op);
			}
		}
		catch (MalformedPickleException e) {
			throw new CheckpointFormatException(source + ": the pickle " + e.getMessage() + " (opcode at byte " + opcodeAt + ")");
		}
		catch (RuntimeException e) { // a case the checks above missed must still end as a format error
			throw new CheckpointFormatException(source + ": the pickle is malformed at byte " + opcodeAt + " (" + e + ")", e);
		}
	}

	private void execute(int op) {
		switch (op) {
			case 0x80: // PROTO
				int protocol = u8();
				if (protocol > MAX_PROTOCOL)
					throw new MalformedPickleException("uses protocol " + protocol + "; protocols up to " + MAX_PROTOCOL + " are supported");
				break;
			case 0x95: { // FRAME: only a read-ahead hint, but its length must still make sense
				long frame = length(8);
				if (frame > data.length - pos)
					throw new MalformedPickleException("declares a frame of " + frame + " bytes where only " + (data.length - pos) + " remain");
				break;
			}
			case '(': // MARK
				if (marks.size() >= MAX_STACK) throw new MalformedPickleException("opens more than " + MAX_STACK + " marks");
				charge(MARK);
				marks.push(stack.size());
				break;
			case '0': // POP: with nothing above the mark, Python drops the mark itself
				if (stack.size() > markBase()) stack.remove(stack.size() - 1);
				else popMark();
				break;
			case '1': // POP_MARK
				popMark();
				break;
			case '2': // DUP
				push(peek());
				break;
			case 'N': // NONE
				push(null);
				break;
			case 0x88: // NEWTRUE
				push(Boolean.TRUE);
				break;
			case 0x89: // NEWFALSE
				push(Boolean.FALSE);
				break;
			case 'I': { // INT; protocol 0 writes bools as I01 / I00
				String text = line();
				pushNew(text.equals("01") ? Boolean.TRUE : text.equals("00") ? Boolean.FALSE : parseInteger(text));
				break;
			}
			case 'J': // BININT
				pushNew((long) buffer(4).getInt());
				break;
			case 'K': // BININT1
				pushNew((long) u8());
				break;
			case 'M': // BININT2
				pushNew((long) (buffer(2).getShort() & 0xffff));
				break;
			case 'L': { // LONG, as repr() wrote it, with Python 2's trailing L
				String text = line();
				pushNew(parseInteger(text.endsWith("L") ? text.substring(0, text.length() - 1) : text));
				break;
			}
			case 0x8a: // LONG1
				pushNew(littleEndianInteger(bytes(u8())));
				break;
			case 0x8b: { // LONG4
				long n = length(4);
				if (n > MAX_INT_BYTES) throw new MalformedPickleException("holds an int of " + n + " bytes");
				pushNew(littleEndianInteger(bytes(n)));
				break;
			}
			case 'F': // FLOAT
				pushNew(parseFloat(line()));
				break;
			case 'G': // BINFLOAT, big-endian
				pushNew(buffer(8).order(ByteOrder.BIG_ENDIAN).getDouble());
				break;
			case 'S': // STRING: a quoted Python 2 str literal
				pushNew(quotedString(line()));
				break;
			case 'T': // BINSTRING
				pushNew(utf8(bytes(length(4))));
				break;
			case 'U': // SHORT_BINSTRING
			case 0x8c: // SHORT_BINUNICODE
				pushNew(utf8(bytes(u8())));
				break;
			case 'V': // UNICODE
				pushNew(rawUnicodeEscape(lineBytes()));
				break;
			case 'X': // BINUNICODE
				pushNew(utf8(bytes(length(4))));
				break;
			case 0x8d: // BINUNICODE8
				pushNew(utf8(bytes(length(8))));
				break;
			case 'B': // BINBYTES
				pushNew(bytes(length(4)));
				break;
			case 'C': // SHORT_BINBYTES
				pushNew(bytes(u8()));
				break;
			case 0x8e: // BINBYTES8
			case 0x96: // BYTEARRAY8
				pushNew(bytes(length(8)));
				break;
			case ')': // EMPTY_TUPLE
				pushNew(tuple(Collections.emptyList()));
				break;
			case 't': // TUPLE
				pushNew(tuple(popMark()));
				break;
			case 0x85: // TUPLE1
				pushNew(tuple(popN(1)));
				break;
			case 0x86: // TUPLE2
				pushNew(tuple(popN(2)));
				break;
			case 0x87: // TUPLE3
				pushNew(tuple(popN(3)));
				break;
			case ']': // EMPTY_LIST
				pushNew(new ArrayList<>());
				break;
			case 'l': // LIST
				pushNew(new ArrayList<>(popMark()));
				break;
			case 'a': // APPEND
				append(popN(1));
				break;
			case 'e': // APPENDS
				append(popMark());
				break;
			case '}': // EMPTY_DICT
				pushNew(new LinkedHashMap<>());
				break;
			case 'd': { // DICT
				Map<Object, Object> dict = new LinkedHashMap<>();
				putPairs(dict, popMark());
				pushNew(dict);
				break;
			}
			case 's': // SETITEM
				setItems(popN(2));
				break;
			case 'u': // SETITEMS
				setItems(popMark());
				break;
			case 0x8f: // EMPTY_SET
				pushNew(new ArrayList<>());
				break;
			case 0x90: // ADDITEMS
				append(popMark());
				break;
			case 0x91: // FROZENSET
				pushNew(new ArrayList<>(popMark()));
				break;
			case 'c': { // GLOBAL
				String module = line();
				pushNew(PickleGlobal.of(module, line()));
				break;
			}
			case 0x93: { // STACK_GLOBAL
				List<Object> names = popN(2);
				if (!(names.get(0) instanceof String) || !(names.get(1) instanceof String))
					throw new MalformedPickleException("names a global with " + PickledValues.describe(names.get(0)) + " and "
						+ PickledValues.describe(names.get(1)) + " instead of two strings");
				pushNew(PickleGlobal.of((String) names.get(0), (String) names.get(1)));
				break;
			}
			case 'R': // REDUCE
			case 0x81: { // NEWOBJ
				List<Object> callAndArgs = popN(2);
				pushNew(call(callAndArgs.get(0), callAndArgs.get(1)));
				break;
			}
			case 0x92: { // NEWOBJ_EX: keyword arguments play no part in what is built here
				List<Object> classArgsKwargs = popN(3);
				pushNew(call(classArgsKwargs.get(0), classArgsKwargs.get(1)));
				break;
			}
			case 'o': { // OBJ
				List<Object> classAndArgs = popMark();
				if (classAndArgs.isEmpty()) throw new MalformedPickleException("has an OBJ without a class");
				pushNew(call(classAndArgs.get(0), tuple(classAndArgs.subList(1, classAndArgs.size()))));
				break;
			}
			case 'i': { // INST
				String module = line();
				PickleGlobal cls = PickleGlobal.of(module, line());
				pushNew(call(cls, tuple(popMark())));
				break;
			}
			case 'b': { // BUILD: only inert objects keep their state; an OrderedDict's _metadata is not needed
				Object state = pop();
				Object target = peek();
				if (target instanceof InertObject) ((InertObject) target).setState(state);
				break;
			}
			case 'p': // PUT
				memoPut(index(line()));
				break;
			case 'q': // BINPUT
				memoPut(u8());
				break;
			case 'r': // LONG_BINPUT
				memoPut(length(4));
				break;
			case 0x94: // MEMOIZE
				memoPut(memoCount);
				break;
			case 'g': // GET
				push(memoGet(index(line())));
				break;
			case 'h': // BINGET
				push(memoGet(u8()));
				break;
			case 'j': // LONG_BINGET
				push(memoGet(length(4)));
				break;
			case 'P': // PERSID
				pushNew(resolver.persistentLoad(line()));
				break;
			case 'Q': // BINPERSID
				pushNew(resolver.persistentLoad(pop()));
				break;
			default:
				throw new MalformedPickleException(String.format("has opcode 0x%02x, which is unknown or not supported%s", op,
					op >= 0x82 && op <= 0x84 ? " (copyreg extension codes)" : op == 0x97 || op == 0x98 ? " (out-of-band buffers)" : ""));
		}
	}

	// --- stack, marks and memo ---

	private int markBase() {
		return marks.isEmpty() ? 0 : marks.peek();
	}

	/** Pushes a value just built, charging its estimated heap. */
	private void pushNew(Object value) {
		charge(cost(value));
		push(value);
	}

	private void push(Object value) {
		if (stack.size() == stackHighWater) { // a slot, kept for good: the stack never shrinks its array
			charge(SLOT);
			stackHighWater++;
		}
		if (stack.size() >= MAX_STACK) throw new MalformedPickleException("holds more than " + MAX_STACK + " values on its stack");
		stack.add(value);
	}

	private Object pop() {
		return popN(1).get(0);
	}

	private Object peek() {
		if (stack.size() <= markBase()) throw new MalformedPickleException("reads a value from an empty stack");
		return stack.get(stack.size() - 1);
	}

	/** The top n values, deepest first. */
	private List<Object> popN(int n) {
		if (stack.size() - markBase() < n) throw new MalformedPickleException("takes more values than its stack holds (stack underflow)");
		return popAbove(stack.size() - n);
	}

	/** The values above the innermost MARK, which is closed. */
	private List<Object> popMark() {
		if (marks.isEmpty()) throw new MalformedPickleException("needs a MARK that is missing");
		return popAbove(marks.pop());
	}

	private List<Object> popAbove(int height) {
		List<Object> above = stack.subList(height, stack.size());
		List<Object> values = new ArrayList<>(above);
		above.clear();
		return values;
	}

	private void memoPut(long index) {
		Object value = peek();
		if (index < memo.size() && memo.get((int) index) != ABSENT) {
			memo.set((int) index, value);
			return;
		}
		if (sparseMemo.containsKey(index)) {
			sparseMemo.put(index, value);
			return;
		}
		if (memoCount >= maxMemo) throw new MalformedPickleException("memoizes more than " + maxMemo + " values in " + data.length
			+ " bytes, so memoizes values again and again; it is corrupt or hostile");
		memoCount++;
		if (index < memo.size()) {
			memo.set((int) index, value);
		}
		else if (index <= memo.size() + MEMO_GAP) {
			charge(SLOT * (index - memo.size() + 1));
			while (memo.size() < index)
				memo.add(ABSENT);
			memo.add(value);
		}
		else {
			charge(MAP_ENTRY + 16);
			sparseMemo.put(index, value);
		}
	}

	private Object memoGet(long index) {
		Object value = index < memo.size() ? memo.get((int) index) : ABSENT;
		if (value == ABSENT) value = sparseMemo.getOrDefault(index, ABSENT);
		if (value == ABSENT) throw new MalformedPickleException("refers to memo entry " + index + ", which was never stored");
		return value;
	}

	/**
	 * Adds to the estimate of the heap the values built take; past the stream's bound, the stream is refused. Charges
	 * only grow, even where values are dropped again: real pickles drop almost nothing.
	 */
	private void charge(long bytes) {
		memoryUsed += bytes;
		if (memoryUsed > memoryLimit)
			throw new MalformedPickleException("builds values that would take more than " + MemoryAllowance.megabytes(memoryLimit)
				+ " of memory from " + data.length + " bytes (" + BYTES_PER_STREAM_BYTE + " per byte are allowed, a checkpoint "
				+ "needs about 7); it is corrupt or hostile");
	}

	private static long cost(Object v) {
		if (v == null || v instanceof Boolean) return 0;
		if (v instanceof Long || v instanceof Double) return 16;
		if (v instanceof BigInteger) return 40 + ((BigInteger) v).bitLength() / 8;
		if (v instanceof String) return 40 + 2L * ((String) v).length();
		if (v instanceof byte[]) return 16 + ((byte[]) v).length;
		if (v instanceof List) return OBJECT + SLOT * (long) ((List<?>) v).size();
		if (v instanceof Map) return OBJECT + MAP_ENTRY * (long) ((Map<?, ?>) v).size();
		if (v instanceof LazyTensor) return OBJECT + 32L * ((LazyTensor) v).size.length;
		return OBJECT; // a global, storage or inert object: its arguments were charged when they were built
	}

	// --- building values ---

	private static List<Object> tuple(List<Object> items) {
		return Collections.unmodifiableList(Arrays.asList(items.toArray()));
	}

	private Object call(Object callable, Object args) {
		if (!(args instanceof List))
			throw new MalformedPickleException("calls " + PickledValues.describe(callable) + " with " + PickledValues.describe(args)
				+ " instead of an argument tuple");
		@SuppressWarnings("unchecked")
		List<Object> arguments = (List<Object>) args;
		if (callable instanceof PickleGlobal) return resolver.call((PickleGlobal) callable, arguments);
		if (callable instanceof InertObject) return new InertObject(((InertObject) callable).origin, arguments);
		throw new MalformedPickleException("calls " + PickledValues.describe(callable) + ", which is not a class or function");
	}

	@SuppressWarnings("unchecked")
	private void append(List<Object> items) {
		Object target = peek();
		charge(SLOT * (long) items.size());
		if (target instanceof List) ((List<Object>) target).addAll(items);
		else if (!(target instanceof InertObject)) // e.g. a list subclass: its items are not needed
			throw new MalformedPickleException("appends to " + PickledValues.describe(target) + ", which is not a list or set");
	}

	@SuppressWarnings("unchecked")
	private void setItems(List<Object> keysAndValues) {
		Object target = peek();
		charge(MAP_ENTRY * (long) keysAndValues.size() / 2);
		if (target instanceof Map) putPairs((Map<Object, Object>) target, keysAndValues);
		else if (!(target instanceof InertObject)) // e.g. a dict subclass: its items are not needed
			throw new MalformedPickleException("sets items of " + PickledValues.describe(target) + ", which is not a dict");
	}

	private static void putPairs(Map<Object, Object> dict, List<Object> keysAndValues) {
		if (keysAndValues.size() % 2 != 0) throw new MalformedPickleException("has a dict with a key but no value");
		for (int i = 0; i < keysAndValues.size(); i += 2)
			dict.put(PickledValues.dictKey(keysAndValues.get(i)), keysAndValues.get(i + 1));
	}

	// --- reading the stream ---

	private int u8() {
		return bytes(1)[0] & 0xff;
	}

	private ByteBuffer buffer(int n) {
		return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
	}

	/** An unsigned little-endian length or index of {@code width} bytes (4 or 8). */
	private long length(int width) {
		ByteBuffer b = buffer(width);
		long n = width == 4 ? b.getInt() & 0xffffffffL : b.getLong();
		if (n < 0) throw new MalformedPickleException("has a length field of " + Long.toUnsignedString(n));
		return n;
	}

	private byte[] bytes(long n) {
		if (n > data.length - pos)
			throw new MalformedPickleException("declares " + n + " bytes where only " + (data.length - pos) + " remain; it is truncated or corrupt");
		byte[] result = Arrays.copyOfRange(data, pos, pos + (int) n);
		pos += (int) n;
		return result;
	}

	private byte[] lineBytes() {
		for (int end = pos; end < data.length; end++) {
			if (data[end] == '\n') {
				byte[] line = Arrays.copyOfRange(data, pos, end);
				pos = end + 1;
				return line;
			}
		}
		throw new MalformedPickleException("ends inside a text argument; it is truncated");
	}

	private String line() {
		return utf8(lineBytes());
	}

	/** Strictly, as Python's unpickler decodes: bytes that are not UTF-8 are refused, never turned into U+FFFD. */
	private static String utf8(byte[] bytes) {
		try {
			return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
		}
		catch (CharacterCodingException e) {
			throw new MalformedPickleException("holds text that is not valid UTF-8 ('" + Text.escapeBytes(bytes) + "')");
		}
	}

	private static long index(String text) {
		Object value = parseInteger(text);
		if (!(value instanceof Long) || (Long) value < 0) throw new MalformedPickleException("has a memo index " + Text.quote(text));
		return (Long) value;
	}

	private static Object parseInteger(String text) {
		String digits = text.trim();
		if (digits.length() > MAX_INT_TEXT) throw new MalformedPickleException("holds an int of " + digits.length() + " digits");
		try {
			return narrow(new BigInteger(digits));
		}
		catch (NumberFormatException e) {
			throw new MalformedPickleException("holds " + Text.quote(digits) + " where an int belongs");
		}
	}

	/** Two's complement, least significant byte first. */
	private static Object littleEndianInteger(byte[] bytes) {
		byte[] bigEndian = new byte[bytes.length];
		for (int i = 0; i < bytes.length; i++)
			bigEndian[i] = bytes[bytes.length - 1 - i];
		return narrow(bytes.length == 0 ? BigInteger.ZERO : new BigInteger(bigEndian));
	}

	private static Object narrow(BigInteger value) {
		return value.bitLength() < 64 ? (Object) value.longValue() : value;
	}

	private static double parseFloat(String text) {
		String t = text.trim();
		switch (t) {
			case "inf":
				return Double.POSITIVE_INFINITY;
			case "-inf":
				return Double.NEGATIVE_INFINITY;
			case "nan":
				return Double.NaN;
			default:
				try {
					if (t.length() > 64 || t.contains("Infinity") || t.contains("NaN")) throw new NumberFormatException();
					return Double.parseDouble(t);
				}
				catch (NumberFormatException e) {
					throw new MalformedPickleException("holds " + Text.quote(t) + " where a float belongs");
				}
		}
	}

	/** A Python 2 str literal as repr() writes it: quoted, with backslash escapes; its bytes are UTF-8 (torch's choice). */
	private static String quotedString(String literal) {
		if (literal.length() < 2 || literal.charAt(0) != literal.charAt(literal.length() - 1)
			|| (literal.charAt(0) != '\'' && literal.charAt(0) != '"'))
			throw new MalformedPickleException("has a STRING argument that is not quoted");
		byte[] raw = literal.substring(1, literal.length() - 1).getBytes(StandardCharsets.UTF_8);
		ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
		for (int i = 0; i < raw.length; i++) {
			if (raw[i] != '\\' || i + 1 == raw.length) {
				out.write(raw[i]);
				continue;
			}
			char c = (char) raw[++i];
			switch (c) {
				case 'n': out.write('\n'); break;
				case 't': out.write('\t'); break;
				case 'r': out.write('\r'); break;
				case 'a': out.write(7); break;
				case 'b': out.write('\b'); break;
				case 'f': out.write('\f'); break;
				case 'v': out.write(11); break;
				case '\\': case '\'': case '"': out.write(c); break;
				case 'x':
					out.write(hex(raw, i + 1, 2));
					i += 2;
					break;
				default:
					if (c >= '0' && c <= '7') { // up to three octal digits
						int value = c - '0';
						for (int k = 0; k < 2 && i + 1 < raw.length && raw[i + 1] >= '0' && raw[i + 1] <= '7'; k++)
							value = value * 8 + (raw[++i] - '0');
						out.write(value);
					}
					else { // Python keeps unknown escapes as they are
						out.write('\\');
						out.write(c);
					}
			}
		}
		return utf8(out.toByteArray());
	}

	/** Python's raw-unicode-escape: Latin-1 bytes, except \\uXXXX and \\UXXXXXXXX. */
	private static String rawUnicodeEscape(byte[] raw) {
		StringBuilder s = new StringBuilder(raw.length);
		for (int i = 0; i < raw.length; i++) {
			int digits = raw[i] == '\\' && i + 1 < raw.length ? raw[i + 1] == 'u' ? 4 : raw[i + 1] == 'U' ? 8 : 0 : 0;
			if (digits == 0) {
				s.append((char) (raw[i] & 0xff));
				continue;
			}
			int codePoint = hex(raw, i + 2, digits);
			if (!Character.isValidCodePoint(codePoint)) throw new MalformedPickleException("has an invalid \\U escape");
			s.appendCodePoint(codePoint);
			i += 1 + digits;
		}
		return s.toString();
	}

	private static int hex(byte[] raw, int from, int digits) {
		if (from + digits > raw.length) throw new MalformedPickleException("has a truncated escape sequence");
		long value = 0;
		for (int i = from; i < from + digits; i++) {
			int d = Character.digit(raw[i], 16);
			if (d < 0) throw new MalformedPickleException("has a bad escape sequence");
			value = value * 16 + d;
		}
		return value > Integer.MAX_VALUE ? -1 : (int) value;
	}
}
