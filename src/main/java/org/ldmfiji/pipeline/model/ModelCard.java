package org.ldmfiji.pipeline.model;

import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.io.ConfigException;
import org.ldmfiji.io.ConfigNode;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.Precision;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A model's card ({@code model.yaml} beside its {@code config.yaml} and weights): what the model is for, how to
 * sample it, what its weights' checksum is, and where it comes from. Read with a safe YAML loader (plain maps,
 * lists and scalars); every problem names the file and key. A published CompVis folder has no card: then
 * {@link #inferred} derives one from the config, with the reference scripts' sampling defaults.
 */
public final class ModelCard {

	public static final String FILE_NAME = "model.yaml";
	public static final String DEFAULT_CONFIG = "config.yaml";
	public static final List<String> SAMPLERS = org.ldmfiji.diffusion.Samplers.names();
	static final List<String> TASK_IDS = List.of("sr", "inpaint", "synthesize");
	/** The {@code default_for} entry of the default model for synthesis from a label image (a synthesize model). */
	public static final String LABEL_SYNTHESIS = "synthesize_labels";
	/** What a model can be the default for: a task, or synthesis from a label image. */
	public static final List<String> DEFAULT_USES = List.of("sr", "inpaint", "synthesize", LABEL_SYNTHESIS);
	private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
	private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
	private static final String DOCUMENT = "a YAML mapping of model card entries (name, tasks, weights, sha256, ...)";
	private static final String UNKNOWN = "unknown (no model card)";

	public final String name;
	public final Set<Task> tasks;
	/**
	 * What this model is the default for when no model is named: task names, and {@link #LABEL_SYNTHESIS} for
	 * synthesis from a label image (which needs another model than synthesis from a class or from nothing).
	 */
	public final Set<String> defaultFor;
	/** The super-resolution factor; 1 for models that keep the size. */
	public final int scaleFactor;
	/** Image channels the model reads and writes. */
	public final int channels;
	/** Recommended sampling: one of {@link #SAMPLERS}. */
	public final String sampler;
	public final int steps;
	public final double eta;
	/** The precision the model runs in unless the user chooses: fp32 (the reference's arithmetic) or bf16. */
	public final Precision precision;
	/** Classifier-free guidance scale; null where the model has no guidance. */
	public final Double guidanceScale;
	public final IntensitySpec intensity;
	/**
	 * The side, in pixels of the result, of the tiles the model runs on unless the user sets one; 0 = as large as the
	 * memory budget allows. A model whose normalisation statistics were learnt on crops of one size is most faithful
	 * on tiles of that size.
	 */
	public final int tileSize;
	/**
	 * Super-resolution: whether the result keeps the input's local mean intensity
	 * ({@link org.ldmfiji.pipeline.MeanPreservation}); off unless the card says so, as in the reference.
	 */
	public final boolean preserveMean;
	/**
	 * Inpainting: the share (0..1) of the kept pixels' camera noise the fill gets
	 * ({@link org.ldmfiji.pipeline.NoiseMatching}); 0 unless the card says so, as in the reference.
	 */
	public final double matchNoise;
	/** File names inside the model folder. */
	public final String config, weights;
	/** Lower-case hex SHA-256 of the weights file; null for an inferred card (nothing to check against). */
	public final String sha256;
	public final String licence, source, trainingData, description;
	/** A tiny random-weight model for tests, whose output is noise. */
	public final boolean testModel;
	/** True if there was no card and this one was derived from the config. */
	public final boolean inferred;

	private ModelCard(Builder b) {
		name = b.name;
		tasks = Collections.unmodifiableSet(b.tasks);
		defaultFor = Collections.unmodifiableSet(b.defaultFor);
		scaleFactor = b.scaleFactor;
		channels = b.channels;
		sampler = b.sampler;
		steps = b.steps;
		eta = b.eta;
		guidanceScale = b.guidanceScale;
		precision = b.precision;
		intensity = b.intensity;
		tileSize = b.tileSize;
		preserveMean = b.preserveMean;
		matchNoise = b.matchNoise;
		config = b.config;
		weights = b.weights;
		sha256 = b.sha256;
		licence = b.licence;
		source = b.source;
		trainingData = b.trainingData;
		description = b.description;
		testModel = b.testModel;
		inferred = b.inferred;
	}

	/** Reads a card file; {@code folderName} is the name its folder gives the model, which the card must repeat. */
	public static ModelCard read(Path cardFile, String folderName) throws ConfigException {
		return read(ConfigNode.read(cardFile, DOCUMENT), folderName);
	}

	/** @param sourceName how error messages name the text, e.g. the resource it came from */
	public static ModelCard parse(String yamlText, String sourceName, String folderName) throws ConfigException {
		return read(ConfigNode.parse(yamlText, sourceName, DOCUMENT), folderName);
	}

	private static ModelCard read(ConfigNode card, String folderName) throws ConfigException {
		Builder b = new Builder();
		b.name = card.requiredString("name");
		if (!NAME.matcher(b.name).matches())
			throw card.error("name", "expected letters, digits, '.', '_' or '-' (it names a folder), got \"" + b.name + "\"");
		if (folderName != null && !b.name.equals(folderName))
			throw card.error("name", "\"" + b.name + "\" differs from the name of its folder, \"" + folderName + "\"");
		List<String> taskIds = card.stringListOr("tasks", null, TASK_IDS);
		if (taskIds == null || taskIds.isEmpty()) throw card.error("tasks", "must name at least one of " + TASK_IDS);
		b.tasks = EnumSet.noneOf(Task.class);
		for (String id : taskIds) b.tasks.add(Task.of(id));
		b.defaultFor = defaultFor(card, b.tasks);

		b.scaleFactor = card.intOr("scale_factor", 1, 1);
		if (b.tasks.contains(Task.SR) && b.scaleFactor < 2)
			throw card.error("scale_factor", "a super-resolution model needs a factor of at least 2, got " + b.scaleFactor);
		if (!b.tasks.contains(Task.SR) && b.scaleFactor != 1)
			throw card.error("scale_factor", "must be 1 for a model without the sr task, got " + b.scaleFactor);
		b.channels = card.requiredInt("channels", 1);

		b.sampler = card.requiredString("sampler");
		if (!SAMPLERS.contains(b.sampler)) throw card.error("sampler", "expected one of " + SAMPLERS + ", got \"" + b.sampler + "\"");
		b.steps = card.requiredInt("steps", 1);
		b.eta = card.requiredDouble("eta");
		if (!(b.eta >= 0)) throw card.error("eta", "must be at least 0, got " + b.eta);
		b.guidanceScale = card.doubleOrNull("guidance_scale");
		if (b.guidanceScale != null && !(b.guidanceScale >= 1))
			throw card.error("guidance_scale", "must be at least 1 (1 = no guidance), got " + b.guidanceScale);
		b.intensity = IntensitySpec.read(card.node("intensity"));
		b.tileSize = card.intOr("tile_size", 0, 0);
		b.preserveMean = card.boolOr("preserve_mean", false);
		if (b.preserveMean && !b.tasks.contains(Task.SR) && !b.tasks.contains(Task.INPAINT))
			throw card.error("preserve_mean", "is for super-resolution and inpainting, neither among the model's tasks " + ids(b.tasks));
		Double matchNoise = card.doubleOrNull("match_noise");
		b.matchNoise = matchNoise == null ? 0 : matchNoise;
		if (!(b.matchNoise >= 0 && b.matchNoise <= 1)) throw card.error("match_noise", "must lie in [0, 1], got " + b.matchNoise);
		if (b.matchNoise > 0 && !b.tasks.contains(Task.INPAINT))
			throw card.error("match_noise", "is for inpainting, which is not among the model's tasks " + ids(b.tasks));
		String precision = card.stringOr("precision", Precision.FP32.id());
		try {
			b.precision = Precision.of(precision);
		} catch (IllegalArgumentException e) {
			throw card.error("precision", "expected fp32 or bf16, got \"" + precision + "\"");
		}

		b.config = fileName(card, "config", card.stringOr("config", DEFAULT_CONFIG));
		b.weights = fileName(card, "weights", card.requiredString("weights"));
		b.sha256 = card.requiredString("sha256").toLowerCase(Locale.ROOT);
		if (!SHA256.matcher(b.sha256).matches())
			throw card.error("sha256", "expected the 64 hexadecimal digits of the weights' SHA-256, got \"" + b.sha256 + "\"");

		b.licence = text(card, "licence");
		b.source = text(card, "source");
		b.trainingData = text(card, "training_data");
		b.description = text(card, "description");
		b.testModel = card.requiredBool("test_model");
		return new ModelCard(b);
	}

	/**
	 * The card of a published CompVis folder without one: the task follows from the conditioning (an LR image
	 * concatenated: super-resolution by the first stage's factor; a masked image: inpainting; a label map through a
	 * spatial rescaler, a class embedder or none: synthesis; see {@link Task#supportedBy}), the sampling defaults
	 * from the reference's scripts (super-resolution: DDIM 100 steps, eta 1; otherwise DDIM 50 steps, eta 0).
	 */
	public static ModelCard inferred(String name, LdmConfig config, Path configFile, String weightsFile) {
		Builder b = new Builder();
		b.name = name;
		b.tasks = inferTasks(config, configFile);
		b.defaultFor = Collections.emptySet();
		boolean sr = b.tasks.contains(Task.SR);
		b.scaleFactor = sr ? config.firstStage.ddconfig.downsamplingFactor() : 1;
		b.channels = config.firstStage.ddconfig.inChannels;
		b.sampler = "ddim";
		b.steps = sr ? 100 : 50;
		b.eta = sr ? 1.0 : 0.0;
		b.guidanceScale = null;
		b.precision = Precision.FP32;
		b.intensity = IntensitySpec.percentile(IntensitySpec.DEFAULT_LOW, IntensitySpec.DEFAULT_HIGH);
		b.config = configFile.getFileName().toString();
		b.weights = weightsFile;
		b.sha256 = null;
		b.licence = UNKNOWN;
		b.source = UNKNOWN;
		b.trainingData = UNKNOWN;
		b.description = "CompVis latent diffusion model without a model card; its tasks were inferred from "
			+ b.config + " and its weights are not checked against a checksum";
		b.testModel = false;
		b.inferred = true;
		return new ModelCard(b);
	}

	private static Set<Task> inferTasks(LdmConfig config, Path configFile) {
		Set<Task> tasks = Task.supportedBy(config);
		if (tasks.isEmpty()) {
			throw new IllegalArgumentException(configFile + ": cannot tell which task this model is for (conditioning "
				+ config.diffusion.conditioningKey + " on '" + config.diffusion.condStageKey + "', cond stage "
				+ config.condStage.target + "); add a " + FILE_NAME + " card naming its tasks");
		}
		return tasks;
	}

	private static Set<String> defaultFor(ConfigNode card, Set<Task> tasks) throws ConfigException {
		List<String> uses = card.stringListOr("default_for", Collections.emptyList(), DEFAULT_USES);
		for (int i = 0; i < uses.size(); i++) {
			String use = uses.get(i);
			Task task = Task.of(LABEL_SYNTHESIS.equals(use) ? Task.SYNTHESIZE.id() : use);
			if (!tasks.contains(task))
				throw card.error("default_for[" + i + "]", "\"" + use + "\" needs the task " + task + ", which is not among the model's tasks " + ids(tasks));
		}
		return new LinkedHashSet<>(uses);
	}

	/** A file of the model folder, named plainly: the card cannot point elsewhere. */
	private static String fileName(ConfigNode card, String key, String value) throws ConfigException {
		if (value.isEmpty() || value.contains("/") || value.contains("\\") || value.equals(".") || value.equals(".."))
			throw card.error(key, "expected a file name inside the model folder, got \"" + value + "\"");
		return value;
	}

	private static String text(ConfigNode card, String key) throws ConfigException {
		String value = card.requiredString(key).trim();
		if (value.isEmpty()) throw card.error(key, "must not be empty");
		return value;
	}

	private static List<String> ids(Set<Task> tasks) {
		List<String> ids = new ArrayList<>();
		for (Task t : tasks) ids.add(t.id());
		return ids;
	}

	/** The sampling this card recommends (sampler, steps, eta, guidance, tile size), as a builder for a user's overrides. */
	public SamplingSettings.Builder recommendedSampling() {
		SamplingSettings.Builder b = SamplingSettings.builder().sampler(sampler).steps(steps).eta(eta).tileSize(tileSize)
			.preserveMean(preserveMean).matchNoise(matchNoise);
		if (guidanceScale != null) b.guidanceScale(guidanceScale);
		return b;
	}

	/** The card in a few lines, for listings ({@code models} on the command line, List Models in Fiji). */
	public String describe() {
		StringBuilder s = new StringBuilder();
		s.append(name).append(testModel ? "  [TEST MODEL: random weights, output is noise]" : "").append('\n');
		s.append("  tasks: ").append(String.join(", ", ids(tasks)));
		if (!defaultFor.isEmpty()) s.append(" (default for ").append(String.join(", ", defaultFor)).append(')');
		s.append('\n');
		if (scaleFactor > 1) s.append("  scale factor: ").append(scaleFactor).append('\n');
		s.append(String.format(Locale.ROOT, "  channels: %d, sampling: %s %d steps, eta %s%s, %s%n", channels, sampler, steps,
			eta, guidanceScale == null ? "" : ", guidance " + guidanceScale, precision));
		s.append("  intensity: ").append(intensity).append('\n');
		if (tileSize > 0) s.append("  tiles: ").append(tileSize).append(" px").append('\n');
		if (preserveMean) s.append("  keeps the input's local mean intensity").append('\n');
		if (matchNoise > 0) s.append("  gives the fill the camera noise around it, strength ").append(matchNoise).append('\n');
		s.append("  weights: ").append(weights).append(sha256 == null ? " (no checksum)" : " (sha256 " + sha256 + ")").append('\n');
		s.append("  licence: ").append(licence).append('\n');
		s.append("  source: ").append(source).append('\n');
		s.append("  training data: ").append(trainingData).append('\n');
		s.append("  ").append(description);
		return s.toString();
	}

	@Override
	public String toString() {
		return "ModelCard[" + name + ", tasks " + ids(tasks) + "]";
	}

	/** Collects the fields while a card is read or inferred, so that the card itself is immutable. */
	private static final class Builder {
		String name, sampler, config, weights, sha256, licence, source, trainingData, description;
		Set<Task> tasks;
		Set<String> defaultFor;
		int scaleFactor, channels, steps;
		double eta;
		Double guidanceScale;
		Precision precision;
		IntensitySpec intensity;
		int tileSize;
		boolean preserveMean, testModel, inferred;
		double matchNoise;
	}
}
