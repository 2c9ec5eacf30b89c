package org.ldmfiji.pipeline.tiling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;

/** Tile sizes from the memory budget or the user's tile size, and the line that reports them. */
class TilePlanTest {

	@ParameterizedTest(name = "{0}, latent {1}x{2}, tile size {3}: {4}")
	@CsvSource(delimiter = '|', value = {
		"bsr_sr | 64  | 64  | 256  | untiled",
		"bsr_sr | 64  | 64  | 4096 | untiled",
		"bsr_sr | 64  | 96  | 256  | tiles: 2×1 of 64×64 latent px, overlap 32, 2 per denoiser call",
		"bsr_sr | 128 | 128 | 256  | tiles: 3×3 of 64×64 latent px, overlap 32, 9 per denoiser call",
		"bsr_sr | 128 | 128 | 30   | tiles: 16×16 of 8×8 latent px, overlap 0, 16 per denoiser call",
		"lsun_churches-ldm-kl-8 | 64 | 32 | 256 | tiles: 1×3 of 32×32 latent px, overlap 16, 3 per denoiser call"})
	void aTileSizeSetsBothGrids(String arch, long h, long w, int tileSize, String line) throws Exception {
		LdmConfig config = ModelConfigReader.readBundled(arch);
		TilePlan plan = TilePlan.of(config, h, w, 1, false, tileSize, 0);
		assertEquals(line, plan.describe());
		assertEquals(plan.denoiser.toString(), plan.firstStage.toString());
	}

	@ParameterizedTest(name = "{0}, latent {1}, budget {2} MiB")
	@CsvSource({"bsr_sr, 512, 3072", "bsr_sr, 256, 3072", "bsr_sr, 512, 1024", "bsr_sr, 128, 512", "lsun_churches-ldm-kl-8, 128, 1024",
		"inpainting_big, 256, 2048", "cin256-v2, 64, 2048"})
	void theBudgetPicksTheLargestTileCountThatFitsAndNoLargerTilesThanItNeeds(String arch, long side, long mib) throws Exception {
		LdmConfig config = ModelConfigReader.readBundled(arch);
		long budget = mib << 20;
		for (boolean guided : new boolean[] {false, true}) {
			TilePlan plan = TilePlan.of(config, side, side, 1, guided, 0, mib);
			long batch = guided ? 2 : 1;
			TileGrid d = plan.denoiser;
			assertTrue(MemoryEstimate.unet(config.unet, batch, d.tileHeight(), d.tileWidth()) <= budget, arch + ": " + plan);
			TileGrid f = plan.firstStage;
			assertTrue(MemoryEstimate.decoder(config.firstStage.ddconfig, 1, f.tileHeight(), f.tileWidth()) <= budget, arch + ": " + plan);
			assertTrue(MemoryEstimate.encoder(config.firstStage.ddconfig, 1, f.tileHeight(), f.tileWidth()) <= budget, arch + ": " + plan);
			int g = plan.denoiserGroup;
			assertTrue(g >= 1 && g <= Math.min(TilePlan.MAX_DENOISER_GROUP, d.count()), arch + ": " + plan);
			if (g > 1) assertTrue(MemoryEstimate.unet(config.unet, batch * g, d.tileHeight(), d.tileWidth()) <= budget, arch + ": " + plan);
			int multiple = org.ldmfiji.pipeline.LatentSequence.sideMultiple(config);
			if (d.count() > 1) {
				// one multiple smaller would need more tiles: the count is the least for this budget's largest tile
				TileGrid smaller = TileGrid.cover(side, side, (int) d.tileWidth() - multiple, TilePlan.overlap((int) d.tileWidth() - multiple, multiple), multiple);
				assertTrue(smaller.count() > d.count(), arch + ": " + d + " vs " + smaller);
			}
		}
	}

	/** A model card's small tiles: as many per denoiser call as the budget holds, up to the most allowed. */
	@Test
	void smallTilesShareADenoiserCallAsTheBudgetAllows() throws Exception {
		LdmConfig config = ModelConfigReader.readBundled("bsr_sr");
		long threeTiles = MemoryEstimate.unet(config.unet, 3, 32, 32);
		long mib = (threeTiles >> 20) + 1;
		assertTrue(MemoryEstimate.unet(config.unet, 4, 32, 32) > mib << 20, "the budget holds three tiles, not four");
		assertEquals(3, TilePlan.of(config, 256, 256, 1, false, 128, mib).denoiserGroup);
		assertEquals(1, TilePlan.of(config, 256, 256, 1, true, 128, mib).denoiserGroup, "guidance doubles each tile's batch");
		TilePlan ample = TilePlan.of(config, 256, 256, 1, false, 128, 1 << 20);
		assertEquals(TilePlan.MAX_DENOISER_GROUP, ample.denoiserGroup);
		assertEquals("tiles: 11×11 of 32×32 latent px, overlap 8, 16 per denoiser call", ample.describe());
		assertEquals(4, TilePlan.of(config, 48, 48, 1, false, 128, 1 << 20).denoiserGroup, "never more than the 2×2 tiles");
	}

	@Test
	void aBudgetLargeEnoughForTheWholeLatentLeavesTheRunUntiled() throws Exception {
		LdmConfig config = ModelConfigReader.readBundled("bsr_sr");
		TilePlan plan = TilePlan.of(config, 64, 64, 1, false, 0, 1 << 20);
		assertFalse(plan.isTiled());
		assertEquals("untiled", plan.describe());
		TilePlan tight = TilePlan.of(config, 256, 256, 1, false, 0, 3072);
		assertEquals("tiles: untiled (denoiser); 3×3 of 112×112 latent px, overlap 40 (first stage)", tight.describe());
	}

	@Test
	void estimatesGrowWithTheTileAndTheBatch() throws Exception {
		for (String arch : new String[] {"bsr_sr", "inpainting_big", "cin256-v2", "lsun_churches-ldm-kl-8"}) {
			LdmConfig config = ModelConfigReader.readBundled(arch);
			long previousUnet = 0, previousDecoder = 0, previousEncoder = 0;
			for (long side = 8; side <= 256; side += 8) {
				long unet = MemoryEstimate.unet(config.unet, 1, side, side);
				long decoder = MemoryEstimate.decoder(config.firstStage.ddconfig, 1, side, side);
				long encoder = MemoryEstimate.encoder(config.firstStage.ddconfig, 1, side, side);
				assertTrue(unet > previousUnet && decoder > previousDecoder && encoder > previousEncoder, arch + " at " + side);
				assertEquals(2 * unet, MemoryEstimate.unet(config.unet, 2, side, side), 2.0, arch);
				previousUnet = unet;
				previousDecoder = decoder;
				previousEncoder = encoder;
			}
		}
		assertTrue(MemoryEstimate.budget(0) >= 512L << 20);
		assertEquals(700L << 20, MemoryEstimate.budget(700));
	}
}
