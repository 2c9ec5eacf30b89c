package org.ldmfiji.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.train.TrainingData;
import org.ldmfiji.train.TrainingRun;
import org.ldmfiji.train.TrainingSettings;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** train on the command line: what a resumed run takes from the options given to it, and what it refuses. */
class TrainCommandTest {

	@TempDir
	Path tmp;

	@Test
	void aResumedRunTakesTheOptionsGivenAndKeepsItsSeed() throws Exception {
		String run = tmp.resolve("kl-run").toString();
		String config = Path.of(getClass().getResource("/train/kl-f4-tiny.yaml").toURI()).toString();
		String[] r = CliTest.run("train", "--run", run, "--config", config, "--crop", "32", "--batch", "2", "--steps", "1",
			"--warmup", "0", "--checkpoint-every", "5", "--seed", "3", "--cond-dropout", "0", "--ema-decay", "0.99");
		assertEquals("0", r[0], r[1]);
		TrainingSettings first = recorded(run);
		assertEquals(0, first.warmupSteps);
		assertEquals(5, first.checkpointEvery);

		r = CliTest.run("train", "--run", run, "--steps", "2", "--warmup", "7", "--checkpoint-every", "1", "--clip", "0.5");
		assertEquals("0", r[0], r[1]);
		TrainingSettings resumed = recorded(run);
		assertEquals(2, resumed.steps);
		assertEquals(7, resumed.warmupSteps);
		assertEquals(1, resumed.checkpointEvery);
		assertEquals(0.5, resumed.maxGradNorm);
		assertEquals(3, resumed.seed);
		assertEquals(first.learningRate, resumed.learningRate, "what is not given stays");
		assertEquals(first.batchSize, resumed.batchSize);
		assertEquals(0.0, resumed.condDropout, "an option not given is not replaced by its default");
		assertEquals(0.99, resumed.emaDecay);

		r = CliTest.run("train", "--run", run, "--steps", "3", "--seed", "4");
		assertNotEquals("0", r[0], r[1]);
		assertTrue(r[1].contains("--seed: the run in " + run + " keeps its seed 3"), r[1]);
		r = CliTest.run("train", "--run", run, "--steps", "3", "--seed", "3");
		assertEquals("0", r[0], "the run's own seed may be given: " + r[1]);
	}

	/** The settings the run's last checkpoint recorded. */
	private static TrainingSettings recorded(String run) throws Exception {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			return TrainingRun.open(Path.of(run), null, null, null, lr -> null, UnaryOperator.identity(), TrainingData.opener(null), m).settings();
		}
	}
}
