package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.ManagerPerClassTest;

/**
 * The harmonic fill solved on the hole's neighbourhood only is the fill solved on the whole image (its correctness on
 * known harmonic functions: ClassicalMetricsTest).
 */
class HarmonicFillTest extends ManagerPerClassTest {

	@ParameterizedTest(name = "hole rows {0}-{1}, columns {2}-{3}")
	@CsvSource({
		"40, 60, 70, 95",   // inside
		"0, 12, 130, 150",  // at the top right corner
		"10, 110, 0, 150",  // from edge to edge across
		"30, 31, 149, 150", // one pixel at the right edge
	})
	void aHoleIsSolvedOnItsNeighbourhoodAsOnTheWholeImage(int y0, int y1, int x0, int x1) {
		NDArray image = manager.randomUniform(0f, 1f, new Shape(2, 1, 120, 150)).toType(DataType.FLOAT64, false);
		NDArray hole = manager.zeros(new Shape(2, 1, 120, 150));
		hole.set(new NDIndex("0, :, {}:{}, {}:{}", y0, y1, x0, x1), 1f);
		hole.set(new NDIndex("1, :, 50:55, 20:30"), 1f); // and another in the second image
		NDArray whole = HarmonicFill.solve(image, hole, 1e-10);
		NDArray boxed = HarmonicFill.fill(image, hole);
		assertEquals(0, boxed.sub(whole).abs().max().getDouble(), 1e-9);
		assertEquals(0, boxed.sub(image).mul(hole.eq(0f).toType(DataType.FLOAT64, false)).abs().max().getDouble(), "kept pixels");
	}
}
