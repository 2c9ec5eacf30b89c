package org.ldmfiji.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Bundled models inside a real jar, as an installed plugin or ldm-cli.jar has them. */
class BundledModelsTest {

	/** The random-weight test models, bundled on the tests' class path only. */
	static final Path TEST_MODELS = Paths.get("src", "test", "models");

	private static final String MODEL = "tiny-seg-test";

	@TempDir
	Path tmp;

	/** A jar holding the index and one model folder from the test models, the way the build packs them. */
	private Path jar(boolean damageWeights) throws IOException {
		return jar("plugin_test.jar", List.of(MODEL), Map.of(MODEL, damageWeights));
	}

	/**
	 * A jar whose index lists {@code listed}, holding a copy of the test model's files under each name of
	 * {@code copies} (damaged where the value says so).
	 */
	private Path jar(String file, List<String> listed, Map<String, Boolean> copies) throws IOException {
		Path source = TEST_MODELS.resolve(MODEL);
		Path jar = tmp.resolve(file);
		try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
			put(out, BundledModels.INDEX, (String.join("\n", listed) + "\n").getBytes(StandardCharsets.UTF_8));
			for (Map.Entry<String, Boolean> copy : copies.entrySet()) {
				for (String f : List.of(ModelCard.FILE_NAME, "config.yaml", "model.safetensors")) {
					byte[] bytes = Files.readAllBytes(source.resolve(f));
					if (copy.getValue() && f.startsWith("model.s")) bytes[bytes.length - 1] ^= 1;
					if (f.equals(ModelCard.FILE_NAME)) { // a card names its own folder
						bytes = new String(bytes, StandardCharsets.UTF_8).replace("name: " + MODEL, "name: " + copy.getKey())
							.getBytes(StandardCharsets.UTF_8);
					}
					put(out, BundledModels.ROOT + copy.getKey() + "/" + f, bytes);
				}
			}
		}
		return jar;
	}

	private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
		out.putNextEntry(new JarEntry(name));
		out.write(bytes);
		out.closeEntry();
	}

	private static List<Path> contents(Path dir) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			return s.collect(Collectors.toList());
		}
	}

	@Test
	void aModelInAJarIsExtractedOnceEvenByTwoAtOnce() throws Exception {
		Path cache = tmp.resolve("cache");
		try (URLClassLoader loader = new URLClassLoader(new URL[] { jar(false).toUri().toURL() }, null)) {
			assertEquals(List.of(MODEL), new BundledModels(loader, cache).names());
			CyclicBarrier start = new CyclicBarrier(2);
			Callable<ModelFolder> open = () -> {
				start.await();
				return new BundledModels(loader, cache).open(MODEL); // two instances: as two processes would
			};
			ExecutorService pool = Executors.newFixedThreadPool(2);
			try {
				Future<ModelFolder> a = pool.submit(open);
				Future<ModelFolder> b = pool.submit(open);
				assertEquals(a.get().folder(), b.get().folder());
			} finally {
				pool.shutdown();
			}
			ModelFolder m = new BundledModels(loader, cache).open(MODEL);
			assertEquals(ModelFolder.Origin.BUNDLED, m.origin());
			assertTrue(m.folder().startsWith(cache));
			assertArrayEquals(Files.readAllBytes(TEST_MODELS.resolve(MODEL).resolve("model.safetensors")), Files.readAllBytes(m.weights()));
			assertEquals(1, contents(cache).size(), "one extracted folder and no temporary leftovers: " + contents(cache));
		}
	}

	@Test
	void damagedBundledWeightsAreRefusedAndLeaveNothingBehind() throws Exception {
		Path cache = tmp.resolve("cache");
		try (URLClassLoader loader = new URLClassLoader(new URL[] { jar(true).toUri().toURL() }, null)) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> new BundledModels(loader, cache).open(MODEL));
			assertTrue(e.getMessage().startsWith("bundled weights org/ldmfiji/models/tiny-seg-test/model.safetensors have SHA-256 ")
				&& e.getMessage().endsWith("reinstall it"), e.getMessage());
			assertEquals(new ArrayList<Path>(), contents(cache));
		}
	}

	@Test
	void aClassPathWithoutModelsHasNone() throws IOException {
		try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
			assertEquals(List.of(), new BundledModels(empty, tmp).names());
		}
	}

	@Test
	void everyIndexOnTheClassPathCountsAndAModelsFilesComeFromBesideItsOwnIndex() throws Exception {
		Path cache = tmp.resolve("cache");
		// first on the class path: a jar listing only "second", which also carries damaged files under MODEL's name
		Path other = jar("other_test.jar", List.of("second"), Map.of("second", false, MODEL, true));
		URL[] path = { other.toUri().toURL(), jar(false).toUri().toURL() };
		try (URLClassLoader loader = new URLClassLoader(path, null)) {
			BundledModels bundled = new BundledModels(loader, cache);
			assertEquals(List.of("second", MODEL), bundled.names());
			assertEquals(Files.readAllBytes(TEST_MODELS.resolve(MODEL).resolve("model.safetensors")).length,
				Files.size(bundled.open(MODEL).weights()), "MODEL's undamaged files, from the jar that lists it");
			assertEquals("second", bundled.open("second").folder().getFileName().toString());
		}
	}
}
