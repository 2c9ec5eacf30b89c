package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Scoped;
import ai.djl.ndarray.types.Shape;

/**
 * torch.nn.GroupNorm with affine weights. DJL has no group norm; a layer norm over the
 * {@code [N, groups, rest]} view normalises each group exactly as group norm does (population variance),
 * followed by the per-channel affine.
 */
public final class GroupNorm {

	private final NDArray weight;
	private final NDArray bias;
	private final int groups;
	private final long channels;
	private final float eps;

	public GroupNorm(Weights w, int groups, long channels, float eps) {
		this.weight = w.param("weight", Init.ones(), channels);
		this.bias = w.param("bias", Init.zeros(), channels);
		this.groups = groups;
		this.channels = channels;
		this.eps = eps;
	}

	/** The reference's {@code normalization(ch)} / {@code Normalize(ch)}: 32 groups. */
	public static GroupNorm of32(Weights w, long channels, float eps) {
		return new GroupNorm(w, 32, channels, eps);
	}

	public NDArray forward(NDArray x) {
		return Scoped.layer(x, () -> normalise(x));
	}

	private NDArray normalise(NDArray x) {
		Shape shape = x.getShape();
		long n = shape.get(0);
		NDArray grouped = x.reshape(n, groups, -1);
		long rest = grouped.getShape().get(2);
		Shape restShape = new Shape(rest);
		NDArray normalised = ai.djl.nn.norm.LayerNorm.layerNorm(grouped, restShape,
			x.getManager().ones(restShape), x.getManager().zeros(restShape), eps).singletonOrThrow();
		Shape affine = new Shape(1, channels).addAll(new Shape(ones(shape.dimension() - 2)));
		return normalised.reshape(shape).mul(weight.reshape(affine)).add(bias.reshape(affine));
	}

	private static long[] ones(int n) {
		long[] a = new long[n];
		java.util.Arrays.fill(a, 1);
		return a;
	}
}
