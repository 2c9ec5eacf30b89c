package org.ldmfiji.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads checkpoints written by {@code torch.save} with torch >= 1.6 ({@code .ckpt .pt .pth .bin}: a zip of a
 * pickle and raw storages), which DJL cannot read itself. The pickle runs in a {@link RestrictedUnpickler}, so a
 * checkpoint can never execute code. The file is memory-mapped once; views are materialised as contiguous arrays.
 */
public final class TorchCheckpointReader {

	private TorchCheckpointReader() {
	}

	public static StateDict read(Path file, NDManager manager) throws IOException {
		return read(file, manager, true, LoadLimits.DEFAULT);
	}

	/** @param copyOnWrite see {@link MappedFile#open(Path, boolean, LoadLimits)} */
	static StateDict read(Path file, NDManager manager, boolean copyOnWrite) throws IOException {
		return read(file, manager, copyOnWrite, LoadLimits.DEFAULT);
	}

	static StateDict read(Path file, NDManager manager, boolean copyOnWrite, LoadLimits limits) throws IOException {
		try (TorchZip zip = TorchZip.open(file, copyOnWrite, limits)) {
			String source = file + " (record " + Text.escape(zip.pickleName()) + ")";
			Object top = new RestrictedUnpickler(zip.pickle(), source, new TorchPickleResolver()).load();
			TorchCheckpointContents contents = TorchCheckpointContents.of(file, top);
			zip.allowance().tensors(contents.tensors.size());
			return StateDict.load(file, contents.tensors, (key, tensor) -> materialize(manager, key, tensor, zip),
				contents.metadata);
		}
	}

	private static NDArray materialize(NDManager manager, String key, LazyTensor t, TorchZip zip) throws IOException {
		ElementType type = t.storage.type;
		Shape shape = new Shape(t.size);
		if (t.numel() == 0) return manager.create(shape, type.arrayType);
		boolean contiguous = t.isContiguous();
		if (contiguous && !type.isWidened()) // the array wraps the bytes themselves
			return TensorBytes.toArray(manager, zip.elements(key, t.storage, t.offset, t.span(), true), type, shape);
		// copied into a fresh row-major array: the bytes are only read
		zip.allowance().charge(t.numel() * type.arrayType.getNumOfBytes(), "tensor " + Text.quote(key) + " (a contiguous copy)");
		ByteBuffer bytes = zip.elements(key, t.storage, t.offset, t.span(), false);
		if (contiguous) return TensorBytes.toArray(manager, bytes, type, shape);
		int[] order = t.densePermutation();
		if (order != null) return transposed(manager, bytes, type, t.size, order);
		return TensorBytes.strided(manager, bytes, type, t.size, t.stride); // gaps or overlaps: rare and tiny
	}

	/**
	 * A permutation of a contiguous layout (a transposed weight): read in memory order, permuted back, and copied
	 * contiguously. DJL has no as_strided; duplicate() and toType() would keep the permuted strides (torch's
	 * preserve_format), but flattening a non-contiguous view must copy it into fresh row-major memory.
	 */
	private static NDArray transposed(NDManager manager, ByteBuffer bytes, ElementType type, long[] size, int[] order) {
		long[] memoryShape = new long[order.length];
		int[] inverse = new int[order.length];
		for (int i = 0; i < order.length; i++) {
			memoryShape[i] = size[order[i]];
			inverse[order[i]] = i;
		}
		try (NDArray inMemoryOrder = TensorBytes.toArray(manager, bytes, type, new Shape(memoryShape));
			NDArray view = inMemoryOrder.transpose(inverse);
			NDArray flat = view.reshape(-1))
		{
			return flat.reshape(new Shape(size));
		}
	}
}
