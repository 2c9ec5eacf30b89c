package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Copies between Java arrays and libtorch tensors without DJL's per-call direct buffers: {@code create(float[])} and
 * {@code toFloatArray()} each allocate and zero a fresh one, which for the generator's field-sized arrays cost more than
 * the arithmetic on them. Writing goes through one direct buffer kept here, reading through a view of the tensor's memory.
 */
final class TensorCopies {

	private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

	/**
	 * A float32 tensor of {@code shape} holding {@code values[0, shape.size())}. It shares this object's buffer instead of
	 * owning its memory, so it is only good for one op whose result is a new tensor, before the next call here.
	 */
	NDArray shared(NDManager m, float[] values, Shape shape) {
		int n = Math.toIntExact(shape.size());
		if (buffer.capacity() < 4 * n) buffer = ByteBuffer.allocateDirect(4 * n);
		ByteBuffer view = buffer.duplicate().clear().limit(4 * n).slice().order(ByteOrder.nativeOrder());
		view.asFloatBuffer().put(values, 0, n);
		return m.create(view, shape, DataType.FLOAT32);
	}

	/** The values of {@code a} (float32, on the CPU), read in place: valid while {@code a} is open. */
	static FloatBuffer view(NDArray a) {
		if (a.getDataType() != DataType.FLOAT32) throw new IllegalArgumentException("expected a float32 tensor, got " + a.getDataType());
		return a.toByteBuffer(true).asFloatBuffer();
	}

	/** The values of {@code a} (float32, on the CPU) copied into {@code into}, which must hold them all. */
	static float[] read(NDArray a, float[] into) {
		view(a).get(into, 0, Math.toIntExact(a.size()));
		return into;
	}
}
