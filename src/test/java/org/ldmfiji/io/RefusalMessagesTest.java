package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.ManagerPerClassTest;

/** Refusals are one line that names the file, the key and what was expected, with the file's own text escaped. */
class RefusalMessagesTest extends ManagerPerClassTest {

	@TempDir
	Path dir;

	private static CheckpointFormatException assertRefused(Path file, String... problems) {
		CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoints.load(file, manager).close());
		assertOneLine(file, e, problems);
		return e;
	}

	private static void assertOneLine(Path file, CheckpointFormatException e, String... problems) {
		assertTrue(e.getMessage().startsWith(file.toString() + ": ") || e.getMessage().startsWith(file + " (record"), e.getMessage());
		assertTrue(e.getMessage().chars().noneMatch(c -> c < 0x20 || c == 0x7f), e.getMessage());
		for (String problem : problems)
			assertTrue(e.getMessage().contains(problem), e.getMessage());
	}

	private Path safetensors(String name, String dtypeAndShape, byte[] data) throws IOException {
		String header = "{\"scale_factor\":{" + dtypeAndShape + ",\"data_offsets\":[0," + data.length + "]}}";
		return SafetensorsFiles.write(dir.resolve(name), header, data);
	}

	@Test
	void scalarsOfTheWrongShapeOrTypeSayWhatWasExpected() throws IOException {
		Path good = safetensors("good.safetensors", "\"dtype\":\"F32\",\"shape\":[]", SafetensorsFiles.floats(0.18215f));
		try (StateDict sd = Checkpoints.load(good, manager)) {
			assertEquals(0.18215f, (float) sd.floatScalar("scale_factor"));
			assertOneLine(good, assertThrows(CheckpointFormatException.class, () -> sd.floatScalar("other")),
				"has no tensor 'other'; a floating-point scalar is expected");
		}
		Path two = safetensors("two.safetensors", "\"dtype\":\"F32\",\"shape\":[2]", SafetensorsFiles.floats(1f, 2f));
		try (StateDict sd = Checkpoints.load(two, manager)) {
			assertOneLine(two, assertThrows(CheckpointFormatException.class, () -> sd.floatScalar("scale_factor")),
				"tensor 'scale_factor' has shape (2) and type float32, where a floating-point scalar (one element) is expected");
		}
		Path bytes = safetensors("u8.safetensors", "\"dtype\":\"U8\",\"shape\":[]", new byte[] { 3 });
		try (StateDict sd = Checkpoints.load(bytes, manager)) {
			assertOneLine(bytes, assertThrows(CheckpointFormatException.class, () -> sd.floatScalar("scale_factor")),
				"tensor 'scale_factor' has shape () and type uint8, where a floating-point scalar");
		}
	}

	/** {"w": a view of a 2-float storage whose offset and stride are given as raw LONG1 pickle ints} */
	private Path view(String name, byte[] offset, byte[] stride) throws IOException {
		PickleBytes p = PickleBytes.protocol(2).op('}').str("state_dict").op('}').str("w");
		p.global("torch._utils", "_rebuild_tensor_v2").op('(');
		p.op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(2).op('t', 'Q');
		p.op(0x8a, offset.length).raw(offset).op('(').integer(1).op('t', '(').op(0x8a, stride.length).raw(stride).op('t');
		p.op(0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R', 's', 's');
		return new TorchZipFiles().pickle(p.stop()).floats("0", 1.5f, -2f).write(dir.resolve(name));
	}

	private static final byte[] TWO_TO_63 = { 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, 0 };
	private static final byte[] ONE = { 1 };

	@Test
	void offsetsAndStridesBeyond64BitsSayWhatIsOutOfRange() throws IOException {
		assertRefused(view("offset.ckpt", TWO_TO_63, ONE), "entry 'w' in state_dict is a tensor with a storage offset of "
			+ "9223372036854775808, out of the range of a 64-bit int (at most 9223372036854775807)");
		assertRefused(view("stride.ckpt", ONE, TWO_TO_63), "entry 'w' in state_dict is a tensor with a stride of 9223372036854775808");
		try (StateDict sd = Checkpoints.load(view("fine.ckpt", ONE, ONE), manager)) {
			assertEquals(-2f, sd.get("w").getFloat(0));
		}
	}

	@Test
	void textFromTheFileIsEscaped() throws IOException {
		String evil = "x\n\u001b[31mred\r";
		byte[] key = PickleBytes.protocol(2).op('}').str("state_dict").op('}').str(evil).integer(1).op('s', 's').stop();
		assertRefused(new TorchZipFiles().pickle(key).write(dir.resolve("key.ckpt")),
			"entry 'x\\n\\x1b[31mred\\r' in state_dict is an int, not a tensor");
		byte[] global = PickleBytes.protocol(4).op('}').str("state_dict").op('}').str("w").str("os\n").str("sys\u001btem")
			.op(0x93, ')', 'R', 's', 's').stop();
		assertRefused(new TorchZipFiles().pickle(global).write(dir.resolve("global.ckpt")),
			"entry 'w' in state_dict is a os\\n.sys\\x1btem object, not a tensor");
		byte[] integer = PickleBytes.protocol(0).op('I').text("12\u0007\u001b]0;owned").op('\n').stop();
		assertRefused(new TorchZipFiles().pickle(integer).write(dir.resolve("int.ckpt")),
			"holds '12\\x07\\x1b]0;owned' where an int belongs");
	}
}
