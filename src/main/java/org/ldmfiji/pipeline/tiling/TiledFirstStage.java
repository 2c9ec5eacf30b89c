package org.ldmfiji.pipeline.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.autoencoder.FirstStage;
import org.ldmfiji.pipeline.TaskMonitor;

/**
 * The first stage tile by tile, as the reference's {@code decode_first_stage} / {@code encode_first_stage} do with
 * {@code patch_distributed_vq}: each latent tile decoded to an image tile f times larger (or each image tile encoded
 * to its latent tile), the outputs fused with the grid's weights. The decoder's and encoder's memory grow with the
 * square of the area (mid-block attention over every latent pixel), so large images need this even where the
 * denoiser fits whole.
 */
public final class TiledFirstStage {

	private TiledFirstStage() {}

	/**
	 * {@code decode_first_stage(latent)}, tiled.
	 *
	 * @param grid the tiles in latent pixels
	 * @return the image in [-1, 1] (unclipped), attached to the latent's manager
	 */
	public static NDArray decode(LatentDiffusion model, NDArray latent, TileGrid grid, TaskMonitor monitor) {
		TileGrid image = grid.scaled(model.firstStage().downsamplingFactor());
		return fuse(latent, grid, image, (k, z) -> model.decodeFirstStage(z, true), monitor);
	}

	/**
	 * The first stage's deterministic encoding (VQ: the latent before quantisation; KL: the posterior's mode, as the
	 * untiled {@link FirstStage#encode} takes it), unscaled, tiled.
	 *
	 * @param grid the tiles in latent pixels; the image is f times larger
	 */
	public static NDArray encode(FirstStage firstStage, NDArray image, TileGrid grid, TaskMonitor monitor) {
		TileGrid imageGrid = grid.scaled(firstStage.downsamplingFactor());
		return fuse(image, imageGrid, grid, (k, x) -> firstStage.encode(x), monitor);
	}

	/** {@code encode_first_stage} as the diffusion model sees it: {@link #encode} times the model's scale factor. */
	public static NDArray encodeScaled(LatentDiffusion model, NDArray image, TileGrid grid, TaskMonitor monitor) {
		return Scoped.keep(image.getManager(), () -> encode(model.firstStage(), image, grid, monitor).mul(model.scaleFactor()));
	}

	private static NDArray fuse(NDArray input, TileGrid in, TileGrid out, TileFusion.TileWork work, TaskMonitor monitor) {
		NDManager m = input.getManager();
		return Scoped.keep(m, () -> TileFusion.run(input, in, out, out.weights(m), work, monitor == null ? TaskMonitor.NONE : monitor));
	}
}
