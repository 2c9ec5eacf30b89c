package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

class ModelConfigReaderTest {

	private static final Path LOCAL_FIXTURES = Paths.get("src/test/resources/ldm-reference");
	private static final String UNET = "model.params.unet_config.params.";
	private static final Object REMOVE = new Object();

	// ---- the reference fixtures (tiny models cut down from the zoo configs)

	@Test
	void superResolutionFixture() throws IOException {
		LdmConfig c = ModelConfigReader.read(fixtureConfig("sr"));
		assertEquals("concat", c.diffusion.conditioningKey);
		assertEquals(CondStageConfig.Kind.IDENTITY, c.condStage.kind);
		assertEquals("LR_image", c.diffusion.condStageKey);
		assertTrue(c.diffusion.useEma);
		assertEquals(1e-6, c.baseLearningRate);
		assertEquals(0.0015, c.diffusion.linearStart);
		assertEquals(0.0155, c.diffusion.linearEnd);
		// DDPM / LatentDiffusion defaults
		assertEquals("linear", c.diffusion.betaSchedule);
		assertEquals("eps", c.diffusion.parameterization);
		assertEquals(8e-3, c.diffusion.cosineS);
		assertEquals(1.0, c.diffusion.scaleFactor);
		assertFalse(c.diffusion.scaleByStd);
		assertFalse(c.diffusion.clipDenoised);
		assertEquals(1, c.diffusion.numTimestepsCond);
		assertEquals(0.0, c.diffusion.vPosterior);
		assertEquals("image", c.diffusion.firstStageKey);
		// UNetModel defaults
		UNetConfig u = c.unet;
		assertEquals(-1, u.numHeads);
		assertEquals(16, u.numHeadChannels);
		assertEquals(-1, u.numHeadsUpsample);
		assertTrue(u.legacy);
		assertTrue(u.convResample);
		assertEquals(2, u.dims);
		assertEquals(0.0, u.dropout);
		assertEquals(1, u.transformerDepth);
		assertNull(u.contextDim);
		assertNull(u.numClasses);
		assertNull(u.nEmbed);
		assertFalse(u.useFp16 || u.useCheckpoint || u.useScaleShiftNorm || u.resblockUpdown || u.useNewAttentionOrder);
		assertEquals(4, u.attentionHeads(64, false));
		assertEquals(16, u.attentionHeadChannels(64, true));
		// first stage and Encoder/Decoder defaults
		FirstStageConfig f = c.firstStage;
		assertEquals(FirstStageConfig.Kind.VQ, f.kind);
		assertEquals(64, f.nEmbed);
		assertTrue(f.quantizesOnDecode());
		assertFalse(f.saneIndexShape);
		assertNull(f.remap);
		assertEquals("vanilla", f.ddconfig.attnType);
		assertTrue(f.ddconfig.resampWithConv);
		assertFalse(f.ddconfig.givePreEnd || f.ddconfig.tanhOut || f.ddconfig.useLinearAttn);
		assertEquals(4, f.ddconfig.downsamplingFactor());
	}

	@Test
	void inpaintingFixture() throws IOException {
		LdmConfig c = ModelConfigReader.read(fixtureConfig("inpaint"));
		assertEquals("concat", c.diffusion.conditioningKey);
		assertEquals(CondStageConfig.Kind.FIRST_STAGE, c.condStage.kind);
		assertFalse(c.diffusion.useEma);
		assertEquals("l1", c.diffusion.lossType);
		assertEquals("none", c.firstStage.ddconfig.attnType);
		assertTrue(c.unet.resblockUpdown);
		assertEquals(4, c.unet.numHeads);
		assertEquals(4, c.unet.numHeadsUpsample, "num_heads_upsample -1 takes num_heads");
		assertEquals(-1, c.unet.numHeadChannels);
	}

	@Test
	void classConditionalFixture() throws IOException {
		LdmConfig c = ModelConfigReader.read(fixtureConfig("cin"));
		assertEquals("crossattn", c.diffusion.conditioningKey);
		assertTrue(c.diffusion.useEma);
		assertTrue(c.diffusion.condStageTrainable);
		CondStageConfig cond = c.condStage;
		assertEquals(CondStageConfig.Kind.CLASS_EMBEDDER, cond.kind);
		assertEquals(1001, cond.nClasses);
		assertEquals(64, cond.embedDim);
		assertEquals("class_label", cond.key);
		assertTrue(c.unet.useSpatialTransformer);
		assertEquals(Integer.valueOf(64), c.unet.contextDim);
		assertEquals(1, c.unet.attentionHeads(64, true));
		assertEquals(64, c.unet.attentionHeadChannels(64, true));
	}

	@Test
	void klFixture() throws IOException {
		LdmConfig c = ModelConfigReader.read(fixtureConfig("kl"));
		assertNull(c.diffusion.conditioningKey, "__is_unconditional__ forces no conditioning");
		assertEquals(CondStageConfig.Kind.UNCONDITIONAL, c.condStage.kind);
		assertTrue(c.diffusion.scaleByStd);
		assertFalse(c.diffusion.useEma);
		assertEquals(FirstStageConfig.Kind.KL, c.firstStage.kind);
		assertEquals(0, c.firstStage.nEmbed);
		assertFalse(c.firstStage.quantizesOnDecode());
		assertTrue(c.firstStage.ddconfig.doubleZ);
		assertEquals(8, c.firstStage.ddconfig.downsamplingFactor());
		assertTrue(c.unet.useScaleShiftNorm);
		assertEquals(Arrays.asList(1, 2), c.unet.attentionResolutions);
	}

	// ---- published model-zoo configs

	@ParameterizedTest
	@MethodSource("bundledNames")
	void everyBundledConfigLoads(String name) throws IOException {
		LdmConfig c = ModelConfigReader.readBundled(name);
		assertEquals(LdmConfig.LATENT_DIFFUSION, c.target);
		assertEquals(1000, c.diffusion.timesteps);
	}

	static Stream<String> bundledNames() {
		return ModelConfigReader.BUNDLED.stream();
	}

	@Test
	void superResolutionZooConfig() throws IOException {
		LdmConfig c = ModelConfigReader.readBundled("bsr_sr");
		assertEquals("concat", c.diffusion.conditioningKey);
		assertTrue(c.diffusion.useEma);
		assertEquals(160, c.unet.modelChannels);
		assertFalse(c.unet.hasAttention(2));
		assertTrue(c.unet.hasAttention(3), "attention_resolutions [16, 8]: only ds 8 exists");
		assertEquals(20, c.unet.attentionHeads(c.unet.levelChannels(3), false));
		assertEquals(8192, c.firstStage.nEmbed);
	}

	@Test
	void inpaintingZooConfig() throws IOException {
		LdmConfig c = ModelConfigReader.readBundled("inpainting_big");
		assertEquals(CondStageConfig.Kind.FIRST_STAGE, c.condStage.kind);
		assertEquals(7, c.unet.inChannels);
		assertEquals("none", c.firstStage.ddconfig.attnType);
		assertEquals(8, c.unet.attentionHeads(1024, true));
		assertEquals(128, c.unet.attentionHeadChannels(1024, true));
		assertTrue(c.diffusion.useEma);
	}

	@Test
	void classConditionalZooConfig() throws IOException {
		LdmConfig c = ModelConfigReader.readBundled("cin256-v2");
		assertEquals("crossattn", c.diffusion.conditioningKey);
		assertFalse(c.diffusion.useEma);
		assertEquals(1001, c.condStage.nClasses);
		assertEquals(Integer.valueOf(512), c.unet.contextDim);
		assertEquals(1e-4, c.baseLearningRate);
	}

	@Test
	void churchesZooConfig() throws IOException {
		LdmConfig c = ModelConfigReader.readBundled("lsun_churches-ldm-kl-8");
		assertNull(c.diffusion.conditioningKey);
		assertTrue(c.diffusion.scaleByStd);
		assertEquals(FirstStageConfig.Kind.KL, c.firstStage.kind);
		assertEquals(Arrays.asList(1, 2, 2, 4, 4), c.unet.channelMult);
		assertEquals(5e-5, c.baseLearningRate);
	}

	@Test
	void semanticSynthesisZooConfig() throws IOException {
		LdmConfig c = testConfig("semantic_synthesis256");
		CondStageConfig cond = c.condStage;
		assertEquals(CondStageConfig.Kind.SPATIAL_RESCALER, cond.kind);
		assertEquals(2, cond.nStages);
		assertEquals("bilinear", cond.method);
		assertEquals(0.5, cond.multiplier);
		assertEquals(182, cond.inChannels);
		assertEquals(Integer.valueOf(3), cond.outChannels);
		assertFalse(cond.bias);
		assertEquals("concat", c.diffusion.conditioningKey);
	}

	@Test
	void celebaZooConfig() throws IOException {
		LdmConfig c = testConfig("celeba256");
		assertEquals(CondStageConfig.Kind.UNCONDITIONAL, c.condStage.kind);
		assertNull(c.diffusion.conditioningKey);
		assertEquals(224, c.unet.modelChannels);
	}

	@Test
	void textToImageIsRefusedAtLoad() {
		ConfigException e = assertThrows(ConfigException.class, () -> testConfig("txt2img-1p4B-eval"));
		assertMessage(e, "txt2img-1p4B-eval.yaml", "model.params.cond_stage_config.target",
			"cond stage ldm.modules.encoders.modules.BERTEmbedder", "not supported yet");
	}

	// ---- document shapes and number spellings

	@Test
	void modelSectionAtTopLevel() throws IOException {
		Map<String, Object> model = yamlMap(zooText("bsr_sr")).get("model");
		String direct = new Yaml().dump(model);
		assertEquals(ModelConfigReader.readBundled("bsr_sr").toString(), ModelConfigReader.read(direct, "direct").toString());
	}

	@Test
	void numberSpellings() throws IOException {
		String text = zooText("bsr_sr").replace("base_learning_rate: 1.0e-06", "base_learning_rate: 1e-6");
		LdmConfig c = ModelConfigReader.read(edited(text, "model.params.linear_end", 1), "numbers");
		assertEquals(1e-6, c.baseLearningRate);
		assertEquals(1.0, c.diffusion.linearEnd, "an int where a float is expected");
	}

	@Test
	void contextDimListTakesFirstEntry() throws IOException {
		String text = edited(zooText("cin256-v2"), UNET + "context_dim", Collections.singletonList(512));
		assertEquals(Integer.valueOf(512), ModelConfigReader.read(text, "list").unet.contextDim);
	}

	@Test
	void explicitNullConditioningKeyFallsBackToConcatMode() throws IOException {
		String text = edited(zooText("bsr_sr"), "model.params.conditioning_key", null);
		assertEquals("concat", ModelConfigReader.read(text, "null key").diffusion.conditioningKey);
	}

	@Test
	void legacySpatialTransformerRecomputesHeadWidth() throws IOException {
		String text = edited(zooText("cin256-v2"), UNET + "num_head_channels", 100);
		UNetConfig legacy = ModelConfigReader.read(text, "legacy").unet;
		assertEquals(3, legacy.attentionHeads(384, false), "num_head_channels wins: 384 // 100");
		assertEquals(128, legacy.attentionHeadChannels(384, false), "legacy: 384 // 3");
		UNetConfig current = ModelConfigReader.read(edited(text, UNET + "legacy", false), "current").unet;
		assertEquals(100, current.attentionHeadChannels(384, false));
	}

	@Test
	void summaryNamesTheArchitecture() throws IOException {
		String summary = ModelConfigReader.readBundled("bsr_sr").toString();
		for (String part : new String[] { "LatentDiffusion", "conditioning concat", "UNet 6->3 channels", "160 x [1, 2, 2, 4]",
			"32 channels/head", "VQ (ldm.models.autoencoder.VQModelInterface)", "f4", "8192 codes", "IDENTITY (torch.nn.Identity)" })
			assertTrue(summary.contains(part), () -> "'" + part + "' missing from:\n" + summary);
	}

	// ---- errors

	@ParameterizedTest(name = "{0} {1} = {2}")
	@MethodSource("badEdits")
	void badConfigsFailAtLoad(String zooName, String keyPath, Object value, String[] expected) {
		String text = edited(zooText(zooName), keyPath, value);
		ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigReader.read(text, zooName + "-edited.yaml"));
		assertMessage(e, expected);
		assertTrue(e.getMessage().startsWith(zooName + "-edited.yaml: "), e::getMessage);
	}

	static Stream<Arguments> badEdits() {
		return Stream.of(
			bad("bsr_sr", UNET + "num_res_blocks", REMOVE, UNET + "num_res_blocks", "missing", "integer"),
			bad("bsr_sr", UNET + "num_res_blocks", "two", UNET + "num_res_blocks", "expected an integer", "\"two\""),
			bad("bsr_sr", UNET + "num_res_blocks", 2.0, UNET + "num_res_blocks", "expected an integer"),
			bad("bsr_sr", UNET + "channel_mult", Arrays.asList(1, "2"), UNET + "channel_mult[1]", "expected an integer"),
			bad("bsr_sr", "model.params.linear_start", "small", "model.params.linear_start", "expected a number"),
			bad("bsr_sr", "model.params.use_ema", "yes please", "model.params.use_ema", "true or false"),
			bad("bsr_sr", "model.params.first_stage_config.target", "ldm.models.autoencoder.Mystery",
				"model.params.first_stage_config.target", "ldm.models.autoencoder.Mystery", "not supported yet"),
			bad("bsr_sr", "model.params.first_stage_config.target", "ldm.models.autoencoder.IdentityFirstStage",
				"IdentityFirstStage", "not supported yet"),
			bad("bsr_sr", UNET + "num_head_channels", -1, UNET + "num_heads", "either num_heads or num_head_channels"),
			bad("bsr_sr", UNET + "num_head_channels", 48, UNET + "num_head_channels", "640 channels"),
			bad("bsr_sr", UNET + "channel_mult", Arrays.asList(2, 2, 4), UNET + "channel_mult[0]", "must be 1"),
			bad("bsr_sr", UNET + "model_channels", 100, UNET + "model_channels", "multiple of 32"),
			bad("bsr_sr", UNET + "dims", 3, UNET + "dims", "not supported yet"),
			bad("bsr_sr", UNET + "use_spatial_transformer", true, UNET + "context_dim", "missing"),
			bad("bsr_sr", "model.target", "ldm.models.diffusion.ddpm.DDPM", "model.target", "DDPM", "not supported yet"),
			bad("bsr_sr", "model.params.parameterization", "v", "model.params.parameterization", "not supported yet"),
			bad("bsr_sr", "model.params.beta_schedule", "quadratic", "model.params.beta_schedule", "\"quadratic\""),
			bad("bsr_sr", "model.params.conditioning_key", "sideways", "model.params.conditioning_key", "\"sideways\""),
			bad("bsr_sr", "model.params.channels", 4, "model.params.channels", "embed_dim is 3"),
			bad("bsr_sr", UNET + "in_channels", 3, UNET + "in_channels", "must exceed channels"),
			bad("bsr_sr", "model.params.first_stage_config.params.ddconfig.attn_type", "linear", "attn_type", "not supported yet"),
			bad("bsr_sr", "model.params.first_stage_config.params.ddconfig.double_z", true, "double_z", "must be false"),
			bad("bsr_sr", "model.params.cond_stage_config", "__is_other__", "model.params.cond_stage_config", "\"__is_other__\""),
			bad("inpainting_big", "model.params.cond_stage_trainable", true, "model.params.cond_stage_trainable", "__is_first_stage__"),
			bad("cin256-v2", UNET + "context_dim", 640, UNET + "context_dim", "ClassEmbedder's embed_dim (512)"),
			bad("lsun_churches-ldm-kl-8", "model.params.first_stage_config.params.ddconfig.double_z", false,
				"ddconfig.double_z", "must be true"));
	}

	private static Arguments bad(String zooName, String keyPath, Object value, String... expected) {
		return Arguments.of(zooName, keyPath, value, expected);
	}

	@Test
	void duplicateKeysAreRefused() {
		String text = zooText("bsr_sr").replace("    timesteps: 1000\n", "    timesteps: 1000\n    timesteps: 500\n");
		ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigReader.read(text, "dup.yaml"));
		assertMessage(e, "dup.yaml", "not valid YAML", "timesteps");
	}

	@Test
	void arbitraryTypesAreNeverConstructed() {
		String text = "model: !!java.io.File [\"/tmp\"]\n";
		ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigReader.read(text, "tagged.yaml"));
		assertMessage(e, "tagged.yaml", "not valid YAML");
	}

	@Test
	void documentWithoutModelSection() {
		ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigReader.read("data: {}\n", "data.yaml"));
		assertMessage(e, "data.yaml: model: missing");
	}

	@Test
	void missingFileNamesTheFile() {
		Path missing = Paths.get("no-such-dir", "config.yaml");
		ConfigException e = assertThrows(ConfigException.class, () -> ModelConfigReader.read(missing));
		assertMessage(e, missing.toString(), "cannot read");
	}

	// ---- helpers

	/** A reference fixture's config, from the copy in the test resources. */
	private static Path fixtureConfig(String name) {
		Path config = LOCAL_FIXTURES.resolve(name).resolve("config.yaml");
		assertTrue(Files.exists(config), () -> "reference fixture missing from " + LOCAL_FIXTURES + ": " + name);
		return config;
	}

	/** A zoo config kept only for tests (src/test/resources/configs). */
	private static LdmConfig testConfig(String name) throws ConfigException {
		String resource = "/configs/" + name + ".yaml";
		return ModelConfigReader.read(classpathText(resource), resource);
	}

	/** The text of a bundled zoo config (src/main/resources) or, failing that, a test-only one. */
	private static String zooText(String name) {
		boolean bundled = ModelConfigReader.BUNDLED.contains(name);
		return classpathText((bundled ? "/org/ldmfiji/configs/" : "/configs/") + name + ".yaml");
	}

	private static String classpathText(String resource) {
		try (InputStream in = ModelConfigReaderTest.class.getResourceAsStream(resource)) {
			assertTrue(in != null, "no resource " + resource);
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException e) {
			throw new AssertionError(resource, e);
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Map<String, Object>> yamlMap(String text) {
		return (Map<String, Map<String, Object>>) new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
	}

	/** The YAML with the value at a dotted key path replaced (or removed with {@link #REMOVE}). */
	@SuppressWarnings("unchecked")
	private static String edited(String text, String keyPath, Object value) {
		Map<String, Object> root = (Map<String, Object>) (Map<String, ?>) yamlMap(text);
		String[] keys = keyPath.split("\\.");
		Map<String, Object> map = root;
		for (int i = 0; i < keys.length - 1; i++)
			map = (Map<String, Object>) map.get(keys[i]);
		if (value == REMOVE) map.remove(keys[keys.length - 1]);
		else map.put(keys[keys.length - 1], value);
		return new Yaml().dump(root);
	}

	private static void assertMessage(ConfigException e, String... parts) {
		for (String part : parts)
			assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
	}
}
