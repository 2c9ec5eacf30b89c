package org.ldmfiji.pipeline.tiling;

import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.pipeline.LatentSequence;

import java.util.Locale;
import java.util.function.LongBinaryOperator;

/**
 * How a run is cut into tiles: one grid for the denoiser and one for the first stage, both in latent pixels. Each
 * comes from the memory budget (the largest square tile whose estimated peak fits, see {@link MemoryEstimate}), or
 * from the user's tile size, which overrides the budget for both. A grid of one tile means the untiled path, which
 * gives exactly what it gave before tiling existed.
 */
public final class TilePlan {

	/** The denoiser's tiles. */
	public final TileGrid denoiser;
	/**
	 * How many of the denoiser's tiles go through the model in one call, stacked along the batch axis: as many as the
	 * memory budget holds, at most {@link #MAX_DENOISER_GROUP}. Small tiles (a model card's 128-pixel tiles over a large
	 * image) are then no longer dominated by the cost of each op's call.
	 */
	public final int denoiserGroup;
	/** The first stage's tiles (decoder and encoder). */
	public final TileGrid firstStage;
	/** The latent pixels per image pixel side: images are this much larger than latents. */
	public final int factor;

	/**
	 * The most tiles in one denoiser call, so that a generous budget does not stack a whole image into one call.
	 * Measured with fluo-sr4x's 32×32 latent tiles (its card's 128-pixel tiles; 256² → 1024², 121 tiles, 2 threads):
	 * 117 s one at a time, 81 s in groups of 16, the same image to one grey level in 16 bits.
	 */
	static final int MAX_DENOISER_GROUP = 16;

	private TilePlan(TileGrid denoiser, int denoiserGroup, TileGrid firstStage, int factor) {
		this.denoiser = denoiser;
		this.denoiserGroup = denoiserGroup;
		this.firstStage = firstStage;
		this.factor = factor;
	}

	/**
	 * @param height        the latent's height (a multiple of the UNet's {@link LatentSequence#sideMultiple})
	 * @param width         the latent's width
	 * @param batch         images sampled together
	 * @param guided        whether classifier-free guidance doubles the denoiser's batch
	 * @param tileSize      side of a tile in pixels of the generated image, 0 = from the budget
	 * @param maxMemoryMiB  the budget for one tile's work, 0 = automatic ({@link MemoryEstimate#budget})
	 */
	public static TilePlan of(LdmConfig config, long height, long width, long batch, boolean guided, int tileSize, long maxMemoryMiB) {
		int f = config.firstStage.ddconfig.downsamplingFactor();
		int multiple = LatentSequence.sideMultiple(config);
		long budget = MemoryEstimate.budget(maxMemoryMiB);
		long denoiserBatch = guided ? 2 * batch : batch;
		if (tileSize > 0) {
			int side = Math.max(multiple, tileSize / f / multiple * multiple);
			TileGrid grid = grid(height, width, side, multiple);
			return new TilePlan(grid, group(grid, budget, config, denoiserBatch), grid, f);
		}
		TileGrid denoiser = fitting(height, width, multiple, budget,
			(h, w) -> MemoryEstimate.unet(config.unet, denoiserBatch, h, w));
		TileGrid firstStage = fitting(height, width, multiple, budget,
			(h, w) -> Math.max(MemoryEstimate.decoder(config.firstStage.ddconfig, batch, h, w),
				MemoryEstimate.encoder(config.firstStage.ddconfig, batch, h, w)));
		return new TilePlan(denoiser, group(denoiser, budget, config, denoiserBatch), firstStage, f);
	}

	/** The most tiles of {@code grid} whose stacked denoiser call fits the budget: at least 1, at most the tile count. */
	private static int group(TileGrid grid, long budget, LdmConfig config, long denoiserBatch) {
		int most = Math.min(MAX_DENOISER_GROUP, grid.count());
		int g = 1;
		while (g < most && MemoryEstimate.unet(config.unet, denoiserBatch * (g + 1), grid.tileHeight(), grid.tileWidth()) <= budget) g++;
		return g;
	}

	/** The overlap for a tile side: a quarter of it, less than the side once rounded up to the multiple. */
	static int overlap(int side, int multiple) {
		return Math.min((side + 3) / 4, side - multiple);
	}

	private static TileGrid grid(long height, long width, int side, int multiple) {
		if (side >= height && side >= width) return TileGrid.single(height, width);
		return TileGrid.cover(height, width, side, overlap(side, multiple), multiple);
	}

	/**
	 * The largest square tile whose estimate fits the budget (the smallest possible where none does: the run may
	 * then run out of memory, and the message says to lower the tile size), then shrunk to the smallest side that
	 * still needs no more tiles, so that no more is computed twice in the overlaps than the count requires.
	 */
	private static TileGrid fitting(long height, long width, int multiple, long budget, LongBinaryOperator estimate) {
		long longest = Math.max(height, width);
		int best = multiple;
		for (long side = multiple; side <= longest; side += multiple) {
			if (estimate.applyAsLong(Math.min(side, height), Math.min(side, width)) > budget) break;
			best = (int) side;
		}
		TileGrid grid = grid(height, width, best, multiple);
		if (grid.count() == 1) return grid;
		for (int side = best - multiple; side >= multiple; side -= multiple) {
			TileGrid smaller = grid(height, width, side, multiple);
			if (smaller.count() > grid.count()) break;
			grid = smaller;
		}
		return grid;
	}

	/** Whether the denoiser runs tile by tile. */
	public boolean tilesDenoiser() {
		return denoiser.count() > 1;
	}

	/** Whether the first stage runs tile by tile. */
	public boolean tilesFirstStage() {
		return firstStage.count() > 1;
	}

	public boolean isTiled() {
		return tilesDenoiser() || tilesFirstStage();
	}

	/**
	 * One line for the log and the command line, e.g. "tiles: 3×2 of 64×64 latent px, overlap 16 (denoiser);
	 * 6×4 of 32×32 latent px, overlap 8 (first stage)", "tiles: 43×43 of 32×32 latent px, overlap 8, 16 per denoiser
	 * call", "tiles: untiled (denoiser); ..." or "untiled".
	 */
	public String describe() {
		if (!isTiled()) return "untiled";
		if (denoiser.toString().equals(firstStage.toString())) return "tiles: " + latent(denoiser) + perCall(" denoiser");
		return String.format(Locale.ROOT, "tiles: %s%s (denoiser); %s (first stage)", latent(denoiser), perCall(""), latent(firstStage));
	}

	/** ", 16 per denoiser call" (with {@code what} " denoiser"), or nothing where tiles go one at a time. */
	private String perCall(String what) {
		return denoiserGroup > 1 ? ", " + denoiserGroup + " per" + what + " call" : "";
	}

	private static String latent(TileGrid g) {
		return g.count() == 1 ? "untiled" : g.toString().replace(" px", " latent px");
	}

	@Override
	public String toString() {
		return describe();
	}
}
