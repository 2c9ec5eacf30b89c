package org.ldmfiji.cli;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.train.TrainingData;
import org.ldmfiji.train.TrainingListener;
import org.ldmfiji.train.TrainingProgress;
import org.ldmfiji.train.TrainingRun;
import org.ldmfiji.train.TrainingSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true,
	description = {"Train a latent diffusion model (super-resolution, inpainting, label-map synthesis, unconditional).",
		"A new run needs --config; a --run folder that already holds a run is resumed from its last checkpoint.",
		"The run folder is a model folder (config.yaml + model.safetensors) at every checkpoint.",
		"Ctrl-C checkpoints before it stops."})
final class TrainCommand implements Callable<Integer> {

	@Option(names = "--run", required = true, paramLabel = "DIR", description = "the run's folder: created, or resumed if it holds a run")
	Path run;

	@Option(names = "--config", paramLabel = "CONFIG.yaml", description = "a new run's model: a CompVis latent diffusion config")
	Path config;

	@Option(names = "--first-stage", paramLabel = "WEIGHTS",
		description = "a new run's trained autoencoder (its checkpoint, or a latent diffusion checkpoint); kept frozen")
	Path firstStage;

	@Option(names = "--init", paramLabel = "WEIGHTS",
		description = "a new run starts from this trained latent diffusion model (a model folder, its model.safetensors or a "
			+ "checkpoint: its EMA weights where it has them, its first stage and scale factor; optimiser and EMA start afresh), as "
			+ "the reference's ckpt_path: to fine-tune a model on other images, or with another conditioning; the config must "
			+ "describe the same network")
	Path init;

	@Option(names = "--data", paramLabel = "synthetic|DIR|synthetic:DIR",
		description = "training images: the built-in generator (synthetic-varied: a configuration of its own for every image, for models meant for other images; -clean: without camera noise), a folder of images, or several joined by the path separator (synthetic:DIR), mixed in equal parts (default: a new run: synthetic; a resumed run: its own)")
	String data;

	@Option(names = "--crop", paramLabel = "PX", description = "side of the square training crops (default: 128; a resumed run keeps its own unless given one, "
		+ "for example larger crops for a last stretch, so that a model meets the image statistics of the sizes it will run at)")
	Integer crop;

	@Option(names = "--steps", paramLabel = "N", description = "total steps of the run (default: 1000; when resuming: the run's)")
	Integer steps;

	@Option(names = "--batch", paramLabel = "B", description = "batch size (default: 8; a resumed run keeps its own unless given one)")
	Integer batch;

	@Option(names = "--lr", paramLabel = "LR",
		description = "AdamW learning rate (default: the config's base_learning_rate x batch, the reference's scale_lr; "
			+ "a resumed run keeps its own unless given one, for example a lower rate for its last stretch)")
	Double learningRate;

	@Option(names = "--warmup", paramLabel = "N", description = "learning-rate warm-up steps (default: 100; a resumed run keeps its own unless given one)")
	Integer warmup;

	@Option(names = "--clip", paramLabel = "NORM", description = "gradient clipping norm, 0 = off (default: 1.0; a resumed run keeps its own unless given one)")
	Double clip;

	@Option(names = "--ema-decay", paramLabel = "D", description = "EMA decay (default: 0.9999; a resumed run keeps its own unless given one)")
	Double emaDecay;

	@Option(names = "--cond-dropout", paramLabel = "P",
		description = "probability of training without the condition, for guidance (default: 0.1; a resumed run keeps its own unless given one)")
	Double condDropout;

	@Option(names = "--checkpoint-every", paramLabel = "N", description = "steps between checkpoints (default: 500; a resumed run keeps its own unless given one)")
	Integer checkpointEvery;

	@Option(names = "--freeze", paramLabel = "encoder|none",
		description = "an autoencoder run's part that stays fixed: encoder (and quant_conv), so that the latent diffusion models "
			+ "trained on its latents stay valid while its decoder learns on (default: none; a resumed run keeps its own unless given)")
	String freeze;

	@Option(names = "--seed", paramLabel = "S", description = "a new run's seed (default: 0; a resumed run keeps its own)")
	Long seed;

	@Option(names = "--threads", paramLabel = "T",
		description = "intra-op threads (default: libtorch's); on a machine other work shares, 1 is often much faster")
	Integer threads;

	@Override
	public Integer call() throws Exception {
		Inference.prepareThread();
		if (threads != null) {
			if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
			ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
		}
		Progress progress = new Progress(new PrintWriter(System.err, true));
		try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
			TrainingRun r = TrainingRun.open(run, config, firstStage, init, this::settings, this::resumed, TrainingData.opener(data), m);
			progress.say((r.step() > 0 ? "resuming at step " + r.step() + ": " : "training: ") + r.settings());
			if (r.step() == 0 && firstStage == null && init == null && r.isLatentDiffusion())
				progress.say("warning: no --first-stage given: the latent diffusion model learns the latents of an untrained autoencoder");
			boolean done = r.run(new TrainingListener() {
				@Override
				public void step(TrainingProgress p) {
					progress.show(p.toString());
				}

				@Override
				public void checkpoint(Path folder, int step) {
					progress.say("checkpoint at step " + step + " in " + folder);
				}
			}, SignalStop::requested); // Ctrl-C: stop after the step; the exit waits for the checkpoint
			progress.done();
			if (!done) System.err.println("stopped at step " + r.step() + "; run the same command again to resume");
			return 0;
		}
	}

	/**
	 * A resumed run keeps its settings but for those given, from its next step on: typically its length, and for a
	 * last stretch its rate, crop size and batch (larger crops in fewer images cost the same per step). Its seed is
	 * what makes it reproducible, so it cannot change.
	 */
	private TrainingSettings resumed(TrainingSettings saved) {
		if (seed != null && seed != saved.seed)
			throw new IllegalArgumentException("--seed: the run in " + run + " keeps its seed " + saved.seed + "; give none, or start a new run");
		return given(saved.toBuilder()).build();
	}

	/**
	 * A new run: the settings' own defaults, 128-pixel crops of the generator, and a learning rate scaled from the
	 * config's unless one is given.
	 */
	private TrainingSettings settings(double baseLearningRate) {
		TrainingSettings.Builder b = TrainingSettings.builder().cropSize(128).data(TrainingData.SYNTHETIC);
		if (learningRate == null)
			b.learningRate(TrainingRun.scaledLearningRate(baseLearningRate, batch != null ? batch : b.build().batchSize));
		if (seed != null) b.seed(seed);
		return given(b).build();
	}

	/** {@code b} with every option given on the command line but the seed; those not given keep {@code b}'s values. */
	private TrainingSettings.Builder given(TrainingSettings.Builder b) {
		if (steps != null) b.steps(steps);
		if (batch != null) b.batchSize(batch);
		if (learningRate != null) b.learningRate(learningRate);
		if (crop != null) b.cropSize(crop);
		if (warmup != null) b.warmupSteps(warmup);
		if (clip != null) b.maxGradNorm(clip);
		if (emaDecay != null) b.emaDecay(emaDecay);
		if (condDropout != null) b.condDropout(condDropout);
		if (checkpointEvery != null) b.checkpointEvery(checkpointEvery);
		if (data != null) b.data(data);
		if (freeze != null) b.frozen(freeze.trim().toLowerCase(java.util.Locale.ROOT));
		return b;
	}
}
