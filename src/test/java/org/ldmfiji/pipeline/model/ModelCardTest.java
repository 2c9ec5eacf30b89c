package org.ldmfiji.pipeline.model;

import org.ldmfiji.pipeline.Task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ldmfiji.nn.Precision;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldmfiji.io.ConfigException;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.testing.Fixtures;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

class ModelCardTest {

	private static final Object REMOVE = new Object();
	private static final String SHA = "e2877e5e0cff08081a4e2583e4c7237ade25c2219d7c07abfc3c10eb94de253f";

	@TempDir
	Path dir;

	/** A complete, valid card. */
	private static Map<String, Object> valid() {
		Map<String, Object> card = new LinkedHashMap<>();
		card.put("name", "some-sr");
		card.put("description", "a model for tests");
		card.put("test_model", true);
		card.put("tasks", List.of("sr"));
		card.put("default_for", List.of("sr"));
		card.put("scale_factor", 4);
		card.put("channels", 3);
		card.put("sampler", "ddim");
		card.put("steps", 100);
		card.put("eta", 1.0);
		card.put("guidance_scale", 2.5);
		card.put("precision", "bf16");
		card.put("tile_size", 128);
		card.put("preserve_mean", true);
		Map<String, Object> intensity = new LinkedHashMap<>();
		intensity.put("mapping", "percentile");
		intensity.put("low", 2.0);
		intensity.put("high", 99.5);
		card.put("intensity", intensity);
		card.put("weights", "model.ckpt");
		card.put("sha256", SHA.toUpperCase());
		card.put("licence", "BSD-2-Clause");
		card.put("source", "made for this test");
		card.put("training_data", "none");
		return card;
	}

	private Path write(Map<String, Object> card) throws IOException {
		Path folder = Files.createDirectories(dir.resolve("some-sr"));
		DumperOptions options = new DumperOptions();
		options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
		Path file = folder.resolve(ModelCard.FILE_NAME);
		Files.write(file, new Yaml(options).dump(card).getBytes(StandardCharsets.UTF_8));
		return file;
	}

	@Test
	void validCardReadsEveryField() throws IOException {
		ModelCard c = ModelCard.read(write(valid()), "some-sr");
		assertEquals("some-sr", c.name);
		assertEquals(EnumSet.of(Task.SR), c.tasks);
		assertEquals(Set.of("sr"), c.defaultFor);
		assertEquals(4, c.scaleFactor);
		assertEquals(3, c.channels);
		assertEquals("ddim", c.sampler);
		assertEquals(100, c.steps);
		assertEquals(1.0, c.eta);
		assertEquals(2.5, c.guidanceScale);
		assertEquals(Precision.BF16, c.precision);
		assertEquals(128, c.tileSize);
		assertEquals(128, c.recommendedSampling().build().tileSize, "the card's tiles are the sampling's default");
		assertTrue(c.preserveMean);
		assertTrue(c.recommendedSampling().build().preserveMean, "the card's mean preservation is the sampling's default");
		assertEquals(IntensitySpec.Kind.PERCENTILE, c.intensity.kind);
		assertEquals(2.0, c.intensity.low);
		assertEquals(99.5, c.intensity.high);
		assertEquals("config.yaml", c.config);
		assertEquals("model.ckpt", c.weights);
		assertEquals(SHA, c.sha256, "stored in lower case");
		assertEquals("BSD-2-Clause", c.licence);
		assertEquals("made for this test", c.source);
		assertEquals("none", c.trainingData);
		assertEquals("a model for tests", c.description);
		assertTrue(c.testModel);
		assertFalse(c.inferred);
		assertTrue(c.describe().contains("TEST MODEL"));
	}

	@Test
	void optionalKeysTakeTheirDefaults() throws IOException {
		Map<String, Object> card = valid();
		card.remove("guidance_scale");
		card.remove("precision");
		card.remove("tile_size");
		card.remove("preserve_mean");
		card.remove("default_for");
		card.put("tasks", List.of("inpaint", "synthesize"));
		card.remove("scale_factor");
		card.put("intensity", Map.of("mapping", "fixed8bit"));
		ModelCard c = ModelCard.read(write(card), "some-sr");
		assertNull(c.guidanceScale);
		assertEquals(Precision.FP32, c.precision);
		assertEquals(0, c.tileSize, "tiles from the memory budget");
		assertFalse(c.preserveMean, "as the reference: the model's output as it is");
		assertEquals(0, c.matchNoise, "as the reference: a smooth fill");
		assertTrue(c.defaultFor.isEmpty());
		assertEquals(1, c.scaleFactor);
		assertEquals(IntensitySpec.Kind.FIXED8BIT, c.intensity.kind);
		card.put("intensity", Map.of("mapping", "percentile"));
		ModelCard p = ModelCard.read(write(card), "some-sr");
		assertEquals(IntensitySpec.DEFAULT_LOW, p.intensity.low);
		assertEquals(IntensitySpec.DEFAULT_HIGH, p.intensity.high);
	}

	static Stream<Arguments> broken() {
		return Stream.of(
			Arguments.of("name", REMOVE, "name", "missing"),
			Arguments.of("name", "other-name", "name", "differs from the name of its folder"),
			Arguments.of("name", "a/b", "name", "names a folder"),
			Arguments.of("tasks", REMOVE, "tasks", "at least one"),
			Arguments.of("tasks", List.of(), "tasks", "at least one"),
			Arguments.of("tasks", List.of("denoise"), "tasks[0]", "expected one of [sr, inpaint, synthesize]"),
			Arguments.of("tasks", "sr", "tasks", "expected a list of strings"),
			Arguments.of("default_for", List.of("inpaint"), "default_for[0]", "not among the model's tasks"),
			Arguments.of("default_for", List.of("everything"), "default_for[0]", "expected one of"),
			Arguments.of("scale_factor", 1, "scale_factor", "at least 2"),
			Arguments.of("scale_factor", 2.5, "scale_factor", "expected an integer"),
			Arguments.of("channels", REMOVE, "channels", "missing"),
			Arguments.of("channels", 0, "channels", "at least 1"),
			Arguments.of("sampler", "euler", "sampler", "expected one of [ddim, plms, ddpm, dpmpp2m]"),
			Arguments.of("sampler", REMOVE, "sampler", "missing"),
			Arguments.of("steps", 0, "steps", "at least 1"),
			Arguments.of("eta", REMOVE, "eta", "missing"),
			Arguments.of("eta", -0.5, "eta", "at least 0"),
			Arguments.of("eta", "zero", "eta", "expected a number"),
			Arguments.of("guidance_scale", 0.5, "guidance_scale", "at least 1"),
			Arguments.of("precision", "fp16", "precision", "expected fp32 or bf16"),
			Arguments.of("tile_size", -64, "tile_size", "at least 0"),
			Arguments.of("preserve_mean", "yes", "preserve_mean", "expected"),
			Arguments.of("match_noise", 1.5, "match_noise", "must lie in [0, 1]"),
			Arguments.of("match_noise", -0.1, "match_noise", "must lie in [0, 1]"),
			Arguments.of("match_noise", 0.7, "match_noise", "is for inpainting, which is not among the model's tasks [sr]"),
			Arguments.of("precision", 32, "precision", "expected a string"),
			Arguments.of("intensity", REMOVE, "intensity", "missing"),
			Arguments.of("intensity", "percentile", "intensity", "expected a mapping"),
			Arguments.of("intensity", Map.of("mapping", "minmax"), "intensity.mapping", "expected one of"),
			Arguments.of("intensity", Map.of("mapping", "percentile", "low", 50.0, "high", 40.0), "intensity.high", "0 <= low < high <= 100"),
			Arguments.of("weights", REMOVE, "weights", "missing"),
			Arguments.of("weights", "../elsewhere.ckpt", "weights", "a file name inside the model folder"),
			Arguments.of("config", "/etc/config.yaml", "config", "a file name inside the model folder"),
			Arguments.of("sha256", REMOVE, "sha256", "missing"),
			Arguments.of("sha256", "abc123", "sha256", "64 hexadecimal digits"),
			Arguments.of("sha256", 42, "sha256", "expected a string"),
			Arguments.of("licence", REMOVE, "licence", "missing"),
			Arguments.of("licence", "  ", "licence", "must not be empty"),
			Arguments.of("source", REMOVE, "source", "missing"),
			Arguments.of("training_data", REMOVE, "training_data", "missing"),
			Arguments.of("description", REMOVE, "description", "missing"),
			Arguments.of("test_model", REMOVE, "test_model", "missing"),
			Arguments.of("test_model", "yes please", "test_model", "expected true or false"));
	}

	/** A valid card of another task than super-resolution: no default use, no scale factor. */
	private static Map<String, Object> forTask(String task) {
		Map<String, Object> card = valid();
		card.put("tasks", List.of(task));
		card.remove("default_for");
		card.remove("scale_factor");
		return card;
	}

	@Test
	void anInpaintingCardChoosesItsNoiseAndLevelMatching() throws IOException {
		Map<String, Object> card = forTask("inpaint");
		card.put("match_noise", 0.7);
		ModelCard c = ModelCard.read(write(card), "some-sr");
		assertEquals(0.7, c.matchNoise);
		assertEquals(0.7, c.recommendedSampling().build().matchNoise, "the card's noise matching is the sampling's default");
		assertTrue(c.describe().contains("camera noise"), c.describe());
		assertTrue(c.recommendedSampling().build().preserveMean, "an inpainting card may keep the local level");
	}

	@Test
	void meanPreservationIsRefusedWhereNoTaskUsesIt() throws IOException {
		Map<String, Object> card = forTask("synthesize");
		card.put("preserve_mean", true);
		ConfigException e = assertThrows(ConfigException.class, () -> ModelCard.read(write(card), "some-sr"));
		assertEquals("preserve_mean", e.getKeyPath());
		assertTrue(e.getMessage().contains("is for super-resolution and inpainting"), e.getMessage());
	}

	@ParameterizedTest(name = "{0} = {1}")
	@MethodSource("broken")
	void eachBrokenKeyIsNamedWithItsFile(String key, Object value, String keyPath, String problem) throws IOException {
		Map<String, Object> card = valid();
		if (value == REMOVE) card.remove(key);
		else card.put(key, value);
		Path file = write(card);
		ConfigException e = assertThrows(ConfigException.class, () -> ModelCard.read(file, "some-sr"));
		assertEquals(file.toString(), e.getSource());
		assertEquals(keyPath, e.getKeyPath());
		assertTrue(e.getMessage().contains(problem), e.getMessage());
		assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
	}

	@Test
	void aCardIsPlainDataNeverObjects() throws IOException {
		Path file = write(valid());
		Files.write(file, "name: !!java.io.File [\"/tmp\"]\n".getBytes(StandardCharsets.UTF_8));
		ConfigException e = assertThrows(ConfigException.class, () -> ModelCard.read(file, "some-sr"));
		assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
	}

	static Stream<Arguments> inferredTasks() {
		return Stream.of(
			Arguments.of("sr", EnumSet.of(Task.SR), 4, "ddim", 100, 1.0),
			Arguments.of("inpaint", EnumSet.of(Task.INPAINT), 1, "ddim", 50, 0.0),
			Arguments.of("seg", EnumSet.of(Task.SYNTHESIZE), 1, "ddim", 50, 0.0),
			Arguments.of("cin", EnumSet.of(Task.SYNTHESIZE, Task.INPAINT), 1, "ddim", 50, 0.0),
			Arguments.of("uncond", EnumSet.of(Task.SYNTHESIZE, Task.INPAINT), 1, "ddim", 50, 0.0));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("inferredTasks")
	void aFolderWithoutCardGetsItsTaskFromTheConfig(String fixture, Set<Task> tasks, int scale, String sampler,
		int steps, double eta) throws IOException
	{
		Path config = Fixtures.bundledCase(fixture).resolve("config.yaml");
		ModelCard c = ModelCard.inferred(fixture, ModelConfigReader.read(config), config, "model.ckpt");
		assertEquals(tasks, c.tasks);
		assertEquals(scale, c.scaleFactor);
		assertEquals(sampler, c.sampler);
		assertEquals(steps, c.steps);
		assertEquals(eta, c.eta);
		assertEquals(3, c.channels);
		assertNull(c.sha256);
		assertTrue(c.inferred);
	}

	@Test
	void aConfigOfNoKnownTaskAsksForACard() throws IOException {
		Path config = Fixtures.bundledCase("ctx").resolve("config.yaml");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> ModelCard.inferred("ctx", ModelConfigReader.read(config), config, "model.ckpt"));
		assertTrue(e.getMessage().startsWith(config.toString()) && e.getMessage().contains("add a model.yaml"), e.getMessage());
	}
}
