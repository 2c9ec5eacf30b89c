package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldmfiji.io.IoTestSupport.assertTensor;
import static org.ldmfiji.io.IoTestSupport.resource;
import static org.ldmfiji.io.IoTestSupport.values;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.testing.ManagerPerClassTest;

/** torch.save checkpoints: the reference fixtures, and files written by make_test_files.py checked value by value. */
class TorchCheckpointReaderTest extends ManagerPerClassTest {

	private static JsonObject expected;

	@BeforeAll
	static void readExpectations() throws IOException {
		expected = IoTestSupport.json(resource("io/expected.json"));
	}


	@ParameterizedTest
	@ValueSource(strings = { "dtypes.pt", "views.pt", "lightning.ckpt", "protocol4.pt", "protocol5.pt", "zip64_unaligned.pt" })
	void everyValueMatchesTorch(String name) throws IOException {
		assertMatchesTorch(name, resource("io/" + name), true);
	}

	@ParameterizedTest
	@ValueSource(strings = { "dtypes.pt", "views.pt", "zip64_unaligned.pt" })
	void readOnlyFilesLoadTheSameValues(String name) throws IOException {
		assertMatchesTorch(name, resource("io/" + name), false);
	}

	@Test
	void compressedStoragesLoadTheSameValues(@TempDir Path dir) throws IOException {
		TorchZipFiles deflated = new TorchZipFiles();
		try (ZipFile zip = new ZipFile(resource("io/views.pt").toFile())) {
			for (ZipEntry e : java.util.Collections.list(zip.entries()))
				deflated.record(e.getName(), zip.getInputStream(e).readAllBytes());
		}
		assertMatchesTorch("views.pt", deflated.write(dir.resolve("deflated.pt"), ZipEntry.DEFLATED), true);
	}

	private static void assertMatchesTorch(String name, Path file, boolean copyOnWrite) throws IOException {
		JsonObject tensors = expected.getAsJsonObject(name);
		try (StateDict sd = TorchCheckpointReader.read(file, manager, copyOnWrite)) {
			assertEquals(tensors.keySet(), sd.tensors().keySet());
			for (String key : tensors.keySet())
				assertTensor(tensors.getAsJsonObject(key), sd.get(key), name + " " + key);
		}
	}

	@Test
	void keepsFileOrder() throws IOException {
		try (StateDict sd = TorchCheckpointReader.read(resource("io/dtypes.pt"), manager)) {
			assertEquals(Arrays.asList("f32", "f16", "bf16", "f64", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty"),
				List.copyOf(sd.tensors().keySet()));
		}
	}

	@Test
	void lightningCheckpointKeepsPlainMetadataOnly() throws IOException {
		try (StateDict sd = Checkpoints.load(resource("io/lightning.ckpt"), manager)) {
			Map<String, Object> m = sd.metadata();
			assertEquals(7L, m.get("global_step"));
			assertEquals(1L, m.get("epoch"));
			assertEquals("1.4.2", m.get("pytorch-lightning_version"));
			assertEquals(List.of(), m.get("lr_schedulers"));
			assertEquals("<numpy._core.multiarray.scalar object>", m.get("np"));
			Map<String, Object> hyper = new HashMap<>();
			hyper.put("lr", 1e-4);
			hyper.put("channels", List.of(1L, 2L, 4L));
			hyper.put("name", "tiny");
			hyper.put("flag", true);
			hyper.put("none", null);
			hyper.put("big", "1180591620717411303424"); // 2**70
			assertEquals(hyper, m.get("hyper_parameters"));
			// they hold tensors, which are not metadata
			assertFalse(m.containsKey("callbacks"));
			assertFalse(m.containsKey("optimizer_states"));
			assertFalse(m.containsKey("state_dict"));
		}
	}

	@Test
	void entriesSharingAStorageLoadAsIndependentArrays() throws IOException {
		try (StateDict sd = TorchCheckpointReader.read(resource("io/lightning.ckpt"), manager)) {
			NDArray first = sd.get("first_stage_model.w");
			NDArray cond = sd.get("cond_stage_model.w");
			assertArrayEquals(values(first), values(cond));
			assertArrayEquals(values(sd.get("tied_a")), values(sd.get("tied_b")));
			double[] before = values(cond);
			first.addi(100); // in place, on a copy-on-write mapping of the file
			assertArrayEquals(before, values(cond));
		}
		try (StateDict sd = TorchCheckpointReader.read(resource("io/views.pt"), manager)) {
			double[] b = values(sd.get("shared_b"));
			sd.get("shared_a").addi(1);
			assertArrayEquals(b, values(sd.get("shared_b")));
		}
	}

	@Test
	void inPlaceOpsNeverWriteTheFile() throws IOException {
		Path file = resource("io/dtypes.pt");
		byte[] before = Files.readAllBytes(file);
		try (StateDict sd = TorchCheckpointReader.read(file, manager)) {
			for (NDArray a : sd.tensors().values())
				if (a.getDataType().isFloating() && a.size() > 0) a.muli(3);
		}
		assertArrayEquals(before, Files.readAllBytes(file));
	}

	@Test
	void permutedViewsBecomeContiguousArrays() throws IOException {
		try (StateDict sd = TorchCheckpointReader.read(resource("io/views.pt"), manager)) {
			for (NDArray a : sd.tensors().values())
				assertTrue(IoTestSupport.isContiguous(a), a.getName());
		}
	}

	@Test
	void closeFreesEveryArrayAndLeavesNothingBehind() throws IOException {
		int before = manager.getManagedArrays().size();
		StateDict sd = TorchCheckpointReader.read(resource("io/views.pt"), manager);
		List<NDArray> arrays = List.copyOf(sd.tensors().values());
		assertEquals(before + arrays.size(), manager.getManagedArrays().size()); // no intermediate arrays kept
		sd.close();
		assertEquals(before, manager.getManagedArrays().size());
		for (NDArray a : arrays)
			assertTrue(a.isReleased());
		assertTrue(sd.tensors().isEmpty());
		assertNull(sd.get("base"));
	}

	/** How torch pickles the dtypes that have no typed storage class (uint16, float8, ...): bytes plus a dtype. */
	@Test
	void untypedStoragesViewedThroughADtype(@TempDir Path dir) throws IOException {
		try (StateDict sd = Checkpoints.load(untypedStorageCheckpoint(dir, "float32"), manager)) {
			assertArrayEquals(new float[] { -2f }, sd.get("x").toFloatArray()); // element 1 of two float32s
		}
		CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
			() -> Checkpoints.load(untypedStorageCheckpoint(dir, "uint16"), manager));
		assertTrue(e.getMessage().contains("entry 'x' is a tensor with elements of type torch.uint16, which is not supported"),
			e.getMessage());
	}

	private static Path untypedStorageCheckpoint(Path dir, String dtype) throws IOException {
		PickleBytes pickle = PickleBytes.protocol(2).op('}').str("x").global("torch._utils", "_rebuild_tensor_v3").op('(');
		pickle.op('(').str("storage").global("torch", "UntypedStorage").str("0").str("cpu").integer(8).op('t', 'Q');
		pickle.integer(1).ints(1).ints(1).op(0x89).global("collections", "OrderedDict").op(')', 'R');
		pickle.global("torch", dtype).op('t', 'R', 's');
		return new TorchZipFiles().pickle(pickle.stop()).floats("0", 1.5f, -2f).write(dir.resolve(dtype + ".pt"));
	}

	@Test
	void referenceSuperResolutionCheckpoint() throws IOException {
		try (StateDict sd = Checkpoints.load(resource("ldm-reference/sr/model.ckpt"), manager)) {
			assertEquals(423, sd.tensors().size());
			assertEquals(4242L, sd.metadata().get("global_step"));
			assertEquals(7L, sd.metadata().get("epoch"));
			NDArray w = sd.get("model.diffusion_model.input_blocks.0.0.weight");
			assertArrayEquals(new long[] { 32, 6, 3, 3 }, w.getShape().getShape());
			assertEquals(0.09973162412643433f, w.getFloat(1, 2, 0, 1));
			assertEquals(-0.006831782404333353f, w.getFloat(31, 5, 2, 2));
			assertEquals(0.0015066576888784766f, sd.get("betas").getFloat(1));
			assertEquals(-0.07344800233840942f, sd.get("first_stage_model.quantize.embedding.weight").getFloat(1, 0));
			NDArray updates = sd.get("model_ema.num_updates");
			assertEquals(DataType.INT32, updates.getDataType());
			assertEquals(0, updates.getShape().dimension());
			assertEquals(0, updates.getInt());
		}
	}

	@Test
	void referenceClassConditionalCheckpoint() throws IOException {
		try (StateDict sd = Checkpoints.load(resource("ldm-reference/cin/model.ckpt"), manager)) {
			assertEquals(584, sd.tensors().size());
			NDArray embedding = sd.get("cond_stage_model.embedding.weight");
			assertArrayEquals(new long[] { 1001, 64 }, embedding.getShape().getShape());
			assertEquals(-0.2063680738210678f, embedding.getFloat(0, 3));
			assertEquals(0.281953364610672f, sd.get("model.diffusion_model.input_blocks.0.0.weight").getFloat(31, 2, 2, 2));
		}
	}
}
