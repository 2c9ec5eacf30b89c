package org.ldmfiji.pipeline.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ij.ImagePlus;
import ij.process.ShortProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.ManagerPerClassTest;

class IntensityMappingTest extends ManagerPerClassTest {

	private float[] toModel(IntensityMapping m, float... raw) {
		return m.toModel(manager.create(raw)).toFloatArray();
	}

	private float toRaw(IntensityMapping m, float model) {
		return m.toRaw(manager.create(new float[] {model})).toFloatArray()[0];
	}

	@Test
	void eightBitIsTheReferencesMappingAndRoundTripsEveryValue() {
		float[] raw = new float[256];
		for (int v = 0; v < 256; v++) raw[v] = v;
		NDArray model = IntensityMapping.eightBit().toModel(manager.create(raw));
		float[] m = model.toFloatArray();
		for (int v = 0; v < 256; v++) {
			assertEquals(v / 255f * 2f - 1f, m[v], 0, "float32 image/255*2-1 as the reference computes it, at " + v);
		}
		assertArrayEquals(raw, IntensityMapping.eightBit().toRaw(model).toFloatArray());
	}

	@ParameterizedTest(name = "model {1} -> {2}")
	@CsvSource({
		"8, -1, 0", "8, 1, 255", "8, -1.5, 0", "8, 2, 255", "8, 0, 128", // 127.5 rounds half up
		"8, -0.99616, 0", "8, -0.99600, 1", // 0.49 -> 0, 0.51 -> 1
		"16, -1, 100", "16, 1, 1100", "16, 0, 600", "16, 0.001, 601", // 600.5 rounds up
		"16, 1.2, 1200", "16, -1.2, 0", "16, 200, 65535", // the model's overshoot kept, clipped to the type
		"32, 0.5, 850", "32, 3, 2100", "32, -3, -900", // 32-bit: unclipped
	})
	void mapsModelOutputBackToTheTypesRange(int bitDepth, float model, float expected) {
		IntensityMapping m = bitDepth == 8 ? IntensityMapping.eightBit() : IntensityMapping.between(100, 1100, bitDepth);
		assertEquals(expected, toRaw(m, model), 1e-3);
	}

	@Test
	void percentileRangeMapsToMinusOneAndOneAndClipsBeyond() {
		IntensityMapping m = IntensityMapping.between(100, 1100, 16);
		assertArrayEquals(new float[] {-1, 0, 1, -1, 1}, toModel(m, 100, 600, 1100, 50, 2000));
		assertEquals(100, m.low());
		assertEquals(1100, m.high());
	}

	private static ImagePlus sixteenBit(short[] pixels, int width) {
		return new ImagePlus("p", new ShortProcessor(width, pixels.length / width, pixels, null));
	}

	@Test
	void aConstantChannelMapsToMidGreyAndComesBackConstant() {
		short[] p = new short[64];
		java.util.Arrays.fill(p, (short) 700);
		IntensityMapping m = IntensityMapping.forChannel(sixteenBit(p, 8), 1, 1, 99.8);
		assertArrayEquals(new float[] {0, 0}, toModel(m, 700, 700));
		assertEquals(700, toRaw(m, 0.7f));
		assertEquals(700, toRaw(m, -1f));
	}

	@Test
	void aSparseChannelWhosePercentilesCoincideUsesItsMinimumAndMaximum() {
		short[] p = new short[100 * 100];
		for (int i = 0; i < 5; i++) p[i * 997] = 1000;
		IntensityMapping m = IntensityMapping.forChannel(sixteenBit(p, 100), 1, 1, 99.8);
		assertEquals(0, m.low());
		assertEquals(1000, m.high());
	}

	@Test
	void sixteenBitChannelsUseTheirPercentiles() {
		short[] p = new short[1001];
		for (int i = 0; i < p.length; i++) p[i] = (short) (2 * i); // 0, 2, ..., 2000
		IntensityMapping m = IntensityMapping.forChannel(sixteenBit(p, 77), 1, 1, 99.8);
		assertEquals(20, m.low(), 1e-9); // rank 10
		assertEquals(1996, m.high(), 1e-3); // rank 998
	}

	@ParameterizedTest
	@CsvSource({"-1, 99.8", "50, 50", "60, 40", "1, 100.1", "NaN, 99"})
	void refusesPercentilesOutOfOrderOrRange(double low, double high) {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> IntensityMapping.requirePercentiles(low, high));
		assertEquals("percentiles must satisfy 0 <= low < high <= 100, got low " + low + " and high " + high,
			e.getMessage());
	}

	@Test
	void toTypeRoundsAndClipsIntegerTypesOnly() {
		float[] v = {-3.2f, 0.5f, 1.49f, 254.5f, 300f, 70000f};
		assertArrayEquals(new float[] {0, 1, 1, 255, 255, 255},
			IntensityMapping.toType(manager.create(v), 8).toFloatArray());
		assertArrayEquals(new float[] {0, 1, 1, 255, 300, 65535},
			IntensityMapping.toType(manager.create(v), 16).toFloatArray());
		assertArrayEquals(v, IntensityMapping.toType(manager.create(v), 32).toFloatArray());
		assertEquals("unsupported bit depth 12; expected 8, 16, 24 (RGB) or 32",
			assertThrows(IllegalArgumentException.class, () -> IntensityMapping.between(0, 1, 12)).getMessage());
	}
}
