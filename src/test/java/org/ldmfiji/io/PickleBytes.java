package org.ldmfiji.io;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Assembles pickle streams by hand, for the opcodes and hostile streams Python's pickler never writes. */
final class PickleBytes {

	private final ByteArrayOutputStream out = new ByteArrayOutputStream();

	static PickleBytes protocol(int version) {
		return new PickleBytes().op(0x80).op(version);
	}

	PickleBytes op(int... opcodes) {
		for (int op : opcodes)
			out.write(op);
		return this;
	}

	PickleBytes text(String ascii) {
		byte[] bytes = ascii.getBytes(StandardCharsets.UTF_8);
		out.write(bytes, 0, bytes.length);
		return this;
	}

	PickleBytes le32(long value) {
		return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array());
	}

	PickleBytes le64(long value) {
		return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
	}

	PickleBytes raw(byte[] bytes) {
		out.write(bytes, 0, bytes.length);
		return this;
	}

	/** BINUNICODE */
	PickleBytes str(String s) {
		byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
		return op('X').le32(bytes.length).raw(bytes);
	}

	/** BININT */
	PickleBytes integer(long value) {
		return op('J').le32(value);
	}

	/** GLOBAL */
	PickleBytes global(String module, String name) {
		return op('c').text(module + "\n" + name + "\n");
	}

	/** A tuple of ints. */
	PickleBytes ints(long... values) {
		op('(');
		for (long v : values)
			integer(v);
		return op('t');
	}

	/**
	 * {@code torch._utils._rebuild_tensor_v2(('storage', torch.<storageClass>, key, 'cpu', numel), offset, size,
	 * stride, False, OrderedDict())}, as torch.save writes it.
	 */
	PickleBytes tensor(String storageClass, String key, long numel, long offset, long[] size, long[] stride) {
		global("torch._utils", "_rebuild_tensor_v2").op('(');
		op('(').str("storage").global("torch", storageClass).str(key).str("cpu").integer(numel).op('t').op('Q');
		integer(offset).ints(size).ints(stride).op(0x89);
		return global("collections", "OrderedDict").op(')', 'R').op('t', 'R');
	}

	/** A contiguous float32 tensor over a whole storage. */
	PickleBytes floats(String key, long... size) {
		long numel = 1;
		for (long s : size)
			numel *= s;
		return tensor("FloatStorage", key, numel, 0, size, TensorBytes.rowMajorStrides(size));
	}

	byte[] stop() {
		return op('.').bytes();
	}

	byte[] bytes() {
		return out.toByteArray();
	}
}
