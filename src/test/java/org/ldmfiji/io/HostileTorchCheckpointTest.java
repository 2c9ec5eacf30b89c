package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.ManagerPerClassTest;

/** torch checkpoints built by hand to be broken or hostile: a message, never code execution, a crash or a hang. */
class HostileTorchCheckpointTest extends ManagerPerClassTest {


	@TempDir
	Path dir;



	/** {"state_dict": {"w": float32[2] in storage '0', <more>}, <outside>} */
	private static PickleBytes checkpoint(PickleBytes stateDictEntries, PickleBytes outside) {
		return PickleBytes.protocol(2).op('}').str("state_dict").op('}', '(').str("w").floats("0", 2).raw(stateDictEntries.bytes())
			.op('u', 's', '(').raw(outside.bytes()).op('u');
	}

	private PickleBytes system(String command) {
		return new PickleBytes().global("posix", "system").str(command).op(0x85, 'R');
	}

	private Path write(String name, byte[] pickle) throws IOException {
		return new TorchZipFiles().pickle(pickle).floats("0", 1.5f, -2f).write(dir.resolve(name));
	}

	private CheckpointFormatException assertRefused(Path file, String... problems) {
		int before = manager.getManagedArrays().size();
		CheckpointFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
			() -> assertThrows(CheckpointFormatException.class, () -> Checkpoints.load(file, manager)));
		assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
		for (String problem : problems)
			assertTrue(e.getMessage().contains(problem), e.getMessage());
		assertEquals(before, manager.getManagedArrays().size());
		return e;
	}

	@Test
	void callsOutsideTheStateDictAreInertAndHarmless() throws IOException {
		Path marker = dir.resolve("pwned");
		byte[] pickle = checkpoint(new PickleBytes(), new PickleBytes().str("evil").raw(system("touch " + marker).bytes())
			.str("global_step").integer(3).str("note").str("fine")).stop();
		try (StateDict sd = Checkpoints.load(write("evil.ckpt", pickle), manager)) {
			assertArrayEquals(new float[] { 1.5f, -2f }, sd.get("w").toFloatArray());
			assertEquals(3L, sd.metadata().get("global_step"));
			assertEquals("fine", sd.metadata().get("note"));
			assertEquals("<posix.system object>", sd.metadata().get("evil"));
		}
		assertFalse(Files.exists(marker));
	}

	@Test
	void aCallInTheStateDictIsRefusedNamingEntryAndGlobal() throws IOException {
		Path marker = dir.resolve("pwned");
		byte[] pickle = checkpoint(new PickleBytes().str("x").raw(system("touch " + marker).bytes()), new PickleBytes()).stop();
		assertRefused(write("evil.ckpt", pickle), "entry 'x' in state_dict is a posix.system object, not a tensor");
		assertFalse(Files.exists(marker));
	}

	@Test
	void nonTensorStateDictEntriesAndKeysAreRefused() throws IOException {
		assertRefused(write("int.ckpt", checkpoint(new PickleBytes().str("n").integer(1), new PickleBytes()).stop()),
			"entry 'n' in state_dict is an int, not a tensor");
		assertRefused(write("key.ckpt", checkpoint(new PickleBytes().integer(1).integer(1), new PickleBytes()).stop()),
			"state_dict has a key that is an int");
	}

	@Test
	void truncatedPickle() throws IOException {
		byte[] whole = checkpoint(new PickleBytes(), new PickleBytes()).stop();
		assertRefused(write("cut.ckpt", Arrays.copyOf(whole, whole.length - 3)), "(record archive/data.pkl)", "truncated");
	}

	@Test
	void missingOrShortStorages() throws IOException {
		byte[] pickle = checkpoint(new PickleBytes(), new PickleBytes()).stop();
		assertRefused(new TorchZipFiles().pickle(pickle).write(dir.resolve("missing.ckpt")),
			"tensor 'w': storage record 'archive/data/0' is missing");
		assertRefused(new TorchZipFiles().pickle(pickle).floats("0", 1f).write(dir.resolve("short.ckpt")),
			"tensor 'w': storage record 'archive/data/0' holds 4 bytes, but its storage torch.FloatStorage of 2 elements needs 8");
		byte[] beyond = PickleBytes.protocol(2).op('}').str("v")
			.tensor("FloatStorage", "0", 2, 1, new long[] { 2 }, new long[] { 1 }).op('s').stop();
		assertRefused(write("beyond.pt", beyond), "entry 'v' is a tensor with a view reading element 2 of a storage of 2 elements");
	}

	@Test
	void hugeLengthFields() throws IOException {
		byte[] pickle = checkpoint(new PickleBytes().str("s").op(0x8d).le64(1L << 62).text("x"), new PickleBytes()).stop();
		assertRefused(write("huge.ckpt", pickle), "declares 4611686018427387904 bytes where only");
	}

	@Test
	void unsupportedStorageTypesAndPersistentIds() throws IOException {
		byte[] complex = PickleBytes.protocol(2).op('}').str("c")
			.tensor("ComplexFloatStorage", "0", 1, 0, new long[] { 1 }, new long[] { 1 }).op('s').stop();
		assertRefused(write("complex.pt", complex), "entry 'c' is a tensor with elements of type torch.ComplexFloatStorage, "
			+ "which is not supported");
		byte[] elsewhere = checkpoint(new PickleBytes(), new PickleBytes().str("optimizer_states")
			.tensor("ComplexFloatStorage", "0", 1, 0, new long[] { 1 }, new long[] { 1 })).stop();
		try (StateDict sd = Checkpoints.load(write("elsewhere.ckpt", elsewhere), manager)) {
			assertEquals(1, sd.tensors().size());
		}
		byte[] module = PickleBytes.protocol(2).op('}').str("m").str("module").op('Q', 's').stop();
		assertRefused(write("module.pt", module), "persistent id that is not ('storage'");
	}

	@Test
	void archivesThatAreNotCheckpoints() throws IOException {
		assertRefused(new TorchZipFiles().record("archive/other.txt", new byte[1]).write(dir.resolve("other.zip")),
			"without a <name>/data.pkl");
		assertRefused(new TorchZipFiles().pickle(PickleBytes.protocol(2).op('N').stop()).record("archive/constants.pkl", new byte[1])
			.write(dir.resolve("script.pt")), "TorchScript");
		assertRefused(write("list.pt", PickleBytes.protocol(2).op(']').stop()), "holds a tuple or list, not a dict of tensors");
		assertRefused(write("nested.pt", PickleBytes.protocol(2).op('}').str("model").op('}').op('s').stop()),
			"neither a 'state_dict' dict nor tensors at its top level (its keys: 'model')");
	}

	@Test
	void truncatedArchive() throws IOException {
		byte[] whole = Files.readAllBytes(IoTestSupport.resource("io/lightning.ckpt"));
		Path cut = Files.write(dir.resolve("cut.ckpt"), Arrays.copyOf(whole, whole.length / 2));
		assertRefused(cut, "is not a readable zip archive", "truncated or damaged");
	}

	@Test
	void legacyFormatIsRefusedWithAdvice() throws IOException {
		String advice = "legacy (pre-1.6) torch format not supported; re-save with torch>=1.6 or convert to safetensors";
		assertRefused(IoTestSupport.resource("io/legacy.pt"), advice);
		assertRefused(Files.write(dir.resolve("raw.pt"), PickleBytes.protocol(2).op('}').stop()), advice);
	}

	@Test
	void otherFilesAreRefused() throws IOException {
		assertRefused(Files.write(dir.resolve("text.ckpt"), "hello, world".getBytes()), "neither a safetensors file nor a torch.save");
		assertRefused(Files.write(dir.resolve("empty.ckpt"), new byte[0]), "neither a safetensors file nor a torch.save");
	}
}
