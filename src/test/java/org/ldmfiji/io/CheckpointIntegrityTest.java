package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.testing.ManagerPerClassTest;

/**
 * Damage the file can reveal must be refused, not loaded as other numbers: CRC-32 of zip records, record sizes,
 * headers that disagree, safetensors offsets that do not tile the data area, keys that are not UTF-8.
 */
class CheckpointIntegrityTest extends ManagerPerClassTest {

	@TempDir
	Path dir;

	private static final byte[] ONE_TENSOR = PickleBytes.protocol(2).op('}').str("w").floats("0", 2).op('s').stop();

	private Path oneTensor(String name) throws IOException {
		return new TorchZipFiles().pickle(ONE_TENSOR).floats("0", 1.5f, -2f).floats("1", 7f).write(dir.resolve(name));
	}

	private static CheckpointFormatException assertRefused(Path file, String... problems) {
		int before = manager.getManagedArrays().size();
		CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoints.load(file, manager));
		assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
		assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
		for (String problem : problems)
			assertTrue(e.getMessage().contains(problem), e.getMessage());
		assertEquals(before, manager.getManagedArrays().size());
		return e;
	}

	// --- zip CRC-32 ---

	@Test
	void aFlippedByteInAStorageFailsItsCrc() throws IOException {
		Path file = oneTensor("flipped.pt");
		TorchZipFiles.flipByte(file, TorchZipFiles.dataOffset(file, "archive/data/0") + 5);
		assertRefused(file, "tensor 'w': storage record 'archive/data/0' fails its CRC-32 check", "copy or download it again");
	}

	@Test
	void aFlippedByteInAStorageNoTensorUsesIsNeverRead() throws IOException {
		Path file = oneTensor("unused.pt");
		TorchZipFiles.flipByte(file, TorchZipFiles.dataOffset(file, "archive/data/1"));
		try (StateDict sd = Checkpoints.load(file, manager)) {
			assertArrayEquals(new float[] { 1.5f, -2f }, sd.get("w").toFloatArray());
		}
	}

	@Test
	void aFlippedByteInThePickleFailsItsCrc() throws IOException {
		Path file = oneTensor("pickle.pt");
		TorchZipFiles.flipByte(file, TorchZipFiles.dataOffset(file, "archive/data.pkl") + 10);
		assertRefused(file, "record 'archive/data.pkl' fails its CRC-32 check");
	}

	@Test
	void aFlippedByteInACompressedStorageIsRefused() throws IOException {
		Path file = new TorchZipFiles().pickle(ONE_TENSOR).floats("0", 1.5f, -2f).write(dir.resolve("deflated.pt"), ZipEntry.DEFLATED);
		TorchZipFiles.patchCentral(file, "archive/data/0", TorchZipFiles.CENTRAL_CRC, 12345);
		assertRefused(file, "tensor 'w': storage record 'archive/data/0' fails its CRC-32 check");
	}

	/** The reference's weights, with one bit of one weight flipped: the loader must notice, not sample with it. */
	@Test
	void aFlippedWeightInAReferenceCheckpointIsRefused() throws IOException {
		Path file = Files.copy(IoTestSupport.resource("ldm-reference/sr/model.ckpt"), dir.resolve("sr.ckpt"));
		TorchZipFiles.flipByte(file, TorchZipFiles.dataOffset(file, "model/data/100") + 1000);
		assertRefused(file, "storage record 'model/data/100' fails its CRC-32 check");
	}

	// --- record sizes and storage types ---

	@Test
	void aRecordLargerThanItsStorageIsRefused() throws IOException {
		Path file = new TorchZipFiles().pickle(ONE_TENSOR).floats("0", 1.5f, -2f, 3f).write(dir.resolve("long.pt"));
		assertRefused(file, "storage record 'archive/data/0' holds 12 bytes, but its storage torch.FloatStorage of 2 elements needs 8");
	}

	/** Edited from FloatStorage to HalfStorage, the record would be read as four halves: torch.load refuses it too. */
	@ParameterizedTest
	@ValueSource(strings = { "HalfStorage", "BFloat16Storage", "BoolStorage", "ShortStorage" })
	void aStorageTypeEditedToAnotherSizeIsRefused(String storage) throws IOException {
		byte[] pickle = PickleBytes.protocol(2).op('}').str("w")
			.tensor(storage, "0", 2, 0, new long[] { 2 }, new long[] { 1 }).op('s').stop();
		Path file = new TorchZipFiles().pickle(pickle).floats("0", 1.5f, -2f).write(dir.resolve(storage + ".pt"));
		assertRefused(file, "holds 8 bytes, but its storage torch." + storage + " of 2 elements needs");
	}

	/** torch.load gives a uint8 tensor over an UntypedStorage's bytes when no dtype says otherwise. */
	@Test
	void untypedStoragesAreBytesAsTorchReadsThem() throws IOException {
		PickleBytes pickle = PickleBytes.protocol(2).op('}').str("b");
		pickle.tensor("UntypedStorage", "0", 8, 2, new long[] { 4 }, new long[] { 1 }).op('s');
		Path file = new TorchZipFiles().pickle(pickle.stop()).record("archive/data/0", new byte[] { 0, 1, 2, 3, 4, 5, 6, 7 })
			.write(dir.resolve("untyped.pt"));
		try (StateDict sd = Checkpoints.load(file, manager)) {
			assertEquals(DataType.UINT8, sd.get("b").getDataType());
			assertArrayEquals(new byte[] { 2, 3, 4, 5 }, sd.get("b").toByteArray());
		}
		PickleBytes wrong = PickleBytes.protocol(2).op('}').str("b");
		wrong.tensor("UntypedStorage", "0", 4, 0, new long[] { 4 }, new long[] { 1 }).op('s');
		assertRefused(new TorchZipFiles().pickle(wrong.stop()).record("archive/data/0", new byte[8]).write(dir.resolve("u2.pt")),
			"holds 8 bytes, but its storage torch.UntypedStorage of 4 elements needs 4");
	}

	// --- zip headers ---

	@Test
	void duplicateRecordNamesAreRefused() throws IOException {
		Path file = oneTensor("duplicate.pt");
		TorchZipFiles.rename(file, "archive/data/1", "archive/data/0");
		assertRefused(file, "holds two records named 'archive/data/0'");
	}

	@Test
	void aCorruptLocalHeaderSignatureIsRefused() throws IOException {
		Path file = oneTensor("signature.pt");
		TorchZipFiles.patchLocal(file, "archive/data/0", TorchZipFiles.LOCAL_SIGNATURE, 0x04034b51, 4);
		assertRefused(file, "record 'archive/data/0' has no local header where the directory says it starts");
	}

	@Test
	void localNameAndExtraLengthsThatDisagreeWithTheDirectoryAreRefused() throws IOException {
		Path name = oneTensor("name.pt");
		TorchZipFiles.patchLocal(name, "archive/data/0", TorchZipFiles.LOCAL_NAME_LENGTH, 15, 2);
		assertRefused(name, "record 'archive/data/0' has the name 'archive/data/0\\x00'");
		Path extra = oneTensor("extra.pt");
		TorchZipFiles.patchLocal(extra, "archive/data/0", TorchZipFiles.LOCAL_EXTRA_LENGTH, 4, 2);
		assertRefused(extra, "record 'archive/data/0'");
		Path renamed = oneTensor("renamed.pt");
		byte[] zip = Files.readAllBytes(renamed);
		int local = TorchZipFiles.dataOffset(renamed, "archive/data/1") - 1; // the last byte of the local name
		zip[local] = '9';
		Files.write(renamed, zip);
		try (StateDict sd = Checkpoints.load(renamed, manager)) { // archive/data/1 is not read
			assertEquals(1, sd.tensors().size());
		}
		Path renamedUsed = oneTensor("renamed-used.pt");
		zip = Files.readAllBytes(renamedUsed);
		zip[TorchZipFiles.dataOffset(renamedUsed, "archive/data/0") - 1] = '9';
		Files.write(renamedUsed, zip);
		assertRefused(renamedUsed, "record 'archive/data/0' has the name 'archive/data/9' in its local header");
	}

	@Test
	void recordNamesThatAreNotUtf8AreRefused() throws IOException {
		Path file = oneTensor("name.pt");
		byte[] zip = Files.readAllBytes(file);
		byte[] name = "archive/data/1".getBytes(StandardCharsets.US_ASCII);
		for (int i = 0; i + name.length <= zip.length; i++) // in the local header and the central directory
			if (java.util.Arrays.equals(java.util.Arrays.copyOfRange(zip, i, i + name.length), name)) zip[i + name.length - 1] = (byte) 0xff;
		Files.write(file, zip);
		assertRefused(file, "a record name is not valid UTF-8");
	}

	@Test
	void bigEndianCheckpointsAreRefusedWithAdvice() throws IOException {
		Path big = new TorchZipFiles().pickle(ONE_TENSOR).floats("0", 1.5f, -2f).record("archive/byteorder", "big".getBytes())
			.write(dir.resolve("big.pt"));
		assertRefused(big, "was saved on a big-endian machine");
		Path little = new TorchZipFiles().pickle(ONE_TENSOR).floats("0", 1.5f, -2f).record("archive/byteorder", "little".getBytes())
			.write(dir.resolve("little.pt"));
		try (StateDict sd = Checkpoints.load(little, manager)) {
			assertArrayEquals(new float[] { 1.5f, -2f }, sd.get("w").toFloatArray());
		}
	}

	// --- pickle text ---

	@Test
	void pickleKeysThatAreNotUtf8AreRefused() throws IOException {
		byte[] pickle = PickleBytes.protocol(2).op('}').op(0x8c, 3).raw(new byte[] { 'w', (byte) 0xff, 0x1b }).floats("0", 2).op('s').stop();
		Path file = new TorchZipFiles().pickle(pickle).floats("0", 1.5f, -2f).write(dir.resolve("key.pt"));
		assertRefused(file, "holds text that is not valid UTF-8 ('w\\xff\\x1b')");
	}

	// --- safetensors ---

	private static final String TWO = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		+ "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";

	@Test
	void aHeaderLengthOneByteShortIsRefused() throws IOException {
		int length = TWO.length() + 6; // padded with spaces, as safetensors pads to 8 bytes
		byte[] data = SafetensorsFiles.floats(1.5f, -2f);
		Path good = SafetensorsFiles.write(dir.resolve("good.safetensors"), length, TWO, length, data);
		try (StateDict sd = Checkpoints.load(good, manager)) {
			assertEquals(-2f, sd.get("b").getFloat(0));
		}
		Path shortLength = SafetensorsFiles.write(dir.resolve("short.safetensors"), length - 1, TWO, length, data);
		assertRefused(shortLength, "the safetensors data area has 9 bytes, but its tensors cover 8");
	}

	@Test
	void gapsAndTrailingBytesInTheDataAreaAreRefused() throws IOException {
		String gap = TWO.replace("[4,8]", "[5,9]");
		assertRefused(SafetensorsFiles.write(dir.resolve("gap.safetensors"), gap, new byte[9]),
			"bytes 4 to 5 of the safetensors data area belong to no tensor");
		assertRefused(SafetensorsFiles.write(dir.resolve("trailing.safetensors"), TWO, new byte[12]),
			"the safetensors data area has 12 bytes, but its tensors cover 8");
		assertRefused(SafetensorsFiles.write(dir.resolve("overlap.safetensors"), TWO.replace("[4,8]", "[3,7]"), new byte[8]),
			"tensors 'a' (bytes 0 to 4) and 'b' (bytes 3 to 7) overlap");
		String empty = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}," + TWO.substring(1);
		try (StateDict sd = Checkpoints.load(SafetensorsFiles.write(dir.resolve("empty.safetensors"), empty, new byte[8]), manager)) {
			assertEquals(3, sd.tensors().size());
		}
	}

	@Test
	void safetensorsKeysThatAreNotUnicodeAreRefused() throws IOException {
		byte[] header = TWO.replace("\"a\"", "\"a?\"").getBytes(StandardCharsets.UTF_8);
		header[3] = (byte) 0xff;
		ByteBuffer file = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
		file.putLong(header.length).put(header).put(new byte[8]);
		assertRefused(Files.write(dir.resolve("bytes.safetensors"), file.array()), "the safetensors header is not UTF-8 text");
		assertRefused(SafetensorsFiles.write(dir.resolve("surrogate.safetensors"), TWO.replace("\"a\"", "\"a\\ud800\""), new byte[8]),
			"has a key that is not valid Unicode: 'a\\ud800'");
		assertRefused(SafetensorsFiles.write(dir.resolve("twice.safetensors"), TWO.replace("\"b\"", "\"a\""), new byte[8]),
			"lists tensor 'a' twice");
	}
}
