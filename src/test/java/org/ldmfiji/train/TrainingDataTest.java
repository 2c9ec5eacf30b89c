package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import ij.IJ;
import ij.process.FloatProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.train.data.ImageSource;
import org.ldmfiji.train.data.LabelledImage;
import org.ldmfiji.train.data.MicroscopyConfig;
import org.ldmfiji.train.data.SyntheticMicroscopy;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/** The named training sources and the task defaults they feed, as {@code train} and Fiji's Train Model use them. */
class TrainingDataTest {

	@TempDir
	Path tmp;

	private static Path config(String name) throws Exception {
		return Paths.get(TrainingDataTest.class.getResource("/train/" + name + ".yaml").toURI());
	}

	/** Each task trains on the generator's crops with its default degradation or masks, and checkpoints. */
	@ParameterizedTest
	@ValueSource(strings = {"sr", "inpaint", "seg"})
	void twoStepsOnTheSyntheticSource(String task) throws Exception {
		Inference.prepareThread();
		TrainingSettings s = TrainingSettings.builder().steps(2).batchSize(2).learningRate(1e-4).warmupSteps(1).checkpointEvery(2)
			.seed(3).cropSize(32).data(TrainingData.SYNTHETIC).build();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun r = TrainingRun.open(tmp, config(task + "-on-vq-f4-tiny"), null, null, lr -> s, UnaryOperator.identity(),
				TrainingData.opener(null), m);
			assertTrue(r.run(TrainingListener.NONE, () -> false));
			assertEquals(2, r.step());
			assertTrue(TrainingCheckpoint.exists(tmp));
		}
	}

	/** The generator's crops are a function of the step's seed: a resumed run repeats the uninterrupted one exactly. */
	@Test
	void aRunOnTheSyntheticSourceResumesExactly() throws Exception {
		Inference.prepareThread();
		TrainingSettings s = TrainingSettings.builder().steps(4).batchSize(2).learningRate(1e-3).warmupSteps(1).checkpointEvery(10)
			.condDropout(0.5).seed(5).cropSize(32).data(TrainingData.SYNTHETIC).build();
		TrainingData.Opener data = TrainingData.opener(null);
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun whole = TrainingRun.open(tmp.resolve("whole"), config("sr-on-vq-f4-tiny"), null, null, lr -> s, UnaryOperator.identity(), data, m);
			whole.run(TrainingListener.NONE, () -> false);
			assertFalse(runUntil(TrainingRun.open(tmp.resolve("parts"), config("sr-on-vq-f4-tiny"), null, null, lr -> s, UnaryOperator.identity(), data, m), 2));
			TrainingRun resumed = TrainingRun.open(tmp.resolve("parts"), null, null, null, lr -> s, UnaryOperator.identity(), data, m);
			assertEquals(2, resumed.step());
			assertEquals(32, resumed.settings().cropSize, "the resumed run's crops");
			assertEquals(TrainingData.SYNTHETIC, resumed.settings().data, "the resumed run's images");
			assertTrue(resumed.run(TrainingListener.NONE, () -> false));
			for (java.util.Map.Entry<String, ai.djl.ndarray.NDArray> p : whole.trainer().model().parameters().entrySet())
				assertTrue(p.getValue().contentEquals(resumed.trainer().model().parameters().get(p.getKey())), p.getKey());
		}
	}

	/** Super-resolution's targets are the clean images (the degradation adds the noise); the other tasks' the recorded. */
	@Test
	void onlySuperResolutionTrainsOnCleanImages() throws Exception {
		SyntheticMicroscopy generator = new SyntheticMicroscopy(MicroscopyConfig.training(), 32, 32);
		SyntheticMicroscopy.Sample expected = generator.render(new SplittableRandom(11));
		LabelledImage clean = TrainingData.open(TrainingData.SYNTHETIC, 32, true).next(new SplittableRandom(11));
		LabelledImage noisy = TrainingData.open(TrainingData.SYNTHETIC, 32, false).next(new SplittableRandom(11));
		assertArrayEquals(expected.clean.pixels, clean.pixels);
		assertArrayEquals(expected.noisy.pixels, noisy.pixels);
		assertFalse(java.util.Arrays.equals(clean.pixels, noisy.pixels));
		assertArrayEquals(expected.clean.labels, clean.labels);
		assertTrue(java.util.Arrays.stream(clean.labels).allMatch(l -> l >= 0 && l < SyntheticMicroscopy.CLASSES));
		// asked for by name, the clean generator serves every task (an autoencoder mixing it with the recorded images)
		assertArrayEquals(expected.clean.pixels, TrainingData.open(TrainingData.SYNTHETIC_CLEAN, 32, false).next(new SplittableRandom(11)).pixels);
	}

	/** Runs {@code run} until it has taken {@code step} steps, as an interruption would stop it; whether it finished. */
	private static boolean runUntil(TrainingRun run, int step) throws java.io.IOException {
		int[] taken = {0};
		return run.run(new TrainingListener() {
			@Override
			public void step(TrainingProgress p) {
				taken[0] = p.step;
			}
		}, () -> taken[0] == step);
	}

	/** A resumed run may lower its learning rate and enlarge its crops for its last stretch: it trains, and records, both. */
	@Test
	void aResumedRunTakesANewLearningRate() throws Exception {
		Inference.prepareThread();
		TrainingSettings s = TrainingSettings.builder().steps(4).batchSize(2).learningRate(1e-3).warmupSteps(1).checkpointEvery(10)
			.seed(5).cropSize(32).data(TrainingData.SYNTHETIC).build();
		TrainingData.Opener data = TrainingData.opener(null);
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun whole = TrainingRun.open(tmp.resolve("whole"), config("sr-on-vq-f4-tiny"), null, null, lr -> s, UnaryOperator.identity(), data, m);
			whole.run(TrainingListener.NONE, () -> false);
			runUntil(TrainingRun.open(tmp.resolve("parts"), config("sr-on-vq-f4-tiny"), null, null, lr -> s, UnaryOperator.identity(), data, m), 2);
			TrainingRun lower = TrainingRun.open(tmp.resolve("parts"), null, null, null, lr -> s, saved -> saved.toBuilder().learningRate(1e-4).cropSize(48).build(), data, m);
			assertEquals(1e-4, lower.settings().learningRate);
			assertEquals(48, lower.settings().cropSize);
			assertTrue(lower.run(TrainingListener.NONE, () -> false));
			TrainingSettings recorded = TrainingRun.open(tmp.resolve("parts"), null, null, null, lr -> s, UnaryOperator.identity(), data, m).settings();
			assertEquals(1e-4, recorded.learningRate, "the checkpoint records the new rate");
			assertEquals(48, recorded.cropSize, "the checkpoint records the new crop size");
			String key = "model.diffusion_model.out.2.weight";
			assertFalse(whole.trainer().model().parameters().get(key).contentEquals(lower.trainer().model().parameters().get(key)),
				"the last steps at a lower rate end elsewhere");
		}
	}

	@Test
	void theStandardDegradationMakesTheModelsLowResolutionInput() {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			Degradation d = TrainingTasks.degradation(org.ldmfiji.train.data.SrDegradation.standard());
			ai.djl.ndarray.NDArray hr = m.ones(new ai.djl.ndarray.types.Shape(2, 1, 32, 32)).mul(0.5f);
			assertEquals(new ai.djl.ndarray.types.Shape(2, 1, 8, 8), d.lowRes(hr, 4, new SplittableRandom(1)).getShape());
			assertEquals(new ai.djl.ndarray.types.Shape(2, 1, 16, 16), d.lowRes(hr, 2, new SplittableRandom(1)).getShape());
			// noisy: the standard degradation's camera noise is on the low-resolution input only
			assertTrue(d.lowRes(hr, 4, new SplittableRandom(1)).sub(0.5f).abs().max().getFloat() > 0.01f);
		}
	}

	/** A folder and the generator joined by the path separator are mixed; a missing folder is named. */
	@Test
	void aFolderMixesWithTheGenerator() throws Exception {
		Path folder = tmp.resolve("images");
		java.nio.file.Files.createDirectories(folder);
		FloatProcessor ip = new FloatProcessor(40, 40);
		ip.setValue(1000);
		ip.fill();
		IJ.saveAsTiff(new ImagePlus("flat", ip), folder.resolve("flat.tif").toString());
		ImageSource mix = TrainingData.open(TrainingData.SYNTHETIC + File.pathSeparator + folder, 32, false);
		List<Boolean> flat = new ArrayList<>();
		SplittableRandom random = new SplittableRandom(2);
		for (int i = 0; i < 12; i++) {
			LabelledImage im = mix.next(random);
			assertEquals(32, im.width);
			float[] p = im.pixels;
			boolean constant = true;
			for (float v : p) constant &= v == p[0];
			flat.add(constant);
		}
		assertTrue(flat.contains(true) && flat.contains(false), "both sources drawn from: " + flat);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> TrainingData.open(tmp.resolve("nowhere").toString(), 32, false));
		assertTrue(e.getMessage().contains("nowhere"), e.getMessage());
	}
}
