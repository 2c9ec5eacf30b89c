package org.ldmfiji.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tensor as torch's {@code _rebuild_tensor_v2} describes it: a view (offset, size, stride, all in elements) of a
 * storage, not yet read. Only the tensors a {@link StateDict} returns are ever materialised, so optimizer states and
 * callback tensors in a checkpoint cost nothing.
 */
final class LazyTensor {

	final TorchStorage storage;
	final long offset;
	final long[] size;
	final long[] stride;
	/** What the pickle gave that no view can have (an int beyond 64 bits), or null. */
	private final String outOfRange;

	/** @param outOfRange see {@link #problem()}; null if the pickle's ints all fit */
	LazyTensor(TorchStorage storage, long offset, long[] size, long[] stride, String outOfRange) {
		this.storage = storage;
		this.offset = offset;
		this.size = size;
		this.stride = stride;
		this.outOfRange = outOfRange;
	}

	/** @return what is wrong with this view of its storage, or null if it lies within it */
	String problem() {
		if (outOfRange != null) return outOfRange;
		if (storage.type == null)
			return "elements of type " + Text.escape(storage.typeName) + ", which is not supported (float32/16/64, bfloat16, int64/32/16/8, "
				+ "uint8 and bool are)";
		if (offset < 0) return "a negative storage offset (" + offset + ")";
		for (int d = 0; d < size.length; d++)
			if (size[d] < 0 || stride[d] < 0)
				return "a negative " + (size[d] < 0 ? "size (" + size[d] : "stride (" + stride[d]) + ") in dimension " + d;
		try {
			long count = 1;
			long last = offset;
			for (int d = 0; d < size.length; d++) {
				count = Math.multiplyExact(count, size[d]);
				if (size[d] > 0) last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
			}
			if (count > Integer.MAX_VALUE || count * storage.type.arrayType.getNumOfBytes() > Integer.MAX_VALUE)
				return count + " elements, more than the 2 GiB per tensor this reader supports";
			if (count > 0 && last >= storage.numel)
				return "a view reading element " + last + " of a storage of " + storage.numel + " elements";
		}
		catch (ArithmeticException e) {
			return "a size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride) + " whose extent overflows a 64-bit int";
		}
		return null;
	}

	/** Call only when {@link #problem()} is null. */
	long numel() {
		long count = 1;
		for (long s : size)
			count *= s;
		return count;
	}

	/** Elements from the first to the last one the view reads, inclusive. Call only when {@link #problem()} is null. */
	long span() {
		if (numel() == 0) return 0;
		long last = 0;
		for (int d = 0; d < size.length; d++)
			last += (size[d] - 1) * stride[d];
		return last + 1;
	}

	/** Row-major, ignoring axes of size 1 as torch does. */
	boolean isContiguous() {
		int[] identity = new int[size.length];
		for (int d = 0; d < identity.length; d++)
			identity[d] = d;
		return isDense(identity);
	}

	/**
	 * @return the axes from outermost to innermost in memory if the view is a permutation of a contiguous layout (a
	 *         transposed weight), else null
	 */
	int[] densePermutation() {
		List<Integer> axes = new ArrayList<>();
		for (int d = 0; d < size.length; d++)
			axes.add(d);
		// axes of size 1 have no say in the layout: put them last
		axes.sort((a, b) -> size[a] == 1 || size[b] == 1 ? Boolean.compare(size[a] == 1, size[b] == 1)
			: Long.compare(stride[b], stride[a]));
		int[] order = new int[axes.size()];
		for (int i = 0; i < order.length; i++)
			order[i] = axes.get(i);
		return isDense(order) ? order : null;
	}

	private boolean isDense(int[] order) {
		long expected = 1;
		for (int i = order.length - 1; i >= 0; i--) {
			int d = order[i];
			if (size[d] == 1) continue;
			if (stride[d] != expected) return false;
			expected *= size[d];
		}
		return true;
	}
}
