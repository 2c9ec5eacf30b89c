package org.ldmfiji.pipeline;

import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.io.DiffusionConfig;
import org.ldmfiji.io.LdmConfig;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What a user asks of a model, and which models can do it, read from the model's own config. */
public enum Task {
	SR("super-resolution"), INPAINT("inpainting"), SYNTHESIZE("synthesis");

	private final String description;

	Task(String description) {
		this.description = description;
	}

	/** The short name used on the command line and in model cards: {@code sr}, {@code inpaint}, {@code synthesize}. */
	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	public String description() {
		return description;
	}

	/** @throws IllegalArgumentException for a name that is no task */
	public static Task of(String id) {
		for (Task t : values()) {
			if (t.id().equalsIgnoreCase(id == null ? "" : id.trim())) return t;
		}
		throw new IllegalArgumentException("unknown task '" + id + "' (sr, inpaint, synthesize)");
	}

	/**
	 * What the model can do: super-resolution with an image concatenated to the latent as is (bsr_sr); inpainting with
	 * a masked-image model (inpainting_big) or, by latent mask blending, with any model that samples from noise alone
	 * or from a class; synthesis from noise, a class or a label map.
	 */
	public static Set<Task> supportedBy(LdmConfig config) {
		Set<Task> tasks = EnumSet.noneOf(Task.class);
		DiffusionConfig d = config.diffusion;
		CondStageConfig.Kind cond = config.condStage.kind;
		boolean concat = "concat".equals(d.conditioningKey);
		if (concat && cond == CondStageConfig.Kind.IDENTITY) tasks.add(SR);
		if (isMaskedImageModel(config)) tasks.add(INPAINT);
		if (cond == CondStageConfig.Kind.UNCONDITIONAL || cond == CondStageConfig.Kind.CLASS_EMBEDDER) {
			tasks.add(INPAINT);
			tasks.add(SYNTHESIZE);
		}
		if (cond == CondStageConfig.Kind.SPATIAL_RESCALER) tasks.add(SYNTHESIZE);
		return tasks;
	}

	/**
	 * A model trained on (masked image, mask) pairs, as the reference's inpainting_big: the hole blanked
	 * ({@code masked_image}) or filled by the harmonic fill ({@link Inpainting#HARMONIC_FILLED_IMAGE}).
	 */
	static boolean isMaskedImageModel(LdmConfig config) {
		return "concat".equals(config.diffusion.conditioningKey) && config.condStage.kind == CondStageConfig.Kind.FIRST_STAGE
			&& Inpainting.isMaskedImageKey(config.diffusion.condStageKey);
	}

	/** @throws IllegalArgumentException saying what the model can do instead */
	public void requireSupportedBy(LdmConfig config, String modelName) {
		Set<Task> can = supportedBy(config);
		if (can.contains(this)) return;
		List<String> names = new ArrayList<>();
		for (Task t : can) names.add(t.id());
		String what = config.diffusion.conditioningKey == null ? "unconditional"
			: "conditioned on '" + config.diffusion.condStageKey + "'";
		throw new IllegalArgumentException("model '" + modelName + "' cannot do " + description + " (it is " + what
			+ (names.isEmpty() ? "; it supports no task of this plugin" : "; it can do: " + String.join(", ", names)) + ")");
	}
}
