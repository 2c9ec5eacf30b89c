package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Random;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.ManagerPerClassTest;

/**
 * Files built to make the loader map the file tens of thousands of times or allocate far more than the file's size.
 * Each ends in a message naming the file, or, with the limits lifted, loads from one mapping.
 */
class LoadLimitsTest extends ManagerPerClassTest {

	/** So many one-element tensors that mapping each one separately exhausts vm.max_map_count (65,530). */
	private static final int MANY = 70_000;
	private static final LoadLimits LIFTED = new LoadLimits(1000, 1L << 40, 10_000_000, 1L << 30);

	@TempDir
	Path dir;

	/** {"t0": F32[1] = 0, "t1": F32[1] = 1, ...}, or all of shape [0] */
	private static Path manyTensors(Path file, int n, boolean empty) throws IOException {
		StringBuilder header = new StringBuilder("{");
		ByteBuffer data = ByteBuffer.allocate(empty ? 0 : 4 * n).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < n; i++) {
			long at = empty ? 0 : 4L * i;
			header.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[")
				.append(empty ? 0 : 1).append("],\"data_offsets\":[").append(at).append(',').append(empty ? at : at + 4).append("]}");
			if (!empty) data.putFloat(i);
		}
		return SafetensorsFiles.write(file, header.append('}').toString(), data.array());
	}

	/** A torch checkpoint of n one-element views t0..t(n-1) of one float32 storage holding 0..n-1. */
	private static Path manyViews(Path file, int n) throws IOException {
		PickleBytes pickle = PickleBytes.protocol(2).op('}', '(');
		float[] values = new float[n];
		for (int i = 0; i < n; i++) {
			pickle.str("t" + i).tensor("FloatStorage", "0", n, i, new long[] { 1 }, new long[] { 1 });
			values[i] = i;
		}
		return new TorchZipFiles().pickle(pickle.op('u').stop()).floats("0", values).write(file);
	}

	private static CheckpointFormatException assertRefused(Path file, LoadLimits limits, String... problems) {
		int before = manager.getManagedArrays().size();
		CheckpointFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(60),
			() -> assertThrows(CheckpointFormatException.class, () -> load(file, limits)));
		assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
		assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
		for (String problem : problems)
			assertTrue(e.getMessage().contains(problem), e.getMessage());
		assertEquals(before, manager.getManagedArrays().size());
		return e;
	}

	private static StateDict load(Path file, LoadLimits limits) throws IOException {
		return file.toString().endsWith(".safetensors") ? SafetensorsReader.read(file, manager, true, limits)
			: TorchCheckpointReader.read(file, manager, true, limits);
	}

	/** How many mappings of the file the process has: each line of /proc/self/maps is one. */
	private static int mappingsOf(Path file) throws IOException {
		int n = 0;
		for (String line : Files.readAllLines(Paths.get("/proc/self/maps")))
			if (line.endsWith(" " + file.toAbsolutePath())) n++;
		return n;
	}

	@Test
	@Tag("slow")
	void aSafetensorsFileOfSeventyThousandTensorsIsRefused() throws IOException {
		Path file = manyTensors(dir.resolve("many.safetensors"), MANY, false);
		assertRefused(file, LoadLimits.DEFAULT, "holds more tensors than the", "real latent-diffusion checkpoints have a few thousand");
	}

	@Test
	@Tag("slow")
	void aSafetensorsFileOfSeventyThousandTensorsLoadsFromOneMappingWhereAllowed() throws IOException {
		assumeTrue(Files.isReadable(Paths.get("/proc/self/maps")), "needs Linux's /proc/self/maps");
		Path file = manyTensors(dir.resolve("many.safetensors"), MANY, false);
		try (StateDict sd = load(file, LIFTED)) {
			assertEquals(MANY, sd.tensors().size());
			assertEquals(12345f, sd.get("t12345").getFloat(0));
			assertEquals(MANY - 1f, sd.get("t" + (MANY - 1)).getFloat(0));
			assertTrue(mappingsOf(file) <= 1, mappingsOf(file) + " mappings");
		}
	}

	@Test
	@Tag("slow")
	void aCheckpointOfSeventyThousandViewsOfOneStorageIsRefused() throws IOException {
		Path file = manyViews(dir.resolve("views.pt"), MANY);
		assertRefused(file, LoadLimits.DEFAULT, "holds 70000 tensors, more than the", "real latent-diffusion checkpoints have a few thousand");
	}

	@Test
	@Tag("slow")
	void aCheckpointOfSeventyThousandViewsLoadsFromOneMappingWhereAllowed() throws IOException {
		assumeTrue(Files.isReadable(Paths.get("/proc/self/maps")), "needs Linux's /proc/self/maps");
		Path file = manyViews(dir.resolve("views.pt"), MANY);
		try (StateDict sd = load(file, LIFTED)) {
			assertEquals(MANY, sd.tensors().size());
			assertEquals(4321f, sd.get("t4321").getFloat(0));
			assertTrue(mappingsOf(file) <= 1, mappingsOf(file) + " mappings");
		}
	}

	@Test
	void zeroSizeTensorsCountToo() throws IOException {
		Path file = manyTensors(dir.resolve("empty.safetensors"), 200_000, true);
		// 64 MiB + 4 × 11.7 MB at 4 KiB per tensor
		assertRefused(file, LoadLimits.DEFAULT, "holds more tensors than the 27798 a file of 11.7 MB may hold");
	}

	@Test
	void viewsOfTheSameBytesGetCopiesWithinTheAllowance() throws IOException {
		int n = 10_000; // 40 KB, viewed whole by every tensor
		PickleBytes pickle = PickleBytes.protocol(2).op('}', '(');
		for (int i = 0; i < 3; i++)
			pickle.str("v" + i).floats("0", n);
		Path few = new TorchZipFiles().pickle(pickle.op('u').stop()).floats("0", new float[n]).write(dir.resolve("few.pt"));
		try (StateDict sd = load(few, LoadLimits.DEFAULT)) {
			sd.get("v0").addi(1); // in place: the others must not see it
			assertEquals(0f, sd.get("v1").getFloat(7));
			assertEquals(0f, sd.get("v2").getFloat(7));
		}
		PickleBytes many = PickleBytes.protocol(2).op('}', '(');
		for (int i = 0; i < 5000; i++) // 200 MB of copies from a 40 KB storage
			many.str("v" + i).floats("0", n);
		Path file = new TorchZipFiles().pickle(many.op('u').stop()).floats("0", new float[n]).write(dir.resolve("many.pt"));
		assertRefused(file, LoadLimits.DEFAULT, "(a copy of bytes another tensor shares) would need 0.0 MB", "the file is corrupt or hostile");
	}

	@Test
	void aDeflatedRecordClaimingGigabytesIsRefusedBeforeInflating() throws IOException {
		int claimed = Integer.MAX_VALUE - 8191;
		byte[] pickle = PickleBytes.protocol(2).op('}').str("w")
			.tensor("FloatStorage", "0", claimed / 4, 0, new long[] { 2 }, new long[] { 1 }).op('s').stop();
		Path file = new TorchZipFiles().pickle(pickle).floats("0", 1.5f, -2f).write(dir.resolve("deflated.pt"), ZipEntry.DEFLATED);
		TorchZipFiles.patchCentral(file, "archive/data/0", TorchZipFiles.CENTRAL_SIZE, claimed);
		assertRefused(file, LoadLimits.DEFAULT, "tensor 'w': storage record 'archive/data/0' (compressed, to be inflated) would need 2147.5 MB");
	}

	@Test
	void memoAbuseIsRefusedInProportionToThePickle() throws IOException {
		PickleBytes pickle = PickleBytes.protocol(4).op('}', 'N');
		for (int i = 0; i < 200_000; i++)
			pickle.op(0x94);
		Path file = new TorchZipFiles().pickle(pickle.op('0').stop()).write(dir.resolve("memo.pt"));
		assertRefused(file, LoadLimits.DEFAULT, "(record archive/data.pkl): the pickle memoizes more than 100019 values in 200006 bytes");
	}

	@Test
	void archivesOfMoreRecordsThanTheLimitsAllowAreRefused() throws IOException {
		TorchZipFiles zip = new TorchZipFiles().pickle(PickleBytes.protocol(2).op('}').str("w").floats("0", 1).op('s').stop());
		for (int i = 0; i < 1100; i++)
			zip.floats(Integer.toString(i), 1f);
		Path file = zip.write(dir.resolve("records.pt"));
		assertRefused(file, new LoadLimits(4, 64L << 20, 10, 1L << 30), "is a zip archive of 1101 records, more than the 1064");
		try (StateDict sd = load(file, LoadLimits.DEFAULT)) {
			assertEquals(1, sd.tensors().size());
		}
	}

	/** Files over 2 GiB are mapped in windows; small windows exercise the same code on a small file. */
	@Test
	void tensorsAcrossWindowBoundariesAndLargerThanAWindowReadRight() throws IOException {
		final int step = 64 << 10;
		assumeTrue(Files.isReadable(Paths.get("/proc/self/maps")), "needs Linux's /proc/self/maps");
		Random random = new Random(42);
		StringBuilder header = new StringBuilder("{");
		ByteBuffer data = ByteBuffer.allocate(1 << 21).order(ByteOrder.LITTLE_ENDIAN);
		int large = 0;
		for (int i = 0; data.position() < 900_000; i++) {
			int n = i % 10 == 9 ? 16_000 + random.nextInt(10_000) : 1 + random.nextInt(8000); // some over a 64 KiB step
			if (4 * n > step - 4096) large++;
			header.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[").append(n)
				.append("],\"data_offsets\":[").append(data.position()).append(',').append(data.position() + 4 * n).append("]}");
			for (int k = 0; k < n; k++)
				data.putFloat(random.nextFloat());
		}
		byte[] bytes = java.util.Arrays.copyOf(data.array(), data.position());
		Path file = SafetensorsFiles.write(dir.resolve("windows.safetensors"), header.append('}').toString(), bytes);
		try (StateDict windowed = load(file, LoadLimits.DEFAULT.withWindowStep(step));
			StateDict copied = SafetensorsReader.read(file, manager, false))
		{
			for (String key : copied.tensors().keySet()) {
				NDArray a = windowed.get(key);
				assertArrayEquals(copied.get(key).toFloatArray(), a.toFloatArray(), key);
			}
			int windows = (int) (Files.size(file) / step) + 1;
			assertTrue(mappingsOf(file) <= windows + large, mappingsOf(file) + " mappings, " + windows + " windows, " + large + " large");
		}
	}
}
