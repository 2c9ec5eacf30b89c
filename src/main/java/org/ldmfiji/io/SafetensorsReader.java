package org.ldmfiji.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads {@code .safetensors} files by memory-mapping the file once and handing each tensor a slice, so files of any
 * size load without copying (each tensor must be under 2 GiB). Unlike DJL's own {@code NDList.decode} it reads BF16
 * (as float32) and keeps the header's {@code __metadata__}.
 */
public final class SafetensorsReader {

	private SafetensorsReader() {
	}

	public static StateDict read(Path file, NDManager manager) throws IOException {
		return read(file, manager, true, LoadLimits.DEFAULT);
	}

	/** @param copyOnWrite see {@link MappedFile#open(Path, boolean, LoadLimits)} */
	static StateDict read(Path file, NDManager manager, boolean copyOnWrite) throws IOException {
		return read(file, manager, copyOnWrite, LoadLimits.DEFAULT);
	}

	static StateDict read(Path file, NDManager manager, boolean copyOnWrite, LoadLimits limits) throws IOException {
		try (MappedFile data = MappedFile.open(file, copyOnWrite, limits)) {
			SafetensorsHeader header = SafetensorsHeader.read(file, data);
			data.allowance().tensors(header.entries.size());
			return StateDict.load(file, header.entries, (key, e) -> materialize(manager, data, header.dataStart, e), header.metadata);
		}
	}

	private static NDArray materialize(NDManager manager, MappedFile data, long dataStart, SafetensorsHeader.Entry e)
		throws IOException
	{
		String what = "tensor " + Text.quote(e.name);
		long position = dataStart + e.begin;
		long length = e.end - e.begin;
		Shape shape = new Shape(e.shape);
		ByteBuffer bytes;
		if (e.type.isWidened()) { // converted into a fresh array: the bytes are only read
			data.allowance().charge(shape.size() * e.type.arrayType.getNumOfBytes(), what + " (widened to " + e.type.arrayType + ")");
			bytes = data.view(position, length, e.type.bytes, what);
		}
		else bytes = data.exclusive(position, length, e.type.bytes, what);
		return TensorBytes.toArray(manager, bytes, e.type, shape);
	}
}
