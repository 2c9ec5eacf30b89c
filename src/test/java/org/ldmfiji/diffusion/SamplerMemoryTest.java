package org.ldmfiji.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.ModelDenoiser;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Synthesis;
import org.ldmfiji.testing.Fixtures;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** Native memory is scoped per sampling step, and inference threads record no autograd graph. */
class SamplerMemoryTest {

	@Test
	void liveArraysDoNotGrowOverHundredsOfSteps() throws Exception {
		Inference.prepareThread();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = Fixtures.model(Fixtures.bundledCase("sr"), manager)) {
			NDArray lr = manager.randomUniform(-1f, 1f, new Shape(1, 3, 8, 8));
			Denoiser eps = ModelDenoiser.raw(model, model.conditioning(lr));
			Schedule schedule = ModelDenoiser.schedule(model.config().diffusion);
			Sampler ddim = Samplers.create("ddim", schedule, new Samplers.Settings(250, 0.5, 0));
			assertEquals(250, ddim.steps());
			List<Integer> live = new ArrayList<>();
			NDArray xT = manager.randomNormal(new Shape(1, 3, 8, 8));
			NDArray out = ddim.sample(manager, eps, Parameterization.EPS, xT, null, (step, total, t, x, x0) -> {
				live.add(manager.getManagedArrays().size());
				return true;
			});
			assertFalse(out.isNaN().any().getBoolean() || out.isInfinite().any().getBoolean());
			assertEquals(live.get(10), live.get(live.size() - 1),
				"arrays alive after step 10 and after the last step: " + live.get(10) + " vs " + live.get(live.size() - 1));
			// PLMS keeps up to three old predictions, DPM-Solver++ one: constant after their first few steps too.
			List<Integer> plmsLive = liveAfterEachStep(manager, Samplers.create("plms", schedule, new Samplers.Settings(200, 0, 0)), eps, xT);
			assertEquals(plmsLive.get(10), plmsLive.get(plmsLive.size() - 1));
			Sampler dpm = Samplers.create("dpmpp2m", schedule, new Samplers.Settings(60, 0, 0));
			List<Integer> dpmLive = liveAfterEachStep(manager, dpm, eps, xT);
			assertEquals(dpmLive.get(5), dpmLive.get(dpmLive.size() - 1));
			int before = manager.getManagedArrays().size();
			org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CancellationException.class,
				() -> dpm.sample(manager, eps, Parameterization.EPS, xT, null, (step, total, t, x, x0) -> step < 3));
			assertEquals(before, manager.getManagedArrays().size(), "a stopped dpmpp2m run leaves no arrays behind");
		}
	}

	/** How many arrays the manager holds after each step of a run (the result is closed). */
	private static List<Integer> liveAfterEachStep(NDManager manager, Sampler sampler, Denoiser eps, NDArray xT) {
		List<Integer> live = new ArrayList<>();
		sampler.sample(manager, eps, Parameterization.EPS, xT, null, (step, total, t, x, x0) -> {
			live.add(manager.getManagedArrays().size());
			return true;
		}).close();
		return live;
	}

	@Test
	void stepCallbackStopsTheRunBetweenSteps() throws Exception {
		Inference.prepareThread();
		try (NDManager manager = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = Fixtures.model(Fixtures.bundledCase("kl"), manager)) {
			List<Integer> seen = new ArrayList<>();
			SamplingSettings s = SamplingSettings.builder().steps(20).callback((step, total, t, x, x0) -> {
				seen.add(step);
				return step < 4;
			}).build();
			int before = manager.getManagedArrays().size();
			org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CancellationException.class,
				() -> Synthesis.run(model, Synthesis.Request.builder().build(), s, manager));
			assertEquals(List.of(0, 1, 2, 3, 4), seen);
			assertEquals(before, manager.getManagedArrays().size(), "a stopped run leaves no arrays behind");
		}
	}

	@Test
	void inferenceThreadsRunWithoutGradientRecording() throws Exception {
		AtomicBoolean gradBefore = new AtomicBoolean();
		AtomicBoolean gradAfter = new AtomicBoolean(true);
		AtomicReference<Throwable> failure = new AtomicReference<>();
		Inference.prepareThread();
		Thread worker = new Thread(() -> {
			try {
				gradBefore.set(JniUtils.isGradMode()); // libtorch's default on a new thread
				try (NDManager manager = NDManager.newBaseManager(Device.cpu());
					LatentDiffusion model = Fixtures.model(Fixtures.bundledCase("kl"), manager)) {
					SamplingSettings s = SamplingSettings.builder().steps(3).build();
					Synthesis.run(model, Synthesis.Request.builder().build(), s, manager).close();
					gradAfter.set(JniUtils.isGradMode());
				}
			} catch (Throwable t) {
				failure.set(t);
			}
		});
		worker.start();
		worker.join();
		if (failure.get() != null) throw new AssertionError(failure.get());
		assertTrue(gradBefore.get(), "a new thread starts with grad mode on (which is why every worker must switch it off)");
		assertFalse(gradAfter.get(), "the sampling thread ran with grad mode off");
	}
}
