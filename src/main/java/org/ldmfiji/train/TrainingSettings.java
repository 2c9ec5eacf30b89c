package org.ldmfiji.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a latent diffusion model is trained: the run's length, batch, optimiser, EMA, guidance dropout, checkpointing
 * and seed. Immutable; written into every checkpoint so that a resumed run goes on exactly as it began.
 */
public final class TrainingSettings {

	/** The only precision so far; bf16 training plugs in here once the engine can compute in it. */
	public static final String FP32 = "fp32";

	public final int steps;
	public final int batchSize;
	/** AdamW's learning rate after warm-up (the reference's base_learning_rate × batch size, its scale_lr rule). */
	public final double learningRate;
	/** Steps of linear warm-up from 0 to the learning rate. */
	public final int warmupSteps;
	/** AdamW's decoupled weight decay (torch's default 0.01, which the reference keeps). */
	public final double weightDecay;
	/** Gradients are rescaled to at most this global L2 norm; 0 switches clipping off. */
	public final double maxGradNorm;
	/** LitEma's decay (0.9999 in the reference), itself warmed up as min(decay, (1 + n) / (10 + n)). */
	public final double emaDecay;
	/** Probability of replacing a sample's conditioning by the null conditioning, for classifier-free guidance. */
	public final double condDropout;
	/** A checkpoint every this many steps (and at the end). */
	public final int checkpointEvery;
	public final long seed;
	public final String precision;
	/** The side of the square training crops, so that a resumed run draws crops of the size it began with; 0 = not recorded. */
	public final int cropSize;
	/** The training images as the run was started with them ({@code TrainingData}'s names); "" = not recorded. */
	public final String data;
	/**
	 * What an autoencoder run keeps fixed: {@value #NOTHING_FROZEN}, or {@value #ENCODER} (the encoder and quant_conv),
	 * so that its latents, and the latent diffusion models trained on them, stay valid while its decoder learns on.
	 */
	public final String frozen;

	public static final String NOTHING_FROZEN = "none";
	public static final String ENCODER = "encoder";

	private TrainingSettings(Builder b) {
		this.steps = b.steps;
		this.batchSize = b.batchSize;
		this.learningRate = b.learningRate;
		this.warmupSteps = b.warmupSteps;
		this.weightDecay = b.weightDecay;
		this.maxGradNorm = b.maxGradNorm;
		this.emaDecay = b.emaDecay;
		this.condDropout = b.condDropout;
		this.checkpointEvery = b.checkpointEvery;
		this.seed = b.seed;
		this.precision = b.precision;
		this.cropSize = b.cropSize;
		this.data = b.data;
		this.frozen = b.frozen;
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The same settings with another run length (a resumed run may be extended). */
	public TrainingSettings withSteps(int newSteps) {
		return toBuilder().steps(newSteps).build();
	}

	public Builder toBuilder() {
		return new Builder().steps(steps).batchSize(batchSize).learningRate(learningRate).warmupSteps(warmupSteps)
			.weightDecay(weightDecay).maxGradNorm(maxGradNorm).emaDecay(emaDecay).condDropout(condDropout)
			.checkpointEvery(checkpointEvery).seed(seed).precision(precision).cropSize(cropSize).data(data).frozen(frozen);
	}

	/** As strings, for a checkpoint's metadata. */
	public Map<String, String> toMap() {
		Map<String, String> m = new LinkedHashMap<>();
		m.put("steps", Integer.toString(steps));
		m.put("batch_size", Integer.toString(batchSize));
		m.put("learning_rate", Double.toString(learningRate));
		m.put("warmup_steps", Integer.toString(warmupSteps));
		m.put("weight_decay", Double.toString(weightDecay));
		m.put("max_grad_norm", Double.toString(maxGradNorm));
		m.put("ema_decay", Double.toString(emaDecay));
		m.put("cond_dropout", Double.toString(condDropout));
		m.put("checkpoint_every", Integer.toString(checkpointEvery));
		m.put("seed", Long.toString(seed));
		m.put("precision", precision);
		m.put("crop_size", Integer.toString(cropSize));
		m.put("data", data);
		m.put("frozen", frozen);
		return m;
	}

	/** The inverse of {@link #toMap()}; {@code where} names the file in messages. */
	public static TrainingSettings fromMap(Map<String, ?> m, String where) {
		try {
			return builder().steps(Integer.parseInt(get(m, "steps", where))).batchSize(Integer.parseInt(get(m, "batch_size", where)))
				.learningRate(Double.parseDouble(get(m, "learning_rate", where)))
				.warmupSteps(Integer.parseInt(get(m, "warmup_steps", where)))
				.weightDecay(Double.parseDouble(get(m, "weight_decay", where)))
				.maxGradNorm(Double.parseDouble(get(m, "max_grad_norm", where)))
				.emaDecay(Double.parseDouble(get(m, "ema_decay", where)))
				.condDropout(Double.parseDouble(get(m, "cond_dropout", where)))
				.checkpointEvery(Integer.parseInt(get(m, "checkpoint_every", where)))
				.seed(Long.parseLong(get(m, "seed", where))).precision(get(m, "precision", where))
				.cropSize(m.containsKey("crop_size") ? Integer.parseInt(get(m, "crop_size", where)) : 0)
				.data(m.containsKey("data") ? get(m, "data", where) : "")
				.frozen(m.containsKey("frozen") ? get(m, "frozen", where) : NOTHING_FROZEN).build();
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException(where + ": a training setting is not a number (" + e.getMessage() + ")");
		}
	}

	private static String get(Map<String, ?> m, String key, String where) {
		Object v = m.get(key);
		if (v == null) throw new IllegalArgumentException(where + ": the training setting '" + key + "' is missing");
		return v.toString();
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%d steps, batch %d, AdamW lr %.3g (warm-up %d, weight decay %.3g), clip %s, EMA %s, "
			+ "condition dropout %.2f, checkpoint every %d, seed %d, %s%s", steps, batchSize, learningRate, warmupSteps, weightDecay,
			maxGradNorm > 0 ? String.format(Locale.ROOT, "%.3g", maxGradNorm) : "off", emaDecay, condDropout, checkpointEvery, seed, precision,
			NOTHING_FROZEN.equals(frozen) ? "" : ", " + frozen + " frozen");
	}

	public static final class Builder {
		private int steps = 1000;
		private int batchSize = 8;
		private double learningRate = 1e-4;
		private int warmupSteps = 100;
		private double weightDecay = 0.01;
		private double maxGradNorm = 1.0;
		private double emaDecay = 0.9999;
		private double condDropout = 0.1;
		private String frozen = NOTHING_FROZEN;
		private int checkpointEvery = 500;
		private long seed = 0;
		private String precision = FP32;
		private int cropSize = 0;
		private String data = "";

		public Builder steps(int v) {
			steps = v;
			return this;
		}

		public Builder batchSize(int v) {
			batchSize = v;
			return this;
		}

		public Builder learningRate(double v) {
			learningRate = v;
			return this;
		}

		public Builder warmupSteps(int v) {
			warmupSteps = v;
			return this;
		}

		public Builder weightDecay(double v) {
			weightDecay = v;
			return this;
		}

		public Builder maxGradNorm(double v) {
			maxGradNorm = v;
			return this;
		}

		public Builder emaDecay(double v) {
			emaDecay = v;
			return this;
		}

		public Builder condDropout(double v) {
			condDropout = v;
			return this;
		}

		public Builder checkpointEvery(int v) {
			checkpointEvery = v;
			return this;
		}

		public Builder seed(long v) {
			seed = v;
			return this;
		}

		public Builder data(String v) {
			data = v == null ? "" : v;
			return this;
		}

		public Builder cropSize(int v) {
			cropSize = v;
			return this;
		}

		public Builder precision(String v) {
			precision = v;
			return this;
		}

		public Builder frozen(String v) {
			frozen = v;
			return this;
		}

		public TrainingSettings build() {
			require(cropSize >= 0, "the crop size must be positive (or 0: not recorded), not " + cropSize);
			require(steps >= 1, "steps must be at least 1, not " + steps);
			require(batchSize >= 1, "the batch size must be at least 1, not " + batchSize);
			require(learningRate > 0 && Double.isFinite(learningRate), "the learning rate must be positive, not " + learningRate);
			require(warmupSteps >= 0, "warm-up steps must not be negative, not " + warmupSteps);
			require(weightDecay >= 0, "weight decay must not be negative, not " + weightDecay);
			require(maxGradNorm >= 0, "the gradient clipping norm must not be negative (0 = off), not " + maxGradNorm);
			require(emaDecay >= 0 && emaDecay < 1, "the EMA decay must lie in [0, 1), not " + emaDecay);
			require(condDropout >= 0 && condDropout < 1, "the condition dropout must lie in [0, 1), not " + condDropout);
			require(checkpointEvery >= 1, "checkpoint every must be at least 1 step, not " + checkpointEvery);
			require(FP32.equals(precision), "precision '" + precision + "' is not available for training yet; use " + FP32);
			require(NOTHING_FROZEN.equals(frozen) || ENCODER.equals(frozen), "what is frozen must be " + NOTHING_FROZEN + " or " + ENCODER
				+ ", not '" + frozen + "'");
			return new TrainingSettings(this);
		}

		private static void require(boolean ok, String message) {
			if (!ok) throw new IllegalArgumentException(message);
		}
	}
}
