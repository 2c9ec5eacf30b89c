package org.ldmfiji.io;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a checkpoint in whichever supported format it is, judged by its first bytes rather than its name. */
public final class Checkpoints {

	private static final String LEGACY = "legacy (pre-1.6) torch format not supported; re-save with torch>=1.6 or convert to safetensors";

	private Checkpoints() {
	}

	/**
	 * Detects the format: a zip ({@code PK\3\4}) is a torch.save checkpoint; an 8-byte little-endian length followed by
	 * '{' is safetensors; a bare pickle (0x80) or tar is torch's legacy format, which is refused with advice.
	 */
	public static StateDict load(Path file, NDManager manager) throws IOException {
		byte[] head = head(file, 263);
		if (head.length >= 9 && head[8] == '{') return SafetensorsReader.read(file, manager);
		if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4)
			return TorchCheckpointReader.read(file, manager);
		if (head.length >= 1 && (head[0] & 0xff) == 0x80 || isTar(head)) throw CheckpointFormatException.in(file, LEGACY);
		throw CheckpointFormatException.in(file, "is neither a safetensors file nor a torch.save checkpoint (zip); "
			+ "convert it to .safetensors or re-save it with torch.save");
	}

	private static boolean isTar(byte[] head) {
		return head.length >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
	}

	private static byte[] head(Path file, int length) throws IOException {
		try (InputStream in = Files.newInputStream(file)) {
			return in.readNBytes(length);
		}
	}
}
