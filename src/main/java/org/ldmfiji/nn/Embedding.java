package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;

/** torch.nn.Embedding: a lookup table {@code weight [n, dim]} indexed by int64 ids. */
public final class Embedding {

	private final NDArray weight;
	private final long n;

	public Embedding(Weights w, long n, long dim) {
		this.weight = w.param("weight", Init.normal(1.0), n, dim);
		this.n = n;
	}

	/** ids of any shape → ids' shape + [dim]. */
	public NDArray forward(NDArray ids) {
		long min = ids.min().toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
		long max = ids.max().toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
		if (min < 0 || max >= n) {
			throw new IllegalArgumentException("class id out of range: ids must lie in [0, " + (n - 1) + "], got "
				+ (min < 0 ? min : max));
		}
		NDArray flat = ids.flatten().toType(ai.djl.ndarray.types.DataType.INT64, false);
		return weight.get(flat).reshape(ids.getShape().addAll(new ai.djl.ndarray.types.Shape(weight.getShape().get(1))));
	}
}
