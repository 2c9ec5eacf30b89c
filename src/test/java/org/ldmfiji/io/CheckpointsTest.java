package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ldmfiji.io.IoTestSupport.resource;


import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.ManagerPerClassTest;

/** Format detection by content, and the StateDict contract. */
class CheckpointsTest extends ManagerPerClassTest {




	@Test
	void theContentDecidesTheFormatNotTheName(@TempDir Path dir) throws IOException {
		Path safetensors = Files.copy(resource("ldm-reference/sr/vectors.safetensors"), dir.resolve("vectors.ckpt"));
		try (StateDict sd = Checkpoints.load(safetensors, manager)) {
			assertEquals(19, sd.tensors().size());
		}
		Path torch = Files.copy(resource("io/dtypes.pt"), dir.resolve("dtypes.safetensors"), StandardCopyOption.REPLACE_EXISTING);
		try (StateDict sd = Checkpoints.load(torch, manager)) {
			assertEquals(12, sd.tensors().size());
		}
	}

	@Test
	void legacyTarCheckpointsAreRefusedWithAdvice(@TempDir Path dir) throws IOException {
		byte[] tar = new byte[1024];
		System.arraycopy("ustar".getBytes(StandardCharsets.US_ASCII), 0, tar, 257, 5);
		CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
			() -> Checkpoints.load(Files.write(dir.resolve("old.pt"), tar), manager));
		assertTrue(e.getMessage().contains("legacy (pre-1.6) torch format not supported"), e.getMessage());
	}

	@Test
	void missingFilesAreNotFormatErrors(@TempDir Path dir) {
		IOException e = assertThrows(IOException.class, () -> Checkpoints.load(dir.resolve("absent.ckpt"), manager));
		assertFalse(e instanceof CheckpointFormatException);
		assertThrows(NoSuchFileException.class, () -> TorchCheckpointReader.read(dir.resolve("absent.ckpt"), manager));
		assertThrows(NoSuchFileException.class, () -> SafetensorsReader.read(dir.resolve("absent.safetensors"), manager));
	}

	@Test
	void stateDictContract() throws IOException {
		Path file = resource("io/lightning.ckpt");
		try (StateDict sd = Checkpoints.load(file, manager)) {
			assertEquals(file, sd.source());
			assertTrue(sd.contains("tied_a"));
			assertFalse(sd.contains("callbacks"));
			assertThrows(UnsupportedOperationException.class, () -> sd.tensors().remove("tied_a"));
			assertThrows(UnsupportedOperationException.class, () -> sd.metadata().put("x", 1L));
			sd.close();
			sd.close(); // idempotent
			assertFalse(sd.contains("tied_a"));
		}
	}
}
