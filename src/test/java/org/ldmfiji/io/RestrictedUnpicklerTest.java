package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pickle VM on its own: Python's pickles of plain values at every protocol, and hand-built streams. */
class RestrictedUnpicklerTest {

	/** Resolves only what a test pickle needs; persistent ids come back tagged. */
	private static final RestrictedUnpickler.Resolver RESOLVER = new RestrictedUnpickler.Resolver() {
		private final TorchPickleResolver torch = new TorchPickleResolver();

		@Override
		public Object call(PickleGlobal callable, List<Object> args) {
			return torch.call(callable, args);
		}

		@Override
		public Object persistentLoad(Object pid) {
			return List.of("persistent", pid);
		}
	};

	private static Object load(byte[] pickle) throws CheckpointFormatException {
		return new RestrictedUnpickler(pickle, "test.pkl", RESOLVER).load();
	}

	@SuppressWarnings("unchecked")
	private static <T> T as(Class<T> type, Object value) {
		assertInstanceOf(type, value);
		return (T) value;
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, 1, 2, 3, 4, 5 })
	void plainValuesAtEveryProtocol(int protocol) throws IOException {
		Map<?, ?> v = as(Map.class, load(Files.readAllBytes(IoTestSupport.resource("io/plain_p" + protocol + ".pkl"))));
		assertEquals(5L, v.get("small"));
		assertEquals(-7L, v.get("neg"));
		assertEquals(300L, v.get("int2"));
		assertEquals(70000L, v.get("int4"));
		assertEquals(-(1L << 40), v.get("neg_big"));
		assertEquals(BigInteger.TWO.pow(100), v.get("huge"));
		assertEquals(BigInteger.TWO.pow(100).negate(), v.get("neg_huge"));
		assertEquals(BigInteger.TWO.pow(3000), v.get("huge4"));
		assertEquals(1.5, v.get("float"));
		assertEquals(-0.1, v.get("neg_float"));
		assertEquals(Double.POSITIVE_INFINITY, v.get("inf"));
		assertEquals("hello", v.get("str"));
		assertEquals("h\u00e9llo \u2713 \ud83d\ude00", v.get("unicode"));
		assertEquals("a\nb\\c'\"\t", v.get("escapes"));
		assertEquals("", v.get("empty"));
		assertEquals(List.of(1L, List.of(2L, 3L), List.of(4L, 5L)), v.get("list"));
		assertEquals(List.of(), v.get("tuple0"));
		assertEquals(List.of(1L), v.get("tuple1"));
		assertEquals(List.of(1L, 2L), v.get("tuple2"));
		assertEquals(List.of(1L, 2L, 3L), v.get("tuple3"));
		assertEquals(List.of(1L, 2L, 3L, 4L), v.get("tuple4"));
		assertTrue(v.containsKey("none"));
		assertNull(v.get("none"));
		assertEquals(true, v.get("true"));
		assertEquals(false, v.get("false"));
		assertEquals(List.of(1L, 2L), v.get("set"));
		assertEquals(List.of(3L), v.get("frozenset"));
		assertSame(v.get("shared1"), v.get("shared2"));
		assertEquals(Map.of("a", Map.of("b", List.of(1.25))), v.get("nested"));
		InertObject custom = as(InertObject.class, v.get("custom"));
		if (protocol >= 4) assertEquals(PickleGlobal.of("ldmtest", "WithNewArgsEx"), custom.origin);
		List<?> recursive = as(List.class, v.get("recursive"));
		assertSame(recursive, as(List.class, recursive.get(0)).get(0));
		if (protocol >= 3) { // before 3, bytes are pickled as a call of _codecs.encode: inert here
			assertArrayEquals(new byte[] { 0, 1, (byte) 0xff }, as(byte[].class, v.get("bytes")));
			assertEquals(512, as(byte[].class, v.get("bytes_long")).length);
		}
		else assertEquals(PickleGlobal.of("_codecs", "encode"), as(InertObject.class, v.get("bytes")).origin);
		if (protocol == 5) assertArrayEquals("xy".getBytes(), as(byte[].class, v.get("bytearray")));
		else assertInstanceOf(InertObject.class, v.get("bytearray"));
	}

	@Test
	void textOpcodesOfOldPickles() throws IOException {
		byte[] pickle = new PickleBytes().op('(') // protocol 0/1 as Python 2 wrote them
			.text("S'a\\n\\x41\\101\\'b'\n").text("S\"it's\"\n")
			.op('T').le32(3).text("abc").op('U', 2).text("de")
			.text("I01\n").text("I-12\n").text("L12345678901234567890L\n").text("F-inf\n").text("F2.5e-3\n")
			.text("Vcaf\\u00e9 \\U0001f600\n")
			.text("p7\n").text("0g7\n") // PUT, POP, GET
			.op('l').bytes();
		List<?> values = as(List.class, load(new PickleBytes().raw(pickle).stop()));
		assertEquals(List.of("a\nAA'b", "it's", "abc", "de", true, -12L, new BigInteger("12345678901234567890"),
			Double.NEGATIVE_INFINITY, 2.5e-3, "caf\u00e9 \ud83d\ude00"), values);
	}

	@Test
	void binaryOpcodesPythonRarelyWrites() throws IOException {
		byte[] pickle = PickleBytes.protocol(5).op(0x95).le64(3).op(']', '2', 0x86) // FRAME, EMPTY_LIST, DUP, TUPLE2
			.op('r').le32(70000).op('0').op('j').le32(70000) // LONG_BINPUT, POP, LONG_BINGET
			.op(0x8d).le64(2).text("hi").op(0x8e).le64(2).text("by").op(0x96).le64(1).text("a") // BINUNICODE8, BINBYTES8, BYTEARRAY8
			.op(0x8b).le32(2).op(0x00, 0x80).op(0x8a, 0) // LONG4 -32768, LONG1 0
			.op('(').integer(1).op('1') // POP_MARK
			.op('(').global("mod", "cls").integer(1).op('o') // OBJ
			.op('(').integer(2).op('i').text("mod\ncls\n") // INST
			.op('P').text("pid\n") // PERSID
			.op(0x8f, '(').op('K', 4).op(0x90) // EMPTY_SET, ADDITEMS
			.op(0x94).op('h', 1) // MEMOIZE (index 1), BINGET
			.global("collections", "OrderedDict").op(')', '}', 0x92) // NEWOBJ_EX
			.op(0x8c, 1).text("m").op(0x8c, 3).text("cls").op(0x93) // STACK_GLOBAL
			.op('t').bytes(); // everything after the first MARK
		List<Object> v = as(List.class, load(new PickleBytes().op('(').raw(pickle).stop()));
		List<?> pair = as(List.class, v.get(0));
		assertSame(pair.get(0), pair.get(1));
		assertEquals("hi", v.get(1));
		assertArrayEquals("by".getBytes(), as(byte[].class, v.get(2)));
		assertArrayEquals("a".getBytes(), as(byte[].class, v.get(3)));
		assertEquals(-32768L, v.get(4));
		assertEquals(0L, v.get(5));
		InertObject obj = as(InertObject.class, v.get(6));
		assertEquals(PickleGlobal.of("mod", "cls"), obj.origin);
		assertEquals(List.of(1L), obj.args);
		assertEquals(List.of(2L), as(InertObject.class, v.get(7)).args);
		assertEquals(List.of("persistent", "pid"), v.get(8));
		assertEquals(List.of(4L), v.get(9));
		assertSame(v.get(9), v.get(10));
		assertEquals(Map.of(), v.get(11));
		assertEquals(PickleGlobal.of("m", "cls"), v.get(12));
		assertEquals(13, v.size());
	}

	@Test
	void selfContainingKeysAndValuesDoNotRecurse() throws IOException {
		byte[] pickle = PickleBytes.protocol(2).op('}', ']', 'q', 0, 'h', 0, 'a', '0') // d = {}; l = []; l.append(l)
			.op('h', 0, 'N', 's') // d[l] = None
			.op('h', 0, 'h', 0, 's') // d[l] = l: the same key, compared by identity
			.str("cycle").op('h', 0, 's') // d["cycle"] = l
			.stop();
		Map<?, ?> d = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> as(Map.class, load(pickle)));
		assertEquals(2, d.size());
		List<?> l = as(List.class, d.get("cycle"));
		assertSame(l, l.get(0));
		assertSame(l, d.get(new PickledValues.IdentityKey(l)));
		assertTrue(PickledValues.plainEntries(d, null).isEmpty());
	}

	@Test
	void hugeAndDeepStructuresBecomeMetadataQuicklyOrNotAtAll() throws IOException {
		PickleBytes deep = PickleBytes.protocol(4).op('}').str("deep");
		for (int i = 0; i < 100_000; i++)
			deep.op(']');
		for (int i = 1; i < 100_000; i++)
			deep.op('a');
		deep.op('s').str("wide").op(']', 'q', 0, '0');
		for (int i = 0; i < 64; i++) // each level holds the one below twice: 2^64 paths through 65 lists
			deep.op(']', '(', 'h', 0, 'h', 0, 'e', 'q', 0, '0');
		deep.op('h', 0);
		byte[] pickle = deep.op('s').stop();
		Map<String, Object> plain = assertTimeoutPreemptively(Duration.ofSeconds(10),
			() -> PickledValues.plainEntries(as(Map.class, load(pickle)), null));
		assertFalse(plain.containsKey("deep"));
		assertFalse(plain.containsKey("wide"));
	}

	@ParameterizedTest
	@ValueSource(strings = {
		"ff|has opcode 0xff, which is unknown",
		"82 01|copyreg extension codes",
		"97|out-of-band buffers",
		"80 06|uses protocol 6",
		"52|stack underflow",
		"74|needs a MARK",
		"68 05|memo entry 5, which was never stored",
		"4e|ends before its STOP opcode",
		"8d 00 00 00 00 00 00 00 40|declares 4611686018427387904 bytes where only 0 remain",
		"8d ff ff ff ff ff ff ff ff|has a length field of 18446744073709551615",
		"42 ff ff ff ff|declares 4294967295 bytes",
		"8b ff ff ff 7f|holds an int of 2147483647 bytes",
		"95 00 00 00 00 00 00 01 00|declares a frame of 281474976710656 bytes",
		"58 05 00 00 00 61|declares 5 bytes where only 1 remain",
		"63 6f 73|ends inside a text argument",
		"4e 29 52|calls None, which is not a class or function",
		"4e 4e 52|calls None with None instead of an argument tuple",
		"63 61 0a 62 0a 4e 52|instead of an argument tuple",
		"5d 4e 4e 73|sets items of a tuple or list, which is not a dict",
		"7d 4e 61|appends to a dict, which is not a list",
		"28 4e 64|a key but no value",
		"4e 4e 93|instead of two strings",
		"6f|needs a MARK",
		"28 6f|has an OBJ without a class",
		"4a 01 00 00 00 70 2d 31 0a|memo index '-1'",
		"46 78 0a|'x' where a float belongs",
		"53 61 62 0a|STRING argument that is not quoted",
	})
	void malformedStreamsAreRefusedWithTheirPosition(String hexAndProblem) {
		String[] parts = hexAndProblem.split("\\|");
		PickleBytes p = new PickleBytes();
		for (String hex : parts[0].split(" "))
			p.op(Integer.parseInt(hex, 16));
		CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(p.bytes()));
		assertTrue(e.getMessage().startsWith("test.pkl: the pickle "), e.getMessage());
		assertTrue(e.getMessage().contains(parts[1]), e.getMessage());
		assertTrue(e.getMessage().contains("(opcode at byte "), e.getMessage());
	}

	/** The bound on the values' memory must leave real checkpoints far from it (small ones are under its base anyway). */
	@ParameterizedTest
	@ValueSource(strings = { "ldm-reference/sr/model.ckpt", "ldm-reference/cin/model.ckpt", "ldm-reference/ctx/model.ckpt",
		"ldm-reference/uncond/model.ckpt" })
	void checkpointPicklesTakeAFractionOfTheMemoryBound(String name) throws IOException {
		byte[] pickle;
		try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(IoTestSupport.resource(name).toFile())) {
			java.util.zip.ZipEntry entry = java.util.Collections.list(zip.entries()).stream()
				.filter(e -> e.getName().endsWith("/data.pkl")).findFirst().orElseThrow();
			pickle = zip.getInputStream(entry).readAllBytes();
		}
		RestrictedUnpickler unpickler = new RestrictedUnpickler(pickle, name, new TorchPickleResolver());
		unpickler.load();
		double perByte = (double) unpickler.memoryUsed() / pickle.length;
		System.out.printf("%s: %d pickle bytes, %.2f estimated heap bytes per byte%n", name, pickle.length, perByte);
		assertTrue(perByte <= RestrictedUnpickler.BYTES_PER_STREAM_BYTE / 2.0, name + ": " + perByte);
	}

	@Test
	void streamsThatOnlyBuildValuesAreRefusedInProportionToTheirLength() {
		byte[] lists = new byte[1_200_000];
		Arrays.fill(lists, (byte) ']');
		CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(PickleBytes.protocol(4).raw(lists).stop()));
		assertTrue(e.getMessage().contains("builds values that would take more than 36.0 MB of memory from 1200003 bytes"), e.getMessage());
		byte[] marks = new byte[2_400_000];
		Arrays.fill(marks, (byte) '(');
		e = assertThrows(CheckpointFormatException.class, () -> load(PickleBytes.protocol(4).raw(marks).stop()));
		assertTrue(e.getMessage().contains("builds values that would take more than"), e.getMessage());
	}

	@Test
	void intTextOfAMillionDigitsIsRefusedQuickly() {
		byte[] pickle = new PickleBytes().op('I').text("1".repeat(1_000_000) + "\n").stop();
		CheckpointFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
			() -> assertThrows(CheckpointFormatException.class, () -> load(pickle)));
		assertTrue(e.getMessage().contains("an int of 1000000 digits"), e.getMessage());
	}
}
