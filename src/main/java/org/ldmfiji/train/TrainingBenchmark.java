package org.ldmfiji.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Times the denoiser's training step alone, as the planning figure was measured: random latents (and random concat
 * conditioning) of the given size, the eps loss, backward, clipping, AdamW and the EMA update, each step in its own
 * scope. The first stage and data are left out: they are the same per image whatever the denoiser costs.
 * A measurement, never a test.
 */
public final class TrainingBenchmark {

	/** Seconds per step of the timed steps, and the denoiser's size. */
	public static final class Result {
		public final long denoiserParameters;
		public final List<Double> secondsPerStep;

		Result(long denoiserParameters, List<Double> secondsPerStep) {
			this.denoiserParameters = denoiserParameters;
			this.secondsPerStep = secondsPerStep;
		}

		public double median() {
			List<Double> s = new ArrayList<>(secondsPerStep);
			s.sort(null);
			int n = s.size();
			return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
		}
	}

	private TrainingBenchmark() {}

	public static Result run(LdmConfig config, int latent, int batch, int steps, int warmup) {
		Inference.prepareThread();
		TrainingSettings s = TrainingSettings.builder().batchSize(batch).warmupSteps(0).build();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			LatentDiffusion model = Inference.seeded(0, () -> LatentDiffusion.fresh(config, m));
			Map<String, NDArray> trainable = LdmTrainer.trainableParameters(model);
			long parameters = 0;
			for (NDArray p : trainable.values()) parameters += p.getShape().size();
			AdamWOptimizer optimizer = new AdamWOptimizer(trainable, s, 0.9f, 0.999f, 0, m);
			LitEma ema = new LitEma(model.parameters(), s.emaDecay, m);
			DiffusionLoss loss = new DiffusionLoss(config.diffusion, m);
			int channels = config.diffusion.channels;
			int extra = config.unet.inChannels - channels;
			List<Double> times = new ArrayList<>();
			for (int i = 0; i < warmup + steps; i++) {
				long start = System.nanoTime();
				Scoped.keep(m, () -> {
					NDArray z0 = m.randomNormal(new Shape(batch, channels, latent, latent));
					NDArray t = m.randomInteger(0, loss.timesteps(), new Shape(batch), DataType.INT64);
					NDArray noise = m.randomNormal(z0.getShape());
					Conditioning c = extra > 0 ? Conditioning.of("concat", m.randomNormal(new Shape(batch, extra, latent, latent)))
						: Conditioning.none();
					NDArray value;
					try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
						value = loss.forward(model, z0, t, noise, c);
						gc.backward(value);
					}
					optimizer.step(s.maxGradNorm);
					ema.update();
					return value;
				}).close();
				if (i >= warmup) times.add((System.nanoTime() - start) / 1e9);
			}
			return new Result(parameters, times);
		}
	}
}
