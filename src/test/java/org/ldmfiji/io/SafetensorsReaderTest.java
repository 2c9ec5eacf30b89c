package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldmfiji.io.IoTestSupport.resource;
import static org.ldmfiji.io.IoTestSupport.values;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.testing.ManagerPerClassTest;

/** safetensors: the reference fixtures, element types, and broken or hostile headers built here. */
class SafetensorsReaderTest extends ManagerPerClassTest {




	@ParameterizedTest
	@ValueSource(strings = { "sr", "cin", "inpaint", "kl", "seg", "ctx", "uncond" })
	void referenceVectorsHaveTheShapesTheirJsonLists(String fixture) throws IOException {
		JsonObject shapes = IoTestSupport.json(resource("ldm-reference/" + fixture + "/vectors.json")).getAsJsonObject("tensors");
		try (StateDict sd = Checkpoints.load(resource("ldm-reference/" + fixture + "/vectors.safetensors"), manager)) {
			assertEquals(shapes.keySet(), sd.tensors().keySet(), "the tensors the json lists are the file's, no more, no fewer");
			for (Map.Entry<String, JsonElement> e : shapes.entrySet()) {
				long[] shape = new long[e.getValue().getAsJsonArray().size()];
				for (int i = 0; i < shape.length; i++)
					shape[i] = e.getValue().getAsJsonArray().get(i).getAsLong();
				assertArrayEquals(shape, sd.get(e.getKey()).getShape().getShape(), fixture + " " + e.getKey());
			}
			NDArray t = sd.get("unet_t");
			assertEquals(DataType.INT64, t.getDataType());
			assertEquals(517L, t.getLong(0));
			assertEquals(DataType.FLOAT32, sd.get("alphas_cumprod").getDataType());
		}
	}

	@Test
	void referenceVectorSpotValues() throws IOException {
		try (StateDict sd = SafetensorsReader.read(resource("ldm-reference/cin/vectors.safetensors"), manager)) {
			assertArrayEquals(new long[] { 3, 7 }, sd.get("cond_class_labels").toLongArray());
			assertEquals(0.000142303979373537f, sd.get("alphas_cumprod").getFloat(999));
		}
	}

	@Test
	void referenceModels() throws IOException {
		try (StateDict sd = Checkpoints.load(resource("ldm-reference/inpaint/model.safetensors"), manager)) {
			assertEquals(440, sd.tensors().size());
			assertEquals(List.of("betas", "alphas_cumprod"), List.copyOf(sd.tensors().keySet()).subList(0, 2));
			NDArray w = sd.get("model.diffusion_model.input_blocks.0.0.weight");
			assertArrayEquals(new long[] { 32, 7, 3, 3 }, w.getShape().getShape());
			assertEquals(-0.2637074589729309f, w.getFloat(0, 0, 0, 0));
			assertEquals(-5.807195663452148f, sd.get("log_one_minus_alphas_cumprod").getFloat(1));
			assertTrue(sd.metadata().isEmpty());
		}
		try (StateDict sd = Checkpoints.load(resource("ldm-reference/kl/model.safetensors"), manager)) {
			assertEquals(355, sd.tensors().size());
			NDArray scale = sd.get("scale_factor");
			assertEquals(0, scale.getShape().dimension());
			assertEquals(0.699999988079071f, scale.getFloat());
			assertEquals(-0.09000033885240555f, sd.get("model.diffusion_model.input_blocks.0.0.weight").getFloat(0, 0, 0, 0));
		}
	}

	@Test
	void readOnlyFallbackLoadsTheSameValues() throws IOException {
		Path file = resource("ldm-reference/kl/vectors.safetensors");
		try (StateDict mapped = SafetensorsReader.read(file, manager); StateDict copied = SafetensorsReader.read(file, manager, false)) {
			for (String key : mapped.tensors().keySet())
				assertArrayEquals(values(mapped.get(key)), values(copied.get(key)), key);
			copied.get("fs_image").addi(1); // a copy: in-place ops are fine
		}
	}

	@Test
	void everyElementTypeAndTheMetadata(@TempDir Path dir) throws IOException {
		ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
		data.putShort((short) 0x3fc0).putShort((short) 0xc120); // BF16 1.5, -10
		data.putShort((short) 0x3c00).putShort((short) 0xc000); // F16 1, -2
		data.putDouble(0.1);
		data.putLong(-(1L << 40));
		data.putInt(-7);
		data.putShort((short) -32768);
		data.put((byte) -128).put((byte) 200).put((byte) 1).put((byte) 0);
		String header = "{\"__metadata__\":{\"format\":\"pt\"},"
			+ "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
			+ "\"f16\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[4,8]},"
			+ "\"f64\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[8,16]},"
			+ "\"i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]},"
			+ "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[24,28]},"
			+ "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[28,30]},"
			+ "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[30,31]},"
			+ "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[31,32]},"
			+ "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[1,2],\"data_offsets\":[32,34]},"
			+ "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[34,34]}}";
		Path file = SafetensorsFiles.write(dir.resolve("types.safetensors"), header, Arrays.copyOf(data.array(), 34));
		try (StateDict sd = Checkpoints.load(file, manager)) {
			assertEquals(Map.of("format", "pt"), sd.metadata());
			assertEquals(DataType.FLOAT32, sd.get("bf16").getDataType());
			assertArrayEquals(new float[] { 1.5f, -10f }, sd.get("bf16").toFloatArray());
			assertArrayEquals(new double[] { 1, -2 }, values(sd.get("f16")));
			assertEquals(0.1, sd.get("f64").getDouble());
			assertEquals(-(1L << 40), sd.get("i64").getLong(0));
			assertEquals(-7, sd.get("i32").getInt(0));
			assertEquals(DataType.INT32, sd.get("i16").getDataType());
			assertEquals(-32768, sd.get("i16").getInt(0));
			assertEquals(-128, sd.get("i8").getByte(0));
			assertArrayEquals(new int[] { 200 }, sd.get("u8").toUint8Array());
			assertArrayEquals(new boolean[] { true, false }, sd.get("bool").toBooleanArray());
			assertArrayEquals(new long[] { 0, 3 }, sd.get("empty").getShape().getShape());
			assertEquals(List.of("bf16", "f16", "f64", "i64", "i32", "i16", "i8", "u8", "bool", "empty"), List.copyOf(sd.tensors().keySet()));
		}
	}

	@Test
	void tensorsAtUnalignedOffsetsAreCopiedIntoAlignedMemory(@TempDir Path dir) throws IOException {
		String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
			+ "\"x\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[1,17]}}";
		byte[] data = new byte[17];
		System.arraycopy(SafetensorsFiles.floats(1, 2, 3, 4), 0, data, 1, 16);
		int length = header.length() + 3; // data area starts at an odd offset too
		Path file = SafetensorsFiles.write(dir.resolve("odd.safetensors"), length, header, length, data);
		try (StateDict sd = SafetensorsReader.read(file, manager)) {
			assertArrayEquals(new float[] { 1, 2, 3, 4 }, sd.get("x").toFloatArray());
			try (NDArray sum = sd.get("x").sum()) {
				assertEquals(10f, sum.getFloat());
			}
		}
	}

	@Test
	void closeFreesEveryArray() throws IOException {
		int before = manager.getManagedArrays().size();
		StateDict sd = SafetensorsReader.read(resource("ldm-reference/sr/vectors.safetensors"), manager);
		assertEquals(before + 19, manager.getManagedArrays().size());
		sd.close();
		assertEquals(before, manager.getManagedArrays().size());
	}

	private static final String F32_3 = "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}";

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = {
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,1000]}}|'x'|do not lie within the 12-byte data area",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,4]}}|'x'|do not lie within",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}|'x'|needs 8 bytes, but data_offsets give 12",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}|'x'|overlap",
		"{\"x\":{\"dtype\":\"F8_E4M3\",\"shape\":[12],\"data_offsets\":[0,12]}}|'x'|dtype 'F8_E4M3' is not supported",
		"{\"x\":{\"dtype\":\"XYZ\",\"shape\":[3],\"data_offsets\":[0,12]}}|'x'|dtype 'XYZ' is not supported",
		"{\"x\":{\"shape\":[3],\"data_offsets\":[0,12]}}|'x'|has no dtype",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[-3],\"data_offsets\":[0,12]}}|'x'|shape must be a list of non-negative integers",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,12]}}|'x'|shape must be",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[1e999999999],\"data_offsets\":[0,12]}}|'x'|shape must be",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":\"3\",\"data_offsets\":[0,12]}}|'x'|shape must be",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0]}}|'x'|data_offsets must be a list of 2",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,12]}}|'x'|too many elements",
		"{\"x\":[]}|'x'|is not a JSON object",
		"{\"__metadata__\":{\"a\":1}}|'a'|is not a string",
		"{not json|header|not valid JSON",
		"{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}} trailing|header|not valid JSON",
		"[1,2]|header|not valid JSON",
	})
	void brokenHeadersAreRefusedNamingTheTensor(String header, String named, String problem, @TempDir Path dir) throws IOException {
		Path file = SafetensorsFiles.write(dir.resolve("broken.safetensors"), header, new byte[12]);
		assertRefused(file, named, problem);
	}

	@ParameterizedTest
	@ValueSource(longs = { 0, 1000, 1L << 62, -1 })
	void headerLengthsBeyondTheFileAreRefused(long lengthField, @TempDir Path dir) throws IOException {
		Path file = SafetensorsFiles.write(dir.resolve("length.safetensors"), lengthField, F32_3, F32_3.length(), new byte[12]);
		assertRefused(file, "header length field says " + Long.toUnsignedString(lengthField), "truncated or not a safetensors");
	}

	@Test
	void headersOverTheSizeLimitAreRefusedWithoutReadingThem(@TempDir Path dir) throws IOException {
		Path file = dir.resolve("huge.safetensors");
		try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
			f.setLength(SafetensorsHeader.MAX_HEADER_BYTES + 64); // sparse: costs no disk
			f.write(ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN).putLong(SafetensorsHeader.MAX_HEADER_BYTES + 1).put((byte) '{').array());
		}
		assertRefused(file, "header", "more than the 100 MiB limit");
	}

	@Test
	void deeplyNestedHeadersAreRefused(@TempDir Path dir) throws IOException {
		String deep = "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
		assertRefused(SafetensorsFiles.write(dir.resolve("deep.safetensors"), deep, new byte[0]), "header", "nests deeper");
	}

	@Test
	void truncatedFilesAreRefused(@TempDir Path dir) throws IOException {
		Path whole = resource("ldm-reference/sr/vectors.safetensors");
		byte[] bytes = Files.readAllBytes(whole);
		Path cut = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(bytes, bytes.length / 2));
		CheckpointFormatException e = assertRefused(cut, "in the safetensors header", "truncated");
		assertTrue(e.getMessage().contains("do not lie within"), e.getMessage());
	}

	private static CheckpointFormatException assertRefused(Path file, String named, String problem) {
		int before = manager.getManagedArrays().size();
		CheckpointFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
			() -> assertThrows(CheckpointFormatException.class, () -> SafetensorsReader.read(file, manager)));
		assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
		assertTrue(e.getMessage().contains(named), e.getMessage());
		assertTrue(e.getMessage().contains(problem), e.getMessage());
		assertEquals(before, manager.getManagedArrays().size());
		return e;
	}
}
