package org.ldmfiji.io;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads {@code .safetensors} files by memory-mapping each tensor separately, so files of any size load without
 * copying (each tensor must be under 2 GiB). Unlike DJL's own {@code NDList.decode} it reads BF16 (as float32) and
 * keeps the header's {@code __metadata__}.
 */
public final class SafetensorsReader {

	private SafetensorsReader() {
	}

	public static StateDict read(Path file, NDManager manager) throws IOException {
		return read(file, manager, true);
	}

	/** @param copyOnWrite see {@link MappedFile#open(Path, boolean)} */
	static StateDict read(Path file, NDManager manager, boolean copyOnWrite) throws IOException {
		try (MappedFile data = MappedFile.open(file, copyOnWrite)) {
			SafetensorsHeader header = SafetensorsHeader.read(file, data);
			return StateDict.load(file, header.entries, (key, e) -> TensorBytes.toArray(manager,
				data.tensorBytes(header.dataStart + e.begin, e.end - e.begin, e.type.bytes), e.type, new Shape(e.shape)),
				header.metadata);
		}
	}
}
