package org.ldmfiji.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a CompVis latent-diffusion YAML config into an {@link LdmConfig}. The document is
 * either {@code {model: {target, params, ...}, ...}} (the published files) or the model
 * section itself ({@code {target, params}}). Unknown keys are ignored, as the reference
 * ignores many (monitor, scheduler_config, lossconfig, ckpt_path, data, lightning...).
 */
public final class ModelConfigReader {

	/** Model-zoo configs shipped on the class path (org/ldmfiji/configs/NAME.yaml). */
	public static final List<String> BUNDLED = List.of("bsr_sr", "inpainting_big", "cin256-v2", "lsun_churches-ldm-kl-8");
	private static final String BUNDLED_FOLDER = "/org/ldmfiji/configs/";
	private static final String DOCUMENT = "a YAML mapping with a 'model' section";

	private ModelConfigReader() {}

	public static LdmConfig read(Path yamlFile) throws ConfigException {
		return read(ConfigNode.read(yamlFile, DOCUMENT));
	}

	/** @param sourceName how error messages name the text, usually its file */
	public static LdmConfig read(String yamlText, String sourceName) throws ConfigException {
		return read(ConfigNode.parse(yamlText, sourceName, DOCUMENT));
	}

	/**
	 * The model section's {@code target}: tells a latent diffusion config from a first-stage one
	 * ({@code ldm.models.autoencoder.VQModel}, {@code AutoencoderKL}), as a training run must before reading either.
	 */
	public static String target(String yamlText, String sourceName) throws ConfigException {
		return modelSection(ConfigNode.parse(yamlText, sourceName, DOCUMENT)).requiredString("target");
	}

	/**
	 * A first stage's own config, as the reference's autoencoder configs are written
	 * ({@code model: {target: ldm.models.autoencoder.VQModel, params: {embed_dim, n_embed, ddconfig, lossconfig}}}).
	 */
	public static FirstStageConfig readFirstStage(String yamlText, String sourceName) throws ConfigException {
		return new FirstStageConfig(modelSection(ConfigNode.parse(yamlText, sourceName, DOCUMENT)));
	}

	private static ConfigNode modelSection(ConfigNode root) throws ConfigException {
		if (root.has("model")) return root.node("model");
		if (root.has("target")) return root;
		throw root.error("model", "missing; expected a 'model' section or a top-level 'target' and 'params'");
	}

	private static LdmConfig read(ConfigNode root) throws ConfigException {
		if (root.has("model")) return new LdmConfig(root.node("model"));
		if (root.has("target")) return new LdmConfig(root);
		throw root.error("model", "missing; expected a 'model' section or a top-level 'target' and 'params'");
	}

	/** One of {@link #BUNDLED}. */
	public static LdmConfig readBundled(String name) throws ConfigException {
		String resource = BUNDLED_FOLDER + name + ".yaml";
		InputStream in = ModelConfigReader.class.getResourceAsStream(resource);
		if (in == null) throw new ConfigException(resource, "", "no such bundled config; bundled are " + BUNDLED);
		String text;
		try (in) {
			text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new ConfigException(resource, "", "cannot read the bundled config: " + e, e);
		}
		return read(text, resource);
	}
}
