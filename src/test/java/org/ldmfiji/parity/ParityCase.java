package org.ldmfiji.parity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.ldmfiji.diffusion.DdimSchedule;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.diffusion.MaskBlend;
import org.ldmfiji.diffusion.Parameterization;
import org.ldmfiji.diffusion.Sampler;
import org.ldmfiji.diffusion.Samplers;
import org.ldmfiji.diffusion.Schedule;
import org.ldmfiji.diffusion.StepCallback;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.autoencoder.AutoencoderKL;
import org.ldmfiji.pipeline.Inpainting;
import org.ldmfiji.pipeline.LatentSequence;
import org.ldmfiji.pipeline.ModelDenoiser;
import org.ldmfiji.testing.Fixtures;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/** One fixture folder: the reference's config, weights, tensors and scalars, and how to recompute each tensor. */
final class ParityCase implements AutoCloseable {

	/** The samplers whose {@code <name>_latent} and {@code <name>_decoded} a case may hold (see the fixture README). */
	private static final List<String> SAMPLERS = List.of("ddim", "plms", "ddpm", "dpmpp2m");

	/** How far a model timestep label may be from the reference's: its float32 arithmetic on labels up to 1000. */
	static final double MODEL_TIMESTEP_TOLERANCE = 1e-4;

	/** Tensors that are inputs of the reference's passes, not results to reproduce. */
	private static final Set<String> INPUTS = Set.of("fs_image", "cond_lr_image", "cond_image", "cond_mask",
		"cond_masked_image", "cond_class_labels", "cond_segmentation_labels", "cond_segmentation_onehot", "unet_x",
		"unet_t", "sampler_x_T", "mask_latent", "mask_x0");

	/** The inputs of this case: a context without class labels is given directly, so it is an input too. */
	Set<String> inputs() {
		if (has("cond_class_labels")) return INPUTS;
		Set<String> in = new HashSet<>(INPUTS);
		in.add("cond_context");
		in.add("uncond_context");
		return in;
	}

	/** How one reference tensor is recomputed; the result may live in the given manager. */
	interface Check {
		NDArray compute(NDManager m);
	}

	private final String name;
	private final LatentDiffusion model;
	private final StateDict vectors;
	private final JsonObject scalars;
	private final Schedule schedule;
	private final Map<String, Check> checks = new LinkedHashMap<>();

	private ParityCase(String name, LatentDiffusion model, StateDict vectors, JsonObject scalars) {
		this.name = name;
		this.model = model;
		this.vectors = vectors;
		this.scalars = scalars;
		this.schedule = ModelDenoiser.schedule(model.config().diffusion);
		defineChecks();
	}

	static ParityCase load(String name, Path dir, NDManager manager) throws IOException {
		return load(name, dir, manager, org.ldmfiji.nn.Precision.FP32);
	}

	/** The case with its model computing in {@code precision}. */
	static ParityCase load(String name, Path dir, NDManager manager, org.ldmfiji.nn.Precision precision) throws IOException {
		LatentDiffusion model = Fixtures.model(dir, manager, precision);
		StateDict vectors = Checkpoints.load(dir.resolve("vectors.safetensors"), manager);
		JsonObject scalars = JsonParser.parseString(Files.readString(dir.resolve("vectors.json"), StandardCharsets.UTF_8))
			.getAsJsonObject();
		return new ParityCase(name, model, vectors, scalars);
	}

	/** The case's model. */
	LatentDiffusion model() {
		return model;
	}

	Set<String> expectedNames() {
		return vectors.tensors().keySet();
	}

	NDArray expected(String tensor) {
		return vectors.get(tensor);
	}

	Map<String, Check> checks() {
		return checks;
	}

	static double tolerance(String tensor) {
		if (tensor.equals("alphas_cumprod") || tensor.startsWith("ddim25_")) return 1e-6;
		if (SAMPLERS.stream().anyMatch(s -> tensor.startsWith(s + "_"))) return 1e-3;
		return 1e-4;
	}

	/** max |a − b| / max |b| */
	static double relativeMaxError(NDArray actual, NDArray expected) {
		NDArray a = actual.toType(DataType.FLOAT64, false);
		NDArray b = expected.toType(DataType.FLOAT64, false);
		double err = a.sub(b).abs().max().getDouble();
		double scale = b.abs().max().getDouble();
		return scale == 0 ? err : err / scale;
	}

	private boolean has(String tensor) {
		return vectors.contains(tensor);
	}

	private NDArray in(String tensor) {
		return vectors.get(tensor);
	}

	private double scalar(String key, double fallback) {
		JsonElement e = scalars.get(key);
		return e == null || e.isJsonNull() ? fallback : e.getAsDouble();
	}

	private void defineChecks() {
		checks.put("alphas_cumprod", m -> m.create(schedule.alphasCumprodF32()));
		DdimSchedule ddim25 = new DdimSchedule(schedule, 25, 1.0, DdimSchedule.Discretization.UNIFORM);
		checks.put("ddim25_alphas", m -> m.create(series(ddim25, 0)));
		checks.put("ddim25_alphas_prev", m -> m.create(series(ddim25, 1)));
		checks.put("ddim25_eta1_sigmas", m -> m.create(series(ddim25, 2)));

		checks.put("fs_encoded", m -> model.firstStage().encode(in("fs_image")));
		checks.put("fs_posterior_mean", m -> klPosterior().mean());
		checks.put("fs_posterior_std", m -> klPosterior().std());
		checks.put("fs_latent", m -> model.encodeFirstStage(in("fs_image")));
		checks.put("fs_decoded", m -> model.decodeFirstStage(in("fs_latent"), true));

		checks.put("cond_concat", m -> ourConcat());
		if (has("cond_class_labels")) {
			checks.put("cond_context", m -> model.condStage().forward(in("cond_class_labels")));
			checks.put("uncond_context", m -> model.condStage().forward(unconditionalLabels(m)));
		}

		checks.put("unet_eps", m -> model.applyModel(in("unet_x"), in("unet_t"), referenceConditioning()));
		addSampler("ddim");
		addSampler("plms");
		addSampler("dpmpp2m");
		checks.put("ddim_eta1_latent", m -> seeded(() -> run(m, sampler("ddim", (int) scalar("ddim_eta1_steps", 0), 1.0), null)));
		checks.put("ddpm_latent", m -> seeded(() -> run(m, sampler("ddpm", (int) scalar("ddpm_steps", 0), 0.0), null)));
		checks.put("ddim_masked_latent", m -> seeded(() -> run(m, sampler("ddim", (int) scalar("ddim_steps", 0),
			scalar("ddim_eta", 0.0)), maskBlend())));
		checks.put("plms_masked_latent", m -> seeded(() -> run(m, sampler("plms", (int) scalar("plms_steps", 0),
			scalar("ddim_eta", 0.0)), maskBlend())));
		checks.put("dpmpp2m_masked_latent", m -> seeded(() -> run(m, sampler("dpmpp2m", (int) scalar("dpmpp2m_steps", 0), 0.0),
			maskBlend())));
		checks.put("ddim_inpainted01", m -> Inpainting.composite(LatentSequence.toUnit(in("cond_image")), in("cond_mask"),
			LatentSequence.toUnit(decoded(m, "ddim"))));
	}

	private void addSampler(String kind) {
		checks.put(kind + "_latent", m -> sample(m, kind).duplicate());
		checks.put(kind + "_decoded", m -> decoded(m, kind));
	}

	/**
	 * Mismatches of the scalars in vectors.json that the project computes itself (empty when all agree). The model
	 * timesteps of a sampler are those its run handed the denoiser: ask after the tensor checks have run it.
	 */
	List<String> scalarMismatches() {
		List<String> out = new ArrayList<>();
		if (scalars.has("scale_factor") && (float) scalar("scale_factor", 0) != model.scaleFactor()) {
			out.add("scale_factor " + model.scaleFactor() + ", reference " + scalar("scale_factor", 0));
		}
		for (String kind : new String[] {"ddim", "plms"}) {
			JsonElement ts = scalars.get(kind + "_timesteps");
			if (ts == null || ts.isJsonNull()) continue;
			int[] ref = new Gson().fromJson(ts, int[].class);
			int[] ours = ddimSchedule((int) scalar(kind + "_steps", 0)).timesteps();
			if (!Arrays.equals(ours, ref)) {
				out.add(kind + "_timesteps " + Arrays.toString(ours) + ", reference " + Arrays.toString(ref));
			}
		}
		JsonElement dpm = scalars.get("dpmpp2m_model_timesteps");
		if (dpm != null && !dpm.isJsonNull()) {
			double[] ref = new Gson().fromJson(dpm, double[].class);
			double[] seen = modelTimesteps.get("dpmpp2m");
			if (seen == null) {
				out.add("dpmpp2m_model_timesteps given, but the case holds no dpmpp2m tensor that runs the sampler");
			} else if (seen.length != ref.length || IntStream.range(0, ref.length)
				.anyMatch(i -> !(Math.abs(seen[i] - ref[i]) <= MODEL_TIMESTEP_TOLERANCE))) {
				out.add("dpmpp2m_model_timesteps seen by the denoiser " + Arrays.toString(seen) + ", reference "
					+ Arrays.toString(ref));
			}
		}
		return out;
	}

	private final Map<String, NDArray> samples = new LinkedHashMap<>();
	/** The timestep labels each cached sampler run handed to the denoiser, in order. */
	private final Map<String, double[]> modelTimesteps = new LinkedHashMap<>();

	/** The sampler's latent, computed once per case (the decoded check reuses it). */
	private NDArray sample(NDManager m, String kind) {
		NDArray cached = samples.get(kind);
		if (cached != null) return cached;
		// DPM-Solver++ is deterministic: the official solver has no eta
		double eta = kind.equals("dpmpp2m") ? 0.0 : scalar("ddim_eta", 0.0);
		List<Double> seen = new ArrayList<>();
		NDArray out = run(m.getParentManager(), sampler(kind, (int) scalar(kind + "_steps", 0), eta), null, seen::add);
		ai.djl.ndarray.NDScope.unregister(out); // cached across checks: the case, not the check's scope, owns it
		samples.put(kind, out);
		modelTimesteps.put(kind, seen.stream().mapToDouble(Double::doubleValue).toArray());
		return out;
	}

	/** Runs a sampler on the reference's random stream: torch.manual_seed(seed) right before sampling. */
	private NDArray seeded(Supplier<NDArray> sampler) {
		Inference.seed((long) scalar("seed", Double.NaN));
		return sampler.get();
	}

	private Sampler sampler(String kind, int steps, double eta) {
		return Samplers.create(kind, schedule, new Samplers.Settings(steps, eta, model.config().diffusion.vPosterior));
	}

	/** The sampler from the reference's x_T over the reference's conditioning, with guidance where the case has it. */
	private NDArray run(NDManager m, Sampler sampler, MaskBlend blend) {
		return run(m, sampler, blend, t -> {});
	}

	/** @param timesteps told every timestep label the sampler hands to the (guided) denoiser */
	private NDArray run(NDManager m, Sampler sampler, MaskBlend blend, DoubleConsumer timesteps) {
		Denoiser guided = ModelDenoiser.guided(model, referenceConditioning(), referenceUnconditional(), scalar("guidance_scale", 1.0));
		Denoiser d = (x, t) -> {
			timesteps.accept(t);
			return guided.predict(x, t);
		};
		return sampler.sample(m, d, Parameterization.of(model.config().diffusion.parameterization), in("sampler_x_T"), blend,
			StepCallback.NONE);
	}

	private MaskBlend maskBlend() {
		return new MaskBlend(in("mask_x0"), in("mask_latent"), schedule);
	}

	/**
	 * max |Δ| / max |ref|; for mask-blended samples separately in the known region and in the hole (the hole's values
	 * are far larger and would otherwise hide an error in the known region).
	 */
	double error(String tensor, NDArray actual, NDArray expected) {
		if (!tensor.endsWith("_masked_latent")) return relativeMaxError(actual, expected);
		NDArray known = in("mask_latent").broadcast(expected.getShape());
		NDArray hole = known.neg().add(1f);
		return Math.max(relativeMaxError(actual.mul(known), expected.mul(known)),
			relativeMaxError(actual.mul(hole), expected.mul(hole)));
	}

	private NDArray decoded(NDManager m, String kind) {
		return model.decodeFirstStage(sample(m, kind), true);
	}

	private DdimSchedule ddimSchedule(int steps) {
		return new DdimSchedule(schedule, steps, scalar("ddim_eta", 0.0), DdimSchedule.Discretization.UNIFORM);
	}

	private org.ldmfiji.nn.autoencoder.DiagonalGaussianDistribution klPosterior() {
		return ((AutoencoderKL) model.firstStage()).posterior(in("fs_image"));
	}

	private NDArray unconditionalLabels(NDManager m) {
		long n = in("cond_class_labels").getShape().get(0);
		return m.full(new Shape(n), (int) scalar("unconditional_class", -1)).toType(DataType.INT64, false);
	}

	/** Our conditioning from the reference's raw inputs. */
	private NDArray ourConcat() {
		if (has("cond_masked_image")) {
			return Inpainting.conditioning(model, in("cond_masked_image"), in("cond_mask")).concat.get(0);
		}
		if (has("cond_segmentation_onehot")) return model.condStage().forward(in("cond_segmentation_onehot"));
		throw new IllegalStateException("cond_concat without the inputs it is made from");
	}

	/** The conditioning the reference passed to the denoiser (its own tensors, so each check stays isolated). */
	private Conditioning referenceConditioning() {
		String key = model.config().diffusion.conditioningKey;
		if (has("cond_concat")) return Conditioning.of(key, in("cond_concat"));
		if (has("cond_context")) return Conditioning.of(key, in("cond_context"));
		if (has("cond_lr_image")) return model.conditioning(in("cond_lr_image"));
		return Conditioning.none();
	}

	private Conditioning referenceUnconditional() {
		return has("uncond_context") ? Conditioning.of(model.config().diffusion.conditioningKey, in("uncond_context")) : null;
	}

	private static float[] series(DdimSchedule s, int which) {
		float[] v = new float[s.size()];
		for (int i = 0; i < v.length; i++) v[i] = which == 0 ? s.alpha(i) : which == 1 ? s.alphaPrev(i) : s.sigma(i);
		return v;
	}

	@Override
	public void close() {
		samples.values().forEach(NDArray::close);
		vectors.close();
		model.close();
	}

	@Override
	public String toString() {
		return name;
	}
}
