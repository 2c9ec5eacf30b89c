package org.ldmfiji.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.ldmfiji.pipeline.HarmonicFill;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.Random;
import java.util.function.IntBinaryOperator;

/** The harmonic fill, Otsu's threshold, the boundary gradient ratio and the histogram distance on known cases. */
class ClassicalMetricsTest extends ManagerPerClassTest {

	private static final int H = 30, W = 40;

	private static NDArray image(java.util.function.BiFunction<Integer, Integer, Double> f) {
		float[] v = new float[H * W];
		for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) v[y * W + x] = f.apply(x, y).floatValue();
		return manager.create(v, new Shape(1, 1, H, W));
	}

	private static NDArray box(int y0, int y1, int x0, int x1) {
		NDArray m = manager.zeros(new Shape(1, 1, H, W));
		m.set(new NDIndex(":, :, {}:{}, {}:{}", y0, y1, x0, x1), 1f);
		return m;
	}

	/** A linear ramp and a saddle x² − y² are discretely harmonic: the fill reproduces them. */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = {"ramp", "saddle"})
	void harmonicFillOfAHarmonicFunctionIsExact(String which) {
		NDArray truth = image((x, y) -> "ramp".equals(which) ? 0.1 + 0.02 * x + 0.01 * y
			: 0.5 + ((x - 20.0) * (x - 20) - (y - 15.0) * (y - 15)) / 1000);
		NDArray hole = box(5, 25, 8, 31);
		NDArray damaged = truth.mul(hole.neg().add(1f)).add(hole.mul(0.9f));
		NDArray filled = HarmonicFill.fill(damaged, hole);
		assertEquals(0, filled.sub(truth).abs().max().getFloat(), 2e-6);
		// kept pixels come back bit for bit
		NDArray keep = hole.eq(0);
		assertEquals(0, filled.sub(damaged).mul(keep.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)).abs().max().getFloat());
	}

	@Test
	void harmonicFillAtTheImageEdgeStaysWithinTheKeptValues() {
		NDArray truth = image((x, y) -> 0.2 + 0.6 * x / (W - 1.0));
		NDArray hole = box(0, 12, 0, 15);
		float[] filled = HarmonicFill.fill(truth.mul(hole.neg().add(1f)), hole).toFloatArray();
		for (float v : filled) assertTrue(v >= 0.2f - 1e-6 && v <= 0.8f + 1e-6, "maximum principle: " + v);
	}

	@Test
	void otsuSplitsABimodalImageBetweenItsModes() {
		Random random = new Random(1);
		NDArray truth = box(3, 20, 5, 30);
		NDArray img = image((x, y) -> (y >= 3 && y < 20 && x >= 5 && x < 30 ? 0.8 : 0.2) + 0.04 * random.nextGaussian());
		double t = Otsu.threshold(img);
		// any threshold in the gap between the modes splits them; the first maximum is taken, as scikit-image does
		assertTrue(t > 0.25 && t < 0.75, "threshold " + t);
		assertEquals(1.0, Otsu.iou(Otsu.foreground(img), truth), 1e-12);
		// two boxes of 100 pixels overlapping in 50: IoU 50 / 150
		assertEquals(50.0 / 150, Otsu.iou(box(0, 10, 0, 10), box(0, 10, 5, 15)), 1e-12);
	}

	@Test
	void theBoundaryGradientRatioIsOneForTheTruthAndLargeForASeam() {
		NDArray truth = image((x, y) -> 0.3 + 0.01 * x + 0.005 * y);
		NDArray hole = box(8, 22, 10, 30);
		assertEquals(1.0, BoundaryGradient.ratio(truth, hole)[2], 1e-6);
		NDArray seam = truth.mul(hole.neg().add(1f)).add(hole.mul(0.9f));
		assertTrue(BoundaryGradient.ratio(seam, hole)[2] > 5);
		// a smooth (harmonic) fill of a ramp is the ramp: no seam either
		assertEquals(1.0, BoundaryGradient.ratio(HarmonicFill.fill(seam, hole), hole)[2], 1e-4);
	}

	@Test
	void theWassersteinDistanceIsZeroForEqualHistogramsAndTheShiftForAShiftedOne() {
		NDArray a = image((x, y) -> (x * 7 + y * 13) % 17 / 20.0);
		NDArray shuffled = image((x, y) -> ((W - 1 - x) * 7 + (H - 1 - y) * 13) % 17 / 20.0);
		assertEquals(0, IntensityDistance.wasserstein1(a, shuffled), 1e-6);
		assertEquals(0.1, IntensityDistance.wasserstein1(a, a.add(0.1f)), 1e-6);
	}
}
