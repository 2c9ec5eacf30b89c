package org.ldmfiji.pipeline.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
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
 *
 * <p>Tiles may be worked on in groups, stacked along the batch axis: every tile of a grid has the same size, and one
 * call on a batch of small tiles costs little more than a call on one, where the per-op cost outweighs the arithmetic.
 */
final class TileFusion {

	/** What is done to one tile. Runs inside the tile's scope: everything it allocates but its result is freed. */
	interface TileWork {
		NDArray apply(int tile, NDArray input);
	}

	/**
	 * What is done to a group of tiles at once: {@code stacked} holds their inputs along the batch axis, in the order of
	 * {@code tiles} (each tile's whole batch, then the next tile's), and the result must hold their outputs the same way.
	 * Runs inside the group's scope.
	 */
	interface GroupWork {
		NDArray apply(int[] tiles, NDArray stacked);
	}

	private TileFusion() {}

	/**
	 * One tile at a time.
	 *
	 * @param weights the output grid's {@link TileGrid#weights}
	 * @return the fused output [B, C, out height, out width], attached to the input's manager
	 */
	static NDArray run(NDArray input, TileGrid in, TileGrid out, NDArray[] weights, TileWork work, TaskMonitor monitor) {
		return run(input, in, out, weights, 1, (tiles, stacked) -> work.apply(tiles[0], stacked), monitor);
	}

	/**
	 * Up to {@code group} tiles at a time, in the grid's order.
	 *
	 * @param weights the output grid's {@link TileGrid#weights}
	 * @return the fused output [B, C, out height, out width], attached to the input's manager
	 */
	static NDArray run(NDArray input, TileGrid in, TileGrid out, NDArray[] weights, int group, GroupWork work,
		TaskMonitor monitor)
	{
		if (in.count() != out.count()) throw new IllegalArgumentException("input and output grids differ: " + in + " vs " + out);
		if (group < 1) throw new IllegalArgumentException("tiles per group must be positive, not " + group);
		NDArray fused = null;
		try {
			for (int first = 0; first < in.count(); first += group) {
				monitor.checkCanceled();
				int[] tiles = new int[Math.min(group, in.count() - first)];
				for (int i = 0; i < tiles.length; i++) tiles[i] = first + i;
				monitor.tile(first + tiles.length, in.count());
				NDList weighted = Scoped.keepAll(input.getManager(), () -> weightedOutputs(input, in, weights, tiles, work));
				for (int i = 0; i < tiles.length; i++) {
					NDArray w = weighted.get(i);
					if (fused == null) {
						Shape s = w.getShape();
						fused = input.getManager().zeros(new Shape(s.get(0), s.get(1), out.height(), out.width()), w.getDataType());
					}
					NDIndex where = out.index(tiles[i]);
					try (NDArray region = fused.get(where); NDArray sum = region.add(w)) {
						fused.set(where, sum);
					}
				}
				weighted.close();
				NativeAllocator.release(); // the next group starts from the live arrays, not from this one's peak
			}
		} catch (RuntimeException | Error e) {
			if (fused != null) fused.close();
			throw e;
		}
		return fused;
	}

	/** The group's outputs, each multiplied by its tile's weights, in the order of {@code tiles}. */
	private static NDList weightedOutputs(NDArray input, TileGrid in, NDArray[] weights, int[] tiles, GroupWork work) {
		NDList cut = new NDList(tiles.length);
		for (int k : tiles) cut.add(input.get(in.index(k)));
		NDArray result = work.apply(tiles, stacked(cut));
		NDList parts = tiles.length == 1 ? new NDList(result) : result.split(tiles.length, 0);
		NDList weighted = new NDList(tiles.length);
		for (int i = 0; i < tiles.length; i++) weighted.add(parts.get(i).mul(weights[tiles[i]]));
		return weighted;
	}

	/** Arrays stacked along the batch axis; a single one as it is, without a copy. */
	static NDArray stacked(NDList arrays) {
		return arrays.size() == 1 ? arrays.get(0) : NDArrays.concat(arrays, 0);
	}
}
