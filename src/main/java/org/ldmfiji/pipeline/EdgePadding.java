package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * Pads images [B, C, H, W] at the bottom and right by repeating the last row and column, up to a multiple the
 * networks need (their downsampling levels), and crops results back. Repeating the edge, as AUTOMATIC1111's LDSR
 * does, keeps the padding free of new structure the model would react to.
 */
final class EdgePadding {

	private EdgePadding() {}

	/** The smallest multiple of {@code multiple} that is at least {@code size}. */
	static long roundUp(long size, int multiple) {
		return (size + multiple - 1) / multiple * multiple;
	}

	static NDArray pad(NDArray x, int multiple) {
		long h = x.getShape().get(2);
		long w = x.getShape().get(3);
		NDArray out = x;
		long padH = roundUp(h, multiple) - h;
		long padW = roundUp(w, multiple) - w;
		if (padH > 0) out = NDArrays.concat(new NDList(out, out.get(new NDIndex(":, :, -1:, :")).repeat(2, padH)), 2);
		if (padW > 0) out = NDArrays.concat(new NDList(out, out.get(new NDIndex(":, :, :, -1:")).repeat(3, padW)), 3);
		return out;
	}

	/** The top-left {@code height × width} of {@code x}. */
	static NDArray crop(NDArray x, long height, long width) {
		if (x.getShape().get(2) == height && x.getShape().get(3) == width) return x;
		return x.get(new NDIndex(":, :, :{}, :{}", height, width));
	}
}
