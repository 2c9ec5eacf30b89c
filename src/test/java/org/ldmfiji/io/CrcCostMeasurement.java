package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.ManagerPerClassTest;

/**
 * What checking every storage's CRC-32 costs on a large checkpoint: a measurement, run on request only, e.g.
 * {@code mvn test -Dtest=CrcCostMeasurement -Dldm.crc.gigabytes=2}. It prints; it asserts nothing about time.
 */
@EnabledIfSystemProperty(named = "ldm.crc.gigabytes", matches = "[0-9.]+")
class CrcCostMeasurement extends ManagerPerClassTest {

	private static final int RECORD_FLOATS = 16 << 20; // 64 MiB per storage

	@TempDir
	Path dir;

	@Test
	void crcCostPerGigabyte() throws IOException {
		double gigabytes = Double.parseDouble(System.getProperty("ldm.crc.gigabytes"));
		int records = (int) Math.ceil(gigabytes * 1e9 / (4.0 * RECORD_FLOATS));
		Path file = write(dir.resolve("large.ckpt"), records);
		long size = Files.size(file);
		for (int run = 1; run <= 3; run++) {
			long crcNanos;
			long crcBytes;
			try (TorchZip zip = TorchZip.open(file, true, LoadLimits.DEFAULT)) {
				TorchCheckpointContents contents = TorchCheckpointContents.of(file,
					new RestrictedUnpickler(zip.pickle(), file.toString(), new TorchPickleResolver()).load());
				for (Map.Entry<String, LazyTensor> e : contents.tensors.entrySet())
					zip.elements(e.getKey(), e.getValue().storage, e.getValue().offset, e.getValue().span(), true);
				crcNanos = zip.crcNanos();
				crcBytes = zip.crcBytes();
			}
			long start = System.nanoTime();
			try (StateDict sd = Checkpoints.load(file, manager)) {
				assertEquals(records, sd.tensors().size());
			}
			long loadNanos = System.nanoTime() - start;
			System.out.printf(Locale.ROOT, "run %d: %.2f GB file; CRC-32 of %.2f GB took %.0f ms = %.0f ms/GB; "
				+ "a whole load (CRC included) took %.0f ms%n", run, size / 1e9, crcBytes / 1e9, crcNanos / 1e6,
				crcNanos / 1e6 / (crcBytes / 1e9), loadNanos / 1e6);
		}
	}

	/** A torch.save-like archive of {@code records} float32 storages of 64 MiB each, written as a stream, aligned. */
	private static Path write(Path file, int records) throws IOException {
		PickleBytes pickle = PickleBytes.protocol(2).op('}', '(');
		for (int i = 0; i < records; i++)
			pickle.str("w" + i).floats(Integer.toString(i), RECORD_FLOATS);
		byte[] data = new byte[4 * RECORD_FLOATS];
		new Random(1).nextBytes(data);
		try (TorchZipFiles.AlignedZip zip = new TorchZipFiles.AlignedZip(file)) {
			zip.put("archive/data.pkl", pickle.op('u').stop());
			for (int i = 0; i < records; i++)
				zip.put("archive/data/" + i, data);
		}
		return file;
	}
}
