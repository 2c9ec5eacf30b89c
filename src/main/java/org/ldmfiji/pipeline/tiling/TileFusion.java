package org.ldmfiji.pipeline.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.engine.NativeAllocator;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.pipeline.TaskMonitor;

/**
 * The one loop of every tiled computation: cut a tile from the input, run the work on it in its own native-memory
 * scope, weight its output and add it into the fused output; progress told and cancellation honoured between tiles.
 * The input and output grids have the same tiles in different coordinates (latent → image for the decoder, image →
 * latent for the encoder, latent → latent for the denoiser).
 */
final class TileFusion {

	/** What is done to one tile. Runs inside the tile's scope: everything it allocates but its result is freed. */
	interface TileWork {
		NDArray apply(int tile, NDArray input);
	}

	private TileFusion() {}

	/**
	 * @param weights the output grid's {@link TileGrid#weights}
	 * @return the fused output [B, C, out height, out width], attached to the input's manager
	 */
	static NDArray run(NDArray input, TileGrid in, TileGrid out, NDArray[] weights, TileWork work, TaskMonitor monitor) {
		if (in.count() != out.count()) throw new IllegalArgumentException("input and output grids differ: " + in + " vs " + out);
		NDArray fused = null;
		try {
			for (int k = 0; k < in.count(); k++) {
				monitor.checkCanceled();
				monitor.tile(k + 1, in.count());
				int tile = k;
				NDArray weighted = Scoped.keep(input.getManager(), () -> work.apply(tile, input.get(in.index(tile))).mul(weights[tile]));
				if (fused == null) {
					Shape s = weighted.getShape();
					fused = input.getManager().zeros(new Shape(s.get(0), s.get(1), out.height(), out.width()), weighted.getDataType());
				}
				NDIndex where = out.index(k);
				try (NDArray region = fused.get(where); NDArray sum = region.add(weighted)) {
					fused.set(where, sum);
				}
				weighted.close();
				NativeAllocator.release(); // the next tile starts from the live arrays, not from this one's peak
			}
		} catch (RuntimeException | Error e) {
			if (fused != null) fused.close();
			throw e;
		}
		return fused;
	}
}
