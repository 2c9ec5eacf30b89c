package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.Test;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.testing.Fixtures;
import org.ldmfiji.testing.ManagerPerClassTest;
import org.ldmfiji.testing.TestImages;

import java.util.List;

/** The sampler-quality measurement's parts: degradation, PSNR, and a whole comparison on the tiny SR model. */
class SamplerQualityTest extends ManagerPerClassTest {

	@Test
	void psnrUsesTheRangeOfTheTruthAndShrinkingAveragesBlocks() {
		float[] truth = {0, 10, 20, 30};
		float[] off = {1, 11, 21, 31}; // MSE 1, range 30: 20·log10(30)
		assertEquals(20 * Math.log10(30), SamplerQuality.psnr(image(off), image(truth)), 1e-9);
		ImagePlus bytes = new ImagePlus("b", new ByteProcessor(2, 2, new byte[] {0, 2, 4, 6}));
		ImagePlus bytesOff = new ImagePlus("b", new ByteProcessor(2, 2, new byte[] {2, 4, 6, 8})); // MSE 4, peak 255
		assertEquals(20 * Math.log10(255 / 2.0), SamplerQuality.psnr(bytesOff, bytes), 1e-9);

		ImagePlus big = new ImagePlus("g", new FloatProcessor(4, 2, new float[] {0, 2, 4, 8, 2, 4, 8, 10}));
		ImagePlus small = SamplerQuality.shrink(big, 2);
		assertArrayEquals(new float[] {2, 7.5f}, (float[]) small.getProcessor().getPixels(), 1e-6f);
		assertEquals(2, small.getCalibration().pixelWidth, 1e-12);
		assertEquals(3, SamplerQuality.cropToMultiple(new ImagePlus("c", new FloatProcessor(7, 5)), 3).getHeight());
	}

	@Test
	void recipesAreRead() {
		SamplerQuality.Recipe r = SamplerQuality.Recipe.parse("ddim:100:1");
		assertEquals("ddim:100:1.0", r.toString());
		assertEquals("dpmpp2m:20", SamplerQuality.Recipe.parse("dpmpp2m:20").toString());
		assertThrows(IllegalArgumentException.class, () -> SamplerQuality.Recipe.parse("ddim"));
		assertThrows(IllegalArgumentException.class, () -> SamplerQuality.Recipe.parse("ddim:many"));
	}

	@Test
	void comparesRecipesOnTheTinySrModel() throws Exception {
		ImagePlus truth = TestImages.all().get("fluorescence_16bit.tif");
		List<SamplerQuality.Recipe> recipes = List.of(SamplerQuality.Recipe.parse("ddim:2"), SamplerQuality.Recipe.parse("dpmpp2m:2"),
			SamplerQuality.Recipe.parse("ddim:2"));
		try (NDManager m = manager.newSubManager(); LatentDiffusion sr = Fixtures.model(Fixtures.bundledCase("sr"), m)) {
			SamplerQuality.Report r = SamplerQuality.compare(new ImageTasks(sr, "sr", m), 4, List.of(truth), recipes, 3);
			System.out.print(r.format());
			double[] row = r.psnr.get(0);
			assertTrue(Double.isFinite(row[0]) && Double.isFinite(row[1]), r.format());
			assertEquals(row[0], row[2], "the same recipe and seed, the same PSNR");
			assertTrue(row[0] != row[1], "another sampler, another image");
			assertTrue(r.format().contains("dpmpp2m:2 − ddim:2: "), r.format());
		}
	}

	private static ImagePlus image(float[] pixels) {
		return new ImagePlus("f", new FloatProcessor(2, 2, pixels));
	}
}
