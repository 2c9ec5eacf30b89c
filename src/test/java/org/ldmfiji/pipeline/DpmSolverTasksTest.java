package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.diffusion.Parameterization;
import org.ldmfiji.diffusion.Sampler;
import org.ldmfiji.diffusion.Samplers;
import org.ldmfiji.diffusion.Schedule;
import org.ldmfiji.diffusion.StepCallback;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.testing.Fixtures;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.ArrayList;
import java.util.List;

/**
 * Every entry point with the DPM-Solver++(2M) sampler on the fixtures' tiny models: super-resolution (untiled and
 * tiled), synthesis from a class with guidance, from a label map and from noise (inpainting, with a masked-image model
 * and by latent blending: {@link TasksTest}). Also that handing the network its timestep as float32 left the integer samplers as they
 * were, bit for bit.
 */
class DpmSolverTasksTest extends ManagerPerClassTest {

	private static final SamplingSettings DPM = SamplingSettings.builder().sampler("dpmpp2m").steps(4).seed(7).build();

	private static LatentDiffusion model(String name, NDManager m) throws Exception {
		return Fixtures.model(Fixtures.bundledCase(name), m);
	}

	@Test
	void superResolutionUntiledAndTiled() throws Exception {
		try (NDManager m = manager.newSubManager(); LatentDiffusion sr = model("sr", m)) {
			NDArray lr = m.randomUniform(0f, 1f, new Shape(1, 3, 32, 48));
			NDArray a = SuperResolution.run(sr, lr, DPM, m);
			assertEquals(new Shape(1, 3, 128, 192), a.getShape());
			assertTrue(a.min().getFloat() >= 0f && a.max().getFloat() <= 1f);
			assertEquals(a, SuperResolution.run(sr, lr, DPM, m), "same seed, same output");
			assertFalse(a.contentEquals(SuperResolution.run(sr, lr, DPM.toBuilder().sampler("ddim").build(), m)),
				"another sampler, another output");

			List<String> grids = new ArrayList<>();
			SamplingSettings tiled = DPM.toBuilder().tileSize(96).monitor(new TaskMonitor() {
				@Override
				public void tiling(String grid) {
					grids.add(grid);
				}
			}).build();
			NDArray t = SuperResolution.run(sr, lr, tiled, m);
			assertEquals(1, grids.size(), "the run was tiled");
			assertEquals(a.getShape(), t.getShape());
			assertTrue(t.min().getFloat() >= 0f && t.max().getFloat() <= 1f);
			assertFalse(t.contentEquals(a), "tiles see less context than the whole: not the same pixels");
		}
	}

	@Test
	void synthesisFromAClassWithGuidanceALabelMapAndNoise() throws Exception {
		try (NDManager m = manager.newSubManager()) {
			try (LatentDiffusion cin = model("cin", m)) {
				SamplingSettings guided = DPM.toBuilder().guidanceScale(3).build();
				Synthesis.Request r = Synthesis.Request.builder().batch(2).classLabel(5).size(64, 32).build();
				NDArray out = Synthesis.run(cin, r, guided, m);
				assertEquals(new Shape(2, 3, 64, 32), out.getShape());
				assertFalse(out.contentEquals(Synthesis.run(cin, r, DPM, m)), "guidance changes the sample");
			}
			try (LatentDiffusion seg = model("seg", m)) {
				NDArray oneHot = m.zeros(new Shape(1, 8, 32, 32));
				oneHot.set(new NDIndex(":, 0"), 1f);
				NDArray out = Synthesis.run(seg, Synthesis.Request.builder().labelMap(oneHot).build(), DPM, m);
				assertEquals(new Shape(1, 3, 32, 32), out.getShape());
			}
			try (LatentDiffusion uncond = model("uncond", m)) {
				NDArray out = Synthesis.run(uncond, Synthesis.Request.builder().size(40, 32).build(), DPM, m);
				assertEquals(new Shape(1, 3, 40, 32), out.getShape());
				assertTrue(out.min().getFloat() >= 0f && out.max().getFloat() <= 1f);
			}
		}
	}

	/**
	 * The integer samplers before fractional timesteps: the network got int64 labels. Now it gets float32 ones, which
	 * its embedding converts to float32 anyway; DDIM (timesteps 1 …) and DDPM (… 0) give the same bits either way.
	 */
	@Test
	void integerTimestepsAsFloatsLeaveTheDiscreteSamplersBitForBit() throws Exception {
		try (NDManager m = manager.newSubManager(); LatentDiffusion sr = model("sr", m)) {
			Inference.prepareThread();
			Conditioning c = sr.conditioning(m.randomUniform(-1f, 1f, new Shape(1, 3, 8, 8)));
			Denoiser int64Labels = (x, t) -> sr.applyModel(x, m.full(new Shape(x.getShape().get(0)), (int) t)
				.toType(DataType.INT64, false), c);
			Schedule schedule = ModelDenoiser.schedule(sr.config().diffusion);
			for (String kind : new String[] {"ddim", "ddpm"}) {
				Sampler sampler = Samplers.create(kind, schedule, new Samplers.Settings(3, 0.5, 0));
				NDArray xT = m.randomNormal(new Shape(1, 3, 8, 8));
				Inference.seed(3);
				NDArray now = sampler.sample(m, ModelDenoiser.raw(sr, c), Parameterization.EPS, xT, null, StepCallback.NONE);
				Inference.seed(3);
				NDArray before = sampler.sample(m, int64Labels, Parameterization.EPS, xT, null, StepCallback.NONE);
				assertTrue(now.contentEquals(before), kind);
			}
		}
	}
}
