package org.ldmfiji.pipeline.tiling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;
import net.imglib2.util.Intervals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Overlapping tiles covering an h×w plane (latent or image pixels), with the weights that fuse their outputs.
 *
 * <p>Along each axis the tiles all have the same side, the first starts at 0 and the last ends flush with the
 * border, and the ones between are spread evenly; one tile when the side covers the axis. Starts and sides are
 * multiples of a given multiple (the UNet's), so every tile sees the same downsampling phase as the whole plane
 * and neighbours agree better where they overlap. Neighbours overlap by at least the requested overlap.
 *
 * <p>Weights: per axis, a tile's weight ramps linearly from its edge across the overlap with each neighbour
 * (and stays 1 at the plane's border and inside), so two neighbours cross-fade exactly over their common
 * strip. The 2-D weight is the product of the two axes' weights divided by the sum over all tiles, which is
 * separable too: every pixel's weights sum to 1, a pixel covered by one tile has weight exactly 1, and no
 * weight is 0. This plays the role of the reference's {@code get_weighting} + {@code fold(weighting)}
 * normalisation in {@code LatentDiffusion.apply_model} with {@code split_input_params}.
 *
 * <p>Tiles are numbered row by row; {@link #tile(int)} gives a tile as an ImgLib2 interval in (x, y) order.
 */
public final class TileGrid {

	/** The tiles along one axis. */
	private static final class Axis {
		final long length;
		final long side;
		final long[] starts;

		Axis(long length, long side, long[] starts) {
			this.length = length;
			this.side = side;
			this.starts = starts;
		}

		static Axis cover(long length, long tile, long overlap, int multiple) {
			if (length <= tile) return new Axis(length, length, new long[] {0});
			// in units of the multiple, so that every start is one; the overlap rounded up never shrinks
			long units = length / multiple;
			long tileUnits = tile / multiple;
			long overlapUnits = (overlap + multiple - 1) / multiple;
			long strideUnits = tileUnits - overlapUnits;
			long n = 1 + (units - tileUnits + strideUnits - 1) / strideUnits;
			long[] starts = new long[(int) n];
			for (int i = 0; i < n; i++) {
				// rounded even spread: consecutive starts differ by at most ceil((units - tile) / (n - 1)) <= stride
				starts[i] = Math.round((double) i * (units - tileUnits) / (n - 1)) * multiple;
			}
			return new Axis(length, tile, starts);
		}

		int count() {
			return starts.length;
		}

		long end(int i) {
			return starts[i] + side;
		}

		/** How much tile i overlaps the next (0 for the last). */
		long overlapWithNext(int i) {
			return i + 1 < starts.length ? Math.max(0, end(i) - starts[i + 1]) : 0;
		}

		long minimumOverlap() {
			long min = Long.MAX_VALUE;
			for (int i = 0; i + 1 < starts.length; i++) min = Math.min(min, overlapWithNext(i));
			return min == Long.MAX_VALUE ? 0 : min;
		}

		Axis scaled(int f) {
			long[] s = new long[starts.length];
			for (int i = 0; i < s.length; i++) s[i] = starts[i] * f;
			return new Axis(length * f, side * f, s);
		}

		/** Tile i's unnormalised weight at each of its positions: ramps across the overlaps with its neighbours. */
		double[] ramp(int i) {
			long before = i > 0 ? overlapWithNext(i - 1) : 0;
			long after = overlapWithNext(i);
			double[] w = new double[(int) side];
			for (int p = 0; p < side; p++) {
				double up = before > 0 ? Math.min(1, (p + 0.5) / before) : 1;
				double down = after > 0 ? Math.min(1, (side - p - 0.5) / after) : 1;
				w[p] = Math.min(up, down);
			}
			return w;
		}

		/**
		 * Tile i's weights divided by the sum of all tiles' weights at each position. One-dimensional and computed
		 * once per grid, which is why plain Java arrays do here what would otherwise be tensor work.
		 */
		float[] normalisedWeights(int i) {
			double[] sum = new double[(int) length];
			for (int j = 0; j < starts.length; j++) {
				double[] r = ramp(j);
				for (int p = 0; p < side; p++) sum[(int) (starts[j] + p)] += r[p];
			}
			double[] r = ramp(i);
			float[] w = new float[(int) side];
			for (int p = 0; p < side; p++) w[p] = (float) (r[p] / sum[(int) (starts[i] + p)]);
			return w;
		}
	}

	private final Axis rows;
	private final Axis columns;

	private TileGrid(Axis rows, Axis columns) {
		this.rows = rows;
		this.columns = columns;
	}

	/**
	 * @param height   the plane's height, a multiple of {@code multiple}
	 * @param width    the plane's width, a multiple of {@code multiple}
	 * @param tile     the side of a tile, a positive multiple of {@code multiple} (clipped to the plane)
	 * @param overlap  the least overlap of neighbours, less than {@code tile} once rounded up to the multiple
	 * @param multiple what sides and starts are multiples of (1 for none)
	 * @throws IllegalArgumentException naming the first value that cannot make a grid
	 */
	public static TileGrid cover(long height, long width, int tile, int overlap, int multiple) {
		if (multiple < 1) throw new IllegalArgumentException("the tile multiple must be positive, not " + multiple);
		if (height < 1 || width < 1 || height % multiple != 0 || width % multiple != 0) {
			throw new IllegalArgumentException("a tiled plane must have sides that are positive multiples of " + multiple + ", not "
				+ width + "x" + height);
		}
		if (tile < multiple || tile % multiple != 0) {
			throw new IllegalArgumentException("the tile side must be a positive multiple of " + multiple + ", not " + tile);
		}
		long overlapUnits = (Math.max(0, overlap) + multiple - 1) / multiple;
		if (overlap < 0 || overlapUnits * multiple >= tile) {
			throw new IllegalArgumentException("the tile overlap must lie in 0.." + (tile - multiple) + " for tiles of " + tile + ", not "
				+ overlap);
		}
		return new TileGrid(Axis.cover(height, tile, overlap, multiple), Axis.cover(width, tile, overlap, multiple));
	}

	/** A single tile: the whole plane. */
	public static TileGrid single(long height, long width) {
		return new TileGrid(new Axis(height, height, new long[] {0}), new Axis(width, width, new long[] {0}));
	}

	/** The same grid in coordinates {@code factor} times finer (latent → image pixels), ramps widened alike. */
	public TileGrid scaled(int factor) {
		if (factor < 1) throw new IllegalArgumentException("the scale factor must be positive, not " + factor);
		return new TileGrid(rows.scaled(factor), columns.scaled(factor));
	}

	public int count() {
		return rows.count() * columns.count();
	}

	public int rows() {
		return rows.count();
	}

	public int columns() {
		return columns.count();
	}

	public long height() {
		return rows.length;
	}

	public long width() {
		return columns.length;
	}

	public long tileHeight() {
		return rows.side;
	}

	public long tileWidth() {
		return columns.side;
	}

	/** The smallest overlap of two neighbouring tiles (0 for a single tile). */
	public long overlap() {
		long r = rows.count() > 1 ? rows.minimumOverlap() : Long.MAX_VALUE;
		long c = columns.count() > 1 ? columns.minimumOverlap() : Long.MAX_VALUE;
		long min = Math.min(r, c);
		return min == Long.MAX_VALUE ? 0 : min;
	}

	/** Tile k (row by row) as an interval in (x, y) order. */
	public Interval tile(int k) {
		int row = k / columns.count();
		int column = k % columns.count();
		return Intervals.createMinSize(columns.starts[column], rows.starts[row], columns.side, rows.side);
	}

	/** All tiles, row by row. */
	public List<Interval> tiles() {
		List<Interval> all = new ArrayList<>(count());
		for (int k = 0; k < count(); k++) all.add(tile(k));
		return all;
	}

	/** The plane as an interval in (x, y) order. */
	public Interval plane() {
		return new FinalInterval(columns.length, rows.length);
	}

	/** Tile k of an NCHW tensor. */
	public NDIndex index(int k) {
		Interval t = tile(k);
		return new NDIndex(":, :, {}:{}, {}:{}", t.min(1), t.max(1) + 1, t.min(0), t.max(0) + 1);
	}

	/**
	 * Every tile's fusion weights, [1, 1, tileHeight, tileWidth] each, attached to {@code manager}: multiply a
	 * tile's output by its weight and add it into the plane, and the plane is the fused result.
	 */
	public NDArray[] weights(NDManager manager) {
		NDArray[] out = new NDArray[count()];
		NDArray[] wy = new NDArray[rows.count()];
		NDArray[] wx = new NDArray[columns.count()];
		for (int i = 0; i < wy.length; i++) wy[i] = manager.create(rows.normalisedWeights(i), new Shape(1, 1, rows.side, 1));
		for (int j = 0; j < wx.length; j++) wx[j] = manager.create(columns.normalisedWeights(j), new Shape(1, 1, 1, columns.side));
		for (int k = 0; k < out.length; k++) out[k] = wy[k / wx.length].mul(wx[k % wx.length]);
		for (NDArray a : wy) a.close();
		for (NDArray a : wx) a.close();
		return out;
	}

	/** "3×2 of 64×64 px, overlap 16": columns × rows, then a tile's width × height, in this grid's pixels. */
	@Override
	public String toString() {
		String s = String.format(Locale.ROOT, "%d\u00d7%d of %d\u00d7%d px", columns(), rows(), tileWidth(), tileHeight());
		return count() > 1 ? s + ", overlap " + overlap() : s;
	}
}
