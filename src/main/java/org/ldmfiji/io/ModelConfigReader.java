package org.ldmfiji.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

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

	private ModelConfigReader() {}

	public static LdmConfig read(Path yamlFile) throws ConfigException {
		String text;
		try {
			text = new String(Files.readAllBytes(yamlFile), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new ConfigException(yamlFile.toString(), "", "cannot read the file: " + e, e);
		}
		return read(text, yamlFile.toString());
	}

	/** @param sourceName how error messages name the text, usually its file */
	public static LdmConfig read(String yamlText, String sourceName) throws ConfigException {
		Object document;
		try {
			document = yaml().load(yamlText);
		}
		catch (YAMLException e) {
			throw new ConfigException(sourceName, "", "not valid YAML: " + e.getMessage(), e);
		}
		if (!(document instanceof Map))
			throw new ConfigException(sourceName, "", "expected a YAML mapping with a 'model' section, got " + (document == null ? "an empty document" : "a " + document.getClass().getSimpleName()));
		ConfigNode root = new ConfigNode(sourceName, "", (Map<?, ?>) document);
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

	private static Yaml yaml() {
		LoaderOptions options = new LoaderOptions();
		options.setAllowDuplicateKeys(false); // OmegaConf refuses them too; a silent last-one-wins hides typos
		// SafeConstructor: plain maps, lists and scalars only, never arbitrary Java types
		return new Yaml(new SafeConstructor(options));
	}
}
