package org.ldmfiji.pipeline.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.pipeline.TaskMonitor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A denoiser that evaluates another one tile by tile and fuses the predictions with the grid's weights, at every
 * sampling step: the reference's {@code apply_model} with {@code split_input_params}. Because the tiles' outputs
 * are fused before the sampler takes its step, neighbouring tiles share one sample and cannot drift apart.
 *
 * <p>Several tiles can go through the model in one call, stacked along the batch axis with their conditioning (see
 * {@link TilePlan#denoiserGroup}); each tile's prediction is the one it gets alone, to float rounding.
 */
public final class TiledDenoiser implements Denoiser, AutoCloseable {

	private final TileGrid grid;
	private final int group;
	private final Function<int[], Denoiser> groupDenoiser;
	private final TaskMonitor monitor;
	private final NDArray[] weights;

	/**
	 * @param grid          the tiles, in latent pixels
	 * @param group         how many tiles go through the model in one call
	 * @param groupDenoiser the denoiser of a group of tiles, stacked along the batch axis in the order given: the model
	 *                      with its conditioning cut to those tiles (see {@link #conditioning}); called inside the
	 *                      group's scope on every step
	 * @param manager       holds the grid's weights, made once here, until {@link #close} or the manager closes
	 */
	public TiledDenoiser(TileGrid grid, int group, Function<int[], Denoiser> groupDenoiser, TaskMonitor monitor,
		NDManager manager)
	{
		this.grid = grid;
		this.group = group;
		this.groupDenoiser = groupDenoiser;
		this.monitor = monitor == null ? TaskMonitor.NONE : monitor;
		this.weights = grid.weights(manager);
	}

	@Override
	public NDArray predict(NDArray x, double t) {
		if (x.getShape().get(2) != grid.height() || x.getShape().get(3) != grid.width()) {
			throw new IllegalArgumentException("the sample is " + x.getShape() + " but the tiles cover " + grid.width() + "x" + grid.height());
		}
		return TileFusion.run(x, grid, grid, weights, group, (tiles, stacked) -> groupDenoiser.apply(tiles).predict(stacked, t), monitor);
	}

	/**
	 * The conditioning of a group of tiles, stacked along the batch axis in the order given: what is concatenated to
	 * the sample (a low-resolution image, a masked image and its mask, a label map; all in latent pixels) cut to each
	 * tile, cross-attention contexts and class labels whole, once per tile.
	 *
	 * @return null for null
	 */
	public static Conditioning conditioning(Conditioning c, TileGrid grid, int... tiles) {
		if (c == null || tiles.length == 1 && c.concat.isEmpty()) return c;
		List<NDArray> concat = new ArrayList<>(c.concat.size());
		for (NDArray a : c.concat) {
			NDList cut = new NDList(tiles.length);
			for (int k : tiles) cut.add(a.get(grid.index(k)));
			concat.add(TileFusion.stacked(cut));
		}
		List<NDArray> crossattn = new ArrayList<>(c.crossattn.size());
		for (NDArray a : c.crossattn) {
			NDList copies = new NDList(tiles.length);
			for (int i = 0; i < tiles.length; i++) copies.add(a);
			crossattn.add(TileFusion.stacked(copies));
		}
		return new Conditioning(concat, crossattn);
	}

	public TileGrid grid() {
		return grid;
	}

	@Override
	public void close() {
		for (NDArray w : weights) w.close();
	}
}
