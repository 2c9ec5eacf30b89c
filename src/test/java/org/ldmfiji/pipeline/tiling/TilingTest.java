package org.ldmfiji.pipeline.tiling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import net.imglib2.Interval;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.diffusion.Parameterization;
import org.ldmfiji.diffusion.Sampler;
import org.ldmfiji.diffusion.Samplers;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.Inpainting;
import org.ldmfiji.pipeline.LatentSequence;
import org.ldmfiji.pipeline.ModelDenoiser;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.SuperResolution;
import org.ldmfiji.pipeline.TaskMonitor;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.testing.Fixtures;
import org.ldmfiji.testing.ImageMetrics;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tiled runs on the tiny bundled models (random weights): close to the untiled run, no seams at tile borders, no
 * native arrays left behind, cancellation between tiles. The figures are printed for the record.
 */
class TilingTest extends ManagerPerClassTest {

	/** A 32×48 low-resolution input (128×192 out): 3×2 tiles of 24 latent px at tile size 96, 4×3 of 16 at 64. */
	private static final long H = 32, W = 48;
	private static final SamplingSettings FEW_STEPS = SamplingSettings.builder().steps(5).seed(7).build();

	private static LatentDiffusion sr;
	private static NDArray lowRes;
	private static NDArray untiled;

	@BeforeAll
	static void untiledRun() throws Exception {
		sr = Fixtures.model(Fixtures.bundledCase("sr"), manager);
		lowRes = smooth(manager, H, W);
		untiled = SuperResolution.run(sr, lowRes, FEW_STEPS, manager);
	}

	@AfterAll
	static void closeModel() {
		sr.close();
	}

	/**
	 * PSNR of tiled against untiled. This model's UNet ends in self-attention over the whole tile, and its weights are
	 * random, so every tile's output depends on everything the tile holds: a tiled run cannot match the untiled one
	 * pixel for pixel, only resemble it far more than another sample does. The threshold says so in numbers: the
	 * tiled output's error must be at most a quarter of the error between two seeds' outputs (6 dB above their PSNR).
	 */
	@Test
	void tiledOutputIsCloseToTheUntiledOneWithTheSameSeed() {
		try (NDManager m = manager.newSubManager()) {
			NDArray tiled = SuperResolution.run(sr, lowRes, FEW_STEPS.toBuilder().tileSize(96).build(), m);
			NDArray otherSeed = SuperResolution.run(sr, lowRes, FEW_STEPS.toBuilder().seed(8).build(), m);
			NDArray decoderOnly = LatentSequence.toUnit(TiledFirstStage.decode(sr, sample(TileGrid.single(H, W), m),
				TileGrid.cover(H, W, 24, 6, 2), TaskMonitor.NONE));
			double psnr = ImageMetrics.psnr(tiled, untiled, 1);
			double seeds = ImageMetrics.psnr(otherSeed, untiled, 1);
			double decoder = ImageMetrics.psnr(decoderOnly, untiled, 1);
			System.out.printf(Locale.ROOT, "tiled vs untiled (%s): PSNR %.2f dB; first stage alone tiled: %.2f dB; another seed: %.2f dB%n",
				LatentSequence.plan(sr.config(), new Shape(1, 3, H, W), false, FEW_STEPS.toBuilder().tileSize(96).build()).describe(),
				psnr, decoder, seeds);
			assertTrue(psnr >= seeds + 6, "PSNR " + psnr + " dB, another seed " + seeds + " dB");
			assertTrue(decoder >= seeds + 6, "first stage alone: PSNR " + decoder + " dB, another seed " + seeds + " dB");
		}
	}

	@Test
	void aTileSizeCoveringTheImageGivesExactlyTheUntiledOutput() {
		try (NDManager m = manager.newSubManager()) {
			assertEquals(untiled, SuperResolution.run(sr, lowRes, FEW_STEPS.toBuilder().tileSize(4 * 48).build(), m));
		}
	}

	/**
	 * The gradient across tile-border lines against the lines one latent pixel (4 image pixels) away: lines of the same
	 * phase on the decoder's 4×4 upsampling grid, where this model's output has its own steps, so only a seam can
	 * make them differ. Tiles cut without overlap show that the measure sees seams.
	 */
	@Test
	void tileBordersLeaveNoSeam() {
		try (NDManager m = manager.newSubManager()) {
			SamplingSettings s = FEW_STEPS.toBuilder().tileSize(64).build();
			TilePlan plan = LatentSequence.plan(sr.config(), new Shape(1, 3, H, W), false, s);
			NDArray tiled = SuperResolution.run(sr, lowRes, s, m);
			double ratio = seamRatio(tiled, plan.denoiser.scaled(4));
			TileGrid abutting = TileGrid.cover(H, W, 16, 0, 2);
			double cut = seamRatio(run(abutting, m), abutting.scaled(4));
			System.out.printf(Locale.ROOT, "seams (%s): gradient on tile borders / beside them %.3f; abutting tiles without blending %.3f%n",
				plan.describe(), ratio, cut);
			assertTrue(Math.abs(ratio - 1) <= 0.10, "seam ratio " + ratio);
			assertTrue(cut > 1.10, "the measure should see the seams of abutting tiles: " + cut);
		}
	}

	@Test
	void aTiledRunLeavesNoArraysButItsResultAndReportsItsTiles() {
		try (NDManager m = manager.newSubManager()) {
			List<String> grids = new ArrayList<>();
			AtomicInteger tiles = new AtomicInteger();
			TaskMonitor monitor = new TaskMonitor() {
				@Override
				public void tiling(String grid) {
					grids.add(grid);
				}

				@Override
				public void tile(int j, int n) {
					tiles.incrementAndGet();
				}
			};
			SamplingSettings s = FEW_STEPS.toBuilder().steps(2).tileSize(64).monitor(monitor).build();
			int before = m.getManagedArrays().size();
			NDArray out = SuperResolution.run(sr, lowRes, s, m);
			assertEquals(before + 1, m.getManagedArrays().size(), "only the result is left");
			assertEquals(List.of("tiles: 4×3 of 16×16 latent px, overlap 4, 12 per denoiser call"), grids);
			assertEquals(2 + 12, tiles.get(), "one report per call: the 12 tiles in one denoiser call in each of 2 steps, then 12 decoded one by one");
			out.close();
		}
	}

	@Test
	void aCancelBetweenTilesStopsTheRunAndFreesItsArrays() {
		try (NDManager m = manager.newSubManager()) {
			AtomicInteger tiles = new AtomicInteger();
			TaskMonitor monitor = new TaskMonitor() {
				@Override
				public void tile(int j, int n) {
					tiles.incrementAndGet();
				}

				@Override
				public boolean isCanceled() {
					return tiles.get() >= 5;
				}
			};
			SamplingSettings s = FEW_STEPS.toBuilder().tileSize(64).monitor(monitor).build();
			int before = m.getManagedArrays().size();
			assertThrows(CancellationException.class, () -> SuperResolution.run(sr, lowRes, s, m));
			assertEquals(5, tiles.get(), "stopped before the sixth tile");
			assertEquals(before, m.getManagedArrays().size(), "a cancelled run leaves no arrays behind");
		}
	}

	@Test
	void tiledEncodingIsCloseToTheWholeEncoding() {
		try (NDManager m = manager.newSubManager()) {
			NDArray image = IntensityMapping.unitToModel(smooth(m, 4 * H, 4 * W));
			NDArray whole = sr.encodeFirstStage(image);
			NDArray tiled = TiledFirstStage.encodeScaled(sr, image, TileGrid.cover(H, W, 16, 4, 2), TaskMonitor.NONE);
			double range = whole.max().getFloat() - whole.min().getFloat();
			double psnr = ImageMetrics.psnr(tiled, whole, range);
			System.out.printf(Locale.ROOT, "tiled encoding vs whole: PSNR %.2f dB (of the latent's range)%n", psnr);
			assertEquals(whole.getShape(), tiled.getShape());
			assertTrue(psnr > 20, "PSNR " + psnr);
		}
	}

	@Test
	void tiledInpaintingKeepsTheKnownPixels() throws Exception {
		for (String name : new String[] {"inpaint", "uncond"}) {
			try (NDManager m = manager.newSubManager(); LatentDiffusion model = Fixtures.model(Fixtures.bundledCase(name), m)) {
				NDArray image = smooth(m, 64, 96);
				NDArray mask = m.zeros(new Shape(1, 1, 64, 96));
				mask.set(new NDIndex(":, :, 16:40, 8:80"), 1f);
				List<String> grids = new ArrayList<>();
				SamplingSettings s = FEW_STEPS.toBuilder().steps(2).tileSize(32).monitor(new TaskMonitor() {
					@Override
					public void tiling(String grid) {
						grids.add(grid);
					}
				}).build();
				NDArray out = Inpainting.run(model, image, mask, null, s, m);
				assertEquals(image.getShape(), out.getShape());
				NDArray keep = mask.eq(0f).broadcast(image.getShape());
				assertEquals(image.get(keep), out.get(keep), name + ": pixels outside the mask are unchanged");
				assertFalse(image.get(keep.logicalNot()).contentEquals(out.get(keep.logicalNot())), name + ": the hole is generated");
				assertEquals(1, grids.size(), name + ": " + grids);
			}
		}
	}

	/**
	 * Tiles stacked into one denoiser call get the predictions they get one at a time: 6 tiles in groups of 4 (a full
	 * group and a short one) against groups of 1, the whole sampling run, to float rounding.
	 */
	@Test
	void groupedTilesGetTheirOwnPredictions() {
		try (NDManager m = manager.newSubManager()) {
			TileGrid grid = TileGrid.cover(H, W, 24, 6, 2);
			assertEquals(6, grid.count());
			NDArray one = sample(grid, 1, m);
			NDArray four = sample(grid, 4, m);
			double rel = one.sub(four).abs().max().getFloat() / one.abs().max().getFloat();
			System.out.printf(Locale.ROOT, "tiles in groups of 4 vs 1 at a time: max |Δ| / max = %.2e%n", rel);
			assertTrue(rel < 1e-4, "relative difference " + rel);
		}
	}

	/** The sampled latent of the fixture's SR run with the given denoiser grid, untiled decoding left to the caller. */
	private static NDArray sample(TileGrid grid, NDManager m) {
		return sample(grid, 1, m);
	}

	/** As {@link #sample(TileGrid, NDManager)}, {@code group} tiles per denoiser call. */
	private static NDArray sample(TileGrid grid, int group, NDManager m) {
		Inference.prepareThread();
		Conditioning c = sr.conditioning(IntensityMapping.unitToModel(lowRes));
		Sampler sampler = Samplers.create(FEW_STEPS.sampler, ModelDenoiser.schedule(sr.config().diffusion),
			new Samplers.Settings(FEW_STEPS.steps, FEW_STEPS.eta, 0));
		Denoiser d = grid.count() == 1 ? ModelDenoiser.raw(sr, c)
			: new TiledDenoiser(grid, group, tiles -> ModelDenoiser.raw(sr, TiledDenoiser.conditioning(c, grid, tiles)), TaskMonitor.NONE, m);
		Inference.seed(FEW_STEPS.seed);
		NDArray xT = m.randomNormal(new Shape(1, 3, H, W));
		return sampler.sample(m, d, Parameterization.EPS, xT, null, FEW_STEPS.callback);
	}

	/** The SR run with the denoiser and the decoder both on {@code grid}. */
	private static NDArray run(TileGrid grid, NDManager m) {
		return LatentSequence.toUnit(TiledFirstStage.decode(sr, sample(grid, m), grid, TaskMonitor.NONE));
	}

	/** {@link ImageMetrics#seamRatio} over every tile edge inside the image, against lines 4 px (one latent px) away. */
	private static double seamRatio(NDArray image, TileGrid g) {
		TreeSet<Long> rows = new TreeSet<>();
		TreeSet<Long> columns = new TreeSet<>();
		for (Interval t : g.tiles()) {
			if (t.min(1) > 0) rows.add(t.min(1));
			if (t.max(1) + 1 < g.height()) rows.add(t.max(1) + 1);
			if (t.min(0) > 0) columns.add(t.min(0));
			if (t.max(0) + 1 < g.width()) columns.add(t.max(0) + 1);
		}
		return ImageMetrics.seamRatio(image, rows, columns, 4);
	}

	/** A smooth RGB image in [0, 1]: sinusoids and a ramp, structure at every scale the tiles cut through. */
	static NDArray smooth(NDManager m, long h, long w) {
		NDArray y = m.arange(0f, (float) h).reshape(1, 1, h, 1);
		NDArray x = m.arange(0f, (float) w).reshape(1, 1, 1, w);
		NDArray r = y.mul(2 * Math.PI / 23).sin().mul(x.mul(2 * Math.PI / 31).cos()).mul(0.35f).add(0.5f);
		NDArray g = x.add(y).div((float) (h + w)).mul(0.8f).add(0.1f);
		NDArray b = y.sub(x).mul(2 * Math.PI / 40).cos().mul(0.3f).add(0.5f);
		Shape s = new Shape(1, 1, h, w);
		return NDArrays.concat(new NDList(r.broadcast(s), g.broadcast(s), b.broadcast(s)), 1);
	}
}
