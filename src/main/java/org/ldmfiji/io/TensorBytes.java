package org.ldmfiji.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Little-endian tensor bytes to NDArrays. {@code manager.create} wraps a direct buffer without copying (torch
 * {@code from_blob}; the array keeps the buffer reachable), so the buffers handed in must be direct, at position 0
 * and aligned. Element types DJL cannot hold are widened here, in Java.
 */
final class TensorBytes {

	private TensorBytes() {
	}

	/** @param bytes the elements of {@code shape} in row-major order */
	static NDArray toArray(NDManager manager, ByteBuffer bytes, ElementType type, Shape shape) {
		if (shape.size() == 0) return manager.create(shape, type.arrayType);
		if (type.isWidened()) return strided(manager, bytes, type, shape.getShape(), rowMajorStrides(shape.getShape()));
		return manager.create(bytes, shape, type.arrayType);
	}

	/**
	 * Copies an arbitrarily strided view (gaps, overlaps, stride 0) element by element into a fresh row-major array.
	 * @param storage the elements the view reads, starting with the view's first element
	 */
	static NDArray strided(NDManager manager, ByteBuffer storage, ElementType type, long[] size, long[] stride) {
		Shape shape = new Shape(size);
		long count = shape.size();
		if (count == 0) return manager.create(shape, type.arrayType);
		long outBytes = count * type.arrayType.getNumOfBytes();
		if (outBytes > Integer.MAX_VALUE)
			throw new IllegalArgumentException("a tensor of " + outBytes + " bytes is larger than the 2 GiB this reader supports");
		ByteBuffer out = ByteBuffer.allocateDirect((int) outBytes).order(ByteOrder.LITTLE_ENDIAN);
		int rank = size.length;
		long rowLength = rank == 0 ? 1 : size[rank - 1];
		long rowStride = rank == 0 ? 1 : stride[rank - 1];
		long[] index = new long[Math.max(rank - 1, 0)];
		long rowStart = 0;
		for (long row = count / rowLength; row > 0; row--) {
			copyRow(storage, type, rowStart, rowLength, rowStride, out);
			for (int d = rank - 2; d >= 0; d--) { // odometer over all but the last axis
				rowStart += stride[d];
				if (++index[d] < size[d]) break;
				rowStart -= stride[d] * size[d];
				index[d] = 0;
			}
		}
		out.rewind();
		return manager.create(out, shape, type.arrayType);
	}

	private static void copyRow(ByteBuffer from, ElementType type, long first, long length, long stride, ByteBuffer to) {
		int width = type.bytes;
		if (stride == 1 && !type.isWidened()) {
			ByteBuffer row = from.duplicate();
			row.limit((int) ((first + length) * width)).position((int) (first * width));
			to.put(row);
			return;
		}
		for (long i = 0, at = first * width; i < length; i++, at += stride * width) {
			int p = (int) at;
			switch (type) {
				case BFLOAT16: // bfloat16 is the upper half of a float32
					to.putInt((from.getShort(p) & 0xffff) << 16);
					break;
				case INT16:
					to.putInt(from.getShort(p));
					break;
				default:
					for (int b = 0; b < width; b++)
						to.put(from.get(p + b));
			}
		}
	}

	static long[] rowMajorStrides(long[] size) {
		long[] stride = new long[size.length];
		long step = 1;
		for (int d = size.length - 1; d >= 0; d--) {
			stride[d] = step;
			step *= size[d];
		}
		return stride;
	}
}
