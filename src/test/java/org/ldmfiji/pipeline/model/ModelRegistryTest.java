package org.ldmfiji.pipeline.model;

import org.ldmfiji.pipeline.Task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.Fixtures;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

class ModelRegistryTest {

	@TempDir
	Path tmp;

	private BundledModels bundled() {
		return new BundledModels(getClass().getClassLoader(), tmp.resolve("cache"));
	}

	private ModelRegistry registry(List<Path> userFolders, Path fiji) {
		return new ModelRegistry(userFolders, fiji, bundled());
	}

	/** A published CompVis folder: config.yaml and last.ckpt, no card. */
	private Path compVisFolder(Path parent, String name, String fixture) throws IOException {
		Path dir = Files.createDirectories(parent.resolve(name));
		Path fixtureDir = Fixtures.bundledCase(fixture);
		Files.copy(fixtureDir.resolve("config.yaml"), dir.resolve("config.yaml"));
		Path weights = Fixtures.weights(fixtureDir);
		String ext = weights.getFileName().toString().endsWith(".ckpt") ? ".ckpt" : ".safetensors";
		Files.copy(weights, dir.resolve("last" + ext));
		return dir;
	}

	@Test
	void theIndexesListEveryBundledFolder() throws IOException {
		List<String> folders = new ArrayList<>();
		for (Path root : List.of(Paths.get("models"), BundledModelsTest.TEST_MODELS)) {
			try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
				for (Path d : dirs) folders.add(d.getFileName().toString());
			}
		}
		Collections.sort(folders);
		List<String> indexed = new ArrayList<>(bundled().names());
		Collections.sort(indexed);
		assertEquals(folders, indexed, "the index.txt files and the folders of models/ and src/test/models/");
	}

	@Test
	void bundledModelsHaveHonestCardsAndOneDefaultPerUse() throws IOException {
		ModelRegistry r = registry(List.of(), null);
		List<ModelListing> all = r.list();
		assertEquals(7, all.size(), "three shipped, four on the tests' class path");
		for (ModelListing m : all) {
			assertNull(m.problem(), m.name());
			// a test model says so in its card and its listing; a trained one names what it was trained on
			boolean test = m.name().startsWith("tiny-");
			assertEquals(test, m.card().testModel, m.name());
			assertEquals(test, m.card().description.contains("RANDOM WEIGHTS"), m.name());
			assertEquals(test, m.describe().contains("TEST MODEL"), m.describe());
			if (!test) assertTrue(m.card().trainingData.contains("synthetic"), m.name());
		}
		assertEquals("fluo-sr4x", r.defaultFor(Task.SR).name());
		assertEquals("fluo-inpaint", r.defaultFor(Task.INPAINT).name());
		assertEquals("fluo-labels", r.defaultFor(ModelCard.LABEL_SYNTHESIS).name());
		IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> r.defaultFor(Task.SYNTHESIZE));
		assertTrue(none.getMessage().startsWith("no default model for synthesize; name one (known models: "), none.getMessage());
		assertEquals("fluo-sr4x", r.resolve(null, Task.SR).name(), "no name: the task's default");
	}

	@Test
	void aBundledModelResolvesByNameToItsFiles() throws IOException {
		ModelFolder m = registry(List.of(), null).resolve("tiny-sr-test", Task.SR);
		assertEquals(ModelFolder.Origin.BUNDLED, m.origin());
		assertEquals(4, m.card().scaleFactor);
		assertTrue(Files.isRegularFile(m.config()) && Files.isRegularFile(m.weights()));
		assertEquals(m.card().sha256, Checksums.sha256(m.weights()));
	}

	@Test
	void aModelThatCannotDoTheTaskIsRefused() throws IOException {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> registry(List.of(), null).resolve("tiny-cin-test", Task.SR));
		assertEquals("model 'tiny-cin-test' cannot do super-resolution; it can do: synthesize", e.getMessage());
	}

	@Test
	void anUnknownNameListsTheKnownOnes() {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> registry(List.of(), null).resolve("bsr_sr"));
		assertTrue(e.getMessage().startsWith("no model named 'bsr_sr'; known models: "), e.getMessage());
		for (String name : List.of("fluo-sr4x", "fluo-inpaint", "fluo-labels", "tiny-inpaint-test", "tiny-sr-test", "tiny-seg-test", "tiny-cin-test"))
			assertTrue(e.getMessage().contains(name), e.getMessage());
	}

	@Test
	void fijiAppModelsAreFoundThroughTheImageJDirProperty() throws IOException {
		Path fijiApp = Files.createDirectories(tmp.resolve("Fiji.app"));
		Path models = Files.createDirectories(fijiApp.resolve(ModelRegistry.FIJI_SUBFOLDER));
		compVisFolder(models, "bsr_sr", "sr");
		String before = System.getProperty("imagej.dir");
		System.setProperty("imagej.dir", fijiApp.toString());
		try {
			assertEquals(models, ModelRegistry.fijiModelsFolder());
			ModelRegistry r = new ModelRegistry(List.of(), ModelRegistry.fijiModelsFolder(), bundled());
			ModelFolder m = r.resolve("bsr_sr", Task.SR);
			assertEquals(ModelFolder.Origin.FIJI, m.origin());
			assertTrue(m.card().inferred);
			assertEquals(4, m.card().scaleFactor);
			assertEquals(100, m.card().steps);
			assertEquals("last.ckpt", m.weights().getFileName().toString());
			assertEquals("bsr_sr", r.list().get(0).name());
		} finally {
			if (before == null) System.clearProperty("imagej.dir");
			else System.setProperty("imagej.dir", before);
		}
	}

	@Test
	void noFijiAppWithoutAProperty() {
		String imagej = System.clearProperty("imagej.dir");
		String ij = System.clearProperty("ij.dir");
		try {
			assertNull(ModelRegistry.fijiModelsFolder(), "never the working directory");
		} finally {
			if (imagej != null) System.setProperty("imagej.dir", imagej);
			if (ij != null) System.setProperty("ij.dir", ij);
		}
	}

	@Test
	void aUserPathMayBeAFolderAConfigOrAWeightsFile() throws IOException {
		Path dir = compVisFolder(tmp, "bsr_sr", "sr");
		ModelRegistry r = registry(List.of(), null);
		for (String path : List.of(dir.toString(), dir.resolve("config.yaml").toString(), dir.resolve("last.ckpt").toString())) {
			ModelFolder m = r.resolve(path, Task.SR);
			assertEquals(ModelFolder.Origin.USER, m.origin(), path);
			assertEquals(dir.resolve("config.yaml"), m.config(), path);
			assertEquals(dir.resolve("last.ckpt"), m.weights(), path);
			assertEquals("bsr_sr", m.name());
		}
	}

	@Test
	void anExplicitConfigAndWeightsPair() throws IOException {
		Path dir = compVisFolder(tmp, "inpainting_big", "inpaint");
		Path weights = Files.move(dir.resolve("last.safetensors"), tmp.resolve("elsewhere.safetensors"));
		ModelFolder m = registry(List.of(), null).resolve(dir.resolve("config.yaml"), weights, null);
		assertEquals(weights, m.weights());
		assertEquals(List.of(Task.INPAINT), new ArrayList<>(m.card().tasks));
		assertEquals(50, m.card().steps);
		assertEquals(0.0, m.card().eta);
	}

	@Test
	void aFolderWithSeveralCheckpointsAsksWhichOne() throws IOException {
		Path dir = compVisFolder(tmp, "bsr_sr", "sr");
		Files.copy(dir.resolve("last.ckpt"), dir.resolve("epoch=10.ckpt"));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> registry(List.of(), null).resolve(dir.toString()));
		assertTrue(e.getMessage().contains("several weights files [epoch=10.ckpt, last.ckpt]"), e.getMessage());
		assertEquals(dir.resolve("last.ckpt"), registry(List.of(), null).resolve(dir.resolve("last.ckpt").toString()).weights());
	}

	@Test
	void aUserFolderComesFirstAndTheHiddenModelIsListedAsShadowed() throws IOException {
		Path user = Files.createDirectories(tmp.resolve("my-models"));
		Path mine = compVisFolder(user, "tiny-sr-test", "sr");
		ModelRegistry r = registry(List.of(user), null);
		ModelFolder m = r.resolve("tiny-sr-test");
		assertEquals(ModelFolder.Origin.USER, m.origin());
		assertEquals(mine, m.folder());
		List<ModelListing> listed = r.list().stream().filter(l -> l.name().equals("tiny-sr-test")).collect(Collectors.toList());
		assertEquals(2, listed.size());
		assertFalse(listed.get(0).shadowed());
		assertTrue(listed.get(1).shadowed());
		assertEquals(ModelFolder.Origin.BUNDLED, listed.get(1).origin());
		// the user's copy has no card, so it declares no default: the default comes from further down
		assertEquals(ModelFolder.Origin.BUNDLED, r.defaultFor(Task.INPAINT).origin());
	}

	@Test
	void anUnreadableFolderIsListedWithItsProblem() throws IOException {
		Path user = Files.createDirectories(tmp.resolve("my-models"));
		Path broken = Files.createDirectories(user.resolve("broken"));
		Files.write(broken.resolve(ModelCard.FILE_NAME), "name: broken\n".getBytes(StandardCharsets.UTF_8));
		ModelListing l = registry(List.of(user), null).list().get(0);
		assertEquals("broken", l.name());
		assertNull(l.card());
		assertTrue(l.problem().contains("model.yaml: tasks: "), l.problem());
		assertTrue(l.describe().contains("UNUSABLE"));
	}

	@Test
	void theShippedModelsStayUnderSixtyMegabytes() throws IOException {
		long bytes;
		try (java.util.stream.Stream<Path> files = Files.walk(Paths.get("models"))) {
			bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
		}
		assertTrue(bytes <= 60_000_000L, "models/ holds " + bytes + " bytes; the plugin's bundled models must stay within 60 MB "
			+ "(test models go to src/test/models)");
	}
}
