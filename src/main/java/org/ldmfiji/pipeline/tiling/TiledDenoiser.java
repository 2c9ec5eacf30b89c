package org.ldmfiji.pipeline.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.pipeline.TaskMonitor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A denoiser that evaluates another one tile by tile and fuses the predictions with the grid's weights, at every
 * sampling step: the reference's {@code apply_model} with {@code split_input_params}. Because the tiles' outputs
 * are fused before the sampler takes its step, neighbouring tiles share one sample and cannot drift apart.
 */
public final class TiledDenoiser implements Denoiser, AutoCloseable {

	private final TileGrid grid;
	private final IntFunction<Denoiser> tileDenoiser;
	private final TaskMonitor monitor;
	private final NDArray[] weights;

	/**
	 * @param grid         the tiles, in latent pixels
	 * @param tileDenoiser the denoiser of tile k: the model with its conditioning cut to the tile (see
	 *                     {@link #conditioning}); called inside the tile's scope on every step
	 * @param manager      holds the grid's weights, made once here, until {@link #close} or the manager closes
	 */
	public TiledDenoiser(TileGrid grid, IntFunction<Denoiser> tileDenoiser, TaskMonitor monitor, NDManager manager) {
		this.grid = grid;
		this.tileDenoiser = tileDenoiser;
		this.monitor = monitor == null ? TaskMonitor.NONE : monitor;
		this.weights = grid.weights(manager);
	}

	@Override
	public NDArray predict(NDArray x, double t) {
		if (x.getShape().get(2) != grid.height() || x.getShape().get(3) != grid.width()) {
			throw new IllegalArgumentException("the sample is " + x.getShape() + " but the tiles cover " + grid.width() + "x" + grid.height());
		}
		return TileFusion.run(x, grid, grid, weights, (k, tile) -> tileDenoiser.apply(k).predict(tile, t), monitor);
	}

	/**
	 * The conditioning of tile k: what is concatenated to the sample (a low-resolution image, a masked image and its
	 * mask, a label map; all in latent pixels) cut to the tile, cross-attention contexts and class labels whole.
	 *
	 * @return null for null
	 */
	public static Conditioning conditioning(Conditioning c, TileGrid grid, int k) {
		if (c == null || c.concat.isEmpty()) return c;
		List<NDArray> concat = new ArrayList<>(c.concat.size());
		for (NDArray a : c.concat) concat.add(a.get(grid.index(k)));
		return new Conditioning(concat, c.crossattn);
	}

	public TileGrid grid() {
		return grid;
	}

	@Override
	public void close() {
		for (NDArray w : weights) w.close();
	}
}
