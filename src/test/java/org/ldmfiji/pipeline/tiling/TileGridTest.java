package org.ldmfiji.pipeline.tiling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import net.imglib2.Interval;
import net.imglib2.util.Intervals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** The grid's geometry and weights: where tiles go, how they overlap, and that the weights fuse to exactly 1. */
class TileGridTest extends ManagerPerClassTest {

	@ParameterizedTest(name = "{0}x{1}, tile {2}, overlap {3}, multiple {4}: rows at {5}, columns at {6}")
	@CsvSource(delimiter = '|', value = {
		// height | width | tile | overlap | multiple | row starts | column starts | description
		"32  | 32  | 64 | 16 | 8 | 0            | 0              | 1×1 of 32×32 px",
		"64  | 64  | 64 | 16 | 8 | 0            | 0              | 1×1 of 64×64 px",
		"96  | 64  | 64 | 16 | 8 | 0 32         | 0              | 1×2 of 64×64 px, overlap 32",
		"32  | 48  | 16 | 4  | 2 | 0 8 16       | 0 10 22 32     | 4×3 of 16×16 px, overlap 4",
		"200 | 200 | 64 | 16 | 8 | 0 48 88 136  | 0 48 88 136    | 4×4 of 64×64 px, overlap 16",
		"64  | 64  | 32 | 0  | 8 | 0 32         | 0 32           | 2×2 of 32×32 px, overlap 0",
		"10  | 7   | 4  | 1  | 1 | 0 3 6        | 0 3            | 2×3 of 4×4 px, overlap 1",
		"512 | 512 | 296| 74 | 8 | 0 216        | 0 216          | 2×2 of 296×296 px, overlap 80",
		"48  | 16  | 32 | 8  | 8 | 0 16         | 0              | 1×2 of 16×32 px, overlap 16"})
	void tilesGoWhereExpected(long h, long w, int tile, int overlap, int multiple, String rowStarts, String columnStarts, String text) {
		TileGrid g = TileGrid.cover(h, w, tile, overlap, multiple);
		TreeSet<Long> rows = new TreeSet<>();
		TreeSet<Long> columns = new TreeSet<>();
		for (Interval t : g.tiles()) {
			columns.add(t.min(0));
			rows.add(t.min(1));
		}
		assertEquals(rowStarts, join(rows));
		assertEquals(columnStarts, join(columns));
		assertEquals(text, g.toString());
		assertEquals(rows.size() * columns.size(), g.count());
	}

	@Test
	void everyGridCoversItsPlaneFlushWithOverlapsAtLeastAsAskedAndTilesOnTheMultiple() {
		for (int multiple : new int[] {1, 2, 8}) {
			for (long h = multiple; h <= 20L * multiple; h += 3L * multiple) {
				for (long w = multiple; w <= 20L * multiple; w += 5L * multiple) {
					for (int tile = multiple; tile <= 12 * multiple; tile += multiple) {
						for (int overlap = 0; (overlap + multiple - 1) / multiple * multiple < tile; overlap += Math.max(1, multiple / 2)) {
							check(TileGrid.cover(h, w, tile, overlap, multiple), h, w, tile, overlap, multiple);
						}
					}
				}
			}
		}
	}

	private static void check(TileGrid g, long h, long w, int tile, int overlap, int multiple) {
		String what = h + "x" + w + " tile " + tile + " overlap " + overlap + " multiple " + multiple + ": " + g;
		Interval union = null;
		for (Interval t : g.tiles()) {
			assertTrue(Intervals.contains(g.plane(), t), what);
			assertEquals(Math.min(tile, w), t.dimension(0), what);
			assertEquals(Math.min(tile, h), t.dimension(1), what);
			assertEquals(0, t.min(0) % multiple, what);
			assertEquals(0, t.min(1) % multiple, what);
			union = union == null ? t : Intervals.union(union, t);
		}
		assertTrue(Intervals.equals(g.plane(), union), what);
		if (g.count() > 1) assertTrue(g.overlap() >= overlap, what);
		// no gaps: with equal sides and overlaps of at least 0 the union is the plane only if every stride <= side
		Interval last = g.tile(g.count() - 1);
		assertEquals(w - 1, last.max(0), what);
		assertEquals(h - 1, last.max(1), what);
	}

	@Test
	void weightsArePositiveSumToOneAndAreExactlyOneWhereOneTileCovers() {
		for (TileGrid g : List.of(TileGrid.cover(32, 48, 16, 4, 2), TileGrid.cover(200, 136, 64, 16, 8), TileGrid.cover(10, 7, 4, 1, 1),
			TileGrid.cover(64, 64, 32, 0, 8), TileGrid.cover(40, 40, 16, 12, 4), TileGrid.cover(32, 48, 16, 4, 2).scaled(4))) {
			try (NDManager m = manager.newSubManager()) {
				NDArray[] weights = g.weights(m);
				NDArray sum = m.zeros(new ai.djl.ndarray.types.Shape(1, 1, g.height(), g.width()));
				NDArray coverage = m.zeros(sum.getShape());
				for (int k = 0; k < g.count(); k++) {
					assertTrue(weights[k].min().getFloat() > 0, g + ": tile " + k + " has a zero weight");
					sum.set(g.index(k), sum.get(g.index(k)).add(weights[k]));
					coverage.set(g.index(k), coverage.get(g.index(k)).add(1f));
				}
				assertTrue(sum.sub(1f).abs().max().getFloat() < 1e-6f, g + ": weights sum to " + sum.min().getFloat() + ".." + sum.max().getFloat());
				NDArray single = coverage.eq(1f);
				assertTrue(sum.get(single).eq(1f).all().getBoolean(), g + ": a pixel of a single tile has weight exactly 1");
			}
		}
	}

	@Test
	void aScaledGridHasTheSameTilesInFinerPixels() {
		TileGrid g = TileGrid.cover(32, 48, 16, 4, 2);
		TileGrid image = g.scaled(4);
		assertEquals(g.count(), image.count());
		assertEquals(128, image.height());
		assertEquals(192, image.width());
		for (int k = 0; k < g.count(); k++) {
			Interval t = g.tile(k);
			assertTrue(Intervals.equals(Intervals.createMinSize(4 * t.min(0), 4 * t.min(1), 4 * t.dimension(0), 4 * t.dimension(1)), image.tile(k)));
		}
		assertEquals("4×3 of 64×64 px, overlap 16", image.toString());
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"side not a multiple | 30 | 32 | 16 | 4 | 8 | a tiled plane must have sides that are positive multiples of 8, not 32x30",
		"tile not a multiple | 32 | 32 | 12 | 4 | 8 | the tile side must be a positive multiple of 8, not 12",
		"overlap too large   | 32 | 32 | 16 | 9 | 8 | the tile overlap must lie in 0..8 for tiles of 16, not 9",
		"negative overlap    | 32 | 32 | 16 | -1 | 8 | the tile overlap must lie in 0..8 for tiles of 16, not -1",
		"bad multiple        | 32 | 32 | 16 | 4 | 0 | the tile multiple must be positive, not 0"})
	void impossibleGridsAreRefusedWithTheReason(String what, long h, long w, int tile, int overlap, int multiple, String message) {
		assertEquals(message, assertThrows(IllegalArgumentException.class, () -> TileGrid.cover(h, w, tile, overlap, multiple)).getMessage());
	}

	private static String join(TreeSet<Long> values) {
		List<String> s = new ArrayList<>();
		for (long v : values) s.add(Long.toString(v));
		return String.join(" ", s);
	}
}
