package org.ldmfiji.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.Precision;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Loading with checks, and the cache that loads each model once and frees it when cleared. */
class ModelCacheTest {

	@TempDir
	Path tmp;

	private static ModelFolder bundled(String name) throws Exception {
		return ModelFolder.open(folder(name), ModelFolder.Origin.BUNDLED);
	}

	/** A model's source folder: the plugin's (models/) or the tests' own. */
	static Path folder(String name) {
		Path shipped = Paths.get("models", name);
		return Files.isDirectory(shipped) ? shipped : BundledModelsTest.TEST_MODELS.resolve(name);
	}

	/** A copy of a bundled model whose weights file is then changed or removed. */
	private ModelFolder copy(String name) throws Exception {
		Path dir = Files.createDirectories(tmp.resolve(name));
		try (var files = Files.list(folder(name))) {
			for (Path f : (Iterable<Path>) files::iterator) Files.copy(f, dir.resolve(f.getFileName()));
		}
		return ModelFolder.open(dir, ModelFolder.Origin.USER);
	}

	@Test
	void aChecksumMismatchNamesTheFile() throws Exception {
		ModelFolder m = copy("tiny-seg-test");
		byte[] bytes = Files.readAllBytes(m.weights());
		bytes[bytes.length - 1] ^= 1;
		Files.write(m.weights(), bytes);
		try (ModelCache cache = new ModelCache()) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache.acquire(m, false, Device.cpu()));
			assertTrue(e.getMessage().startsWith("weights file " + m.weights() + " has SHA-256 "), e.getMessage());
			assertTrue(e.getMessage().contains("but " + m.folder().resolve("model.yaml") + " expects " + m.card().sha256), e.getMessage());
			assertEquals(0, cache.size(), "a failed load is not cached");
			assertEquals(0, cache.memory().getManagedArrays().size());
		}
	}

	@Test
	void missingWeightsNameTheFile() throws Exception {
		ModelFolder m = copy("tiny-seg-test");
		Files.delete(m.weights());
		try (ModelCache cache = new ModelCache()) {
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache.acquire(m, false, Device.cpu()));
			assertEquals("weights file " + m.weights() + " not found (named by " + m.folder().resolve("model.yaml") + ")", e.getMessage());
		}
		Inference.prepareThread();
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(
			org.ldmfiji.io.ModelConfigReader.read(m.config()), Paths.get("/nonexistent.ckpt"), null, false));
		assertEquals("weights file /nonexistent.ckpt not found", e.getMessage());
	}

	@Test
	void eachPrecisionIsItsOwnModelAndTheCardsIsTheDefault() throws Exception {
		try (ModelCache cache = new ModelCache();
			ModelLease byCard = cache.acquire(bundled("tiny-sr-test"), false, Device.cpu());
			ModelLease fp32 = cache.acquire(bundled("tiny-sr-test"), false, Device.cpu(), Precision.FP32);
			ModelLease bf16 = cache.acquire(bundled("tiny-sr-test"), false, Device.cpu(), Precision.BF16)) {
			assertSame(byCard.model(), fp32.model(), "the bundled card names no precision: fp32");
			assertNotSame(fp32.model(), bf16.model());
			assertEquals(Precision.FP32, fp32.model().precision());
			assertEquals(Precision.BF16.supported(), bf16.model().precision(), "bf16 where the machine has it");
			assertTrue(bf16.loaded().toString().contains(" in " + bf16.model().precision()), bf16.loaded().toString());
			assertEquals(2, cache.size());
		}
	}

	@Test
	void loadsReportTheChecksumAndTheEmaRule() throws Exception {
		try (ModelCache cache = new ModelCache();
			ModelLease ema = cache.acquire(bundled("tiny-sr-test"), false, Device.cpu());
			ModelLease raw = cache.acquire(bundled("tiny-sr-test"), true, Device.cpu())) {
			assertTrue(ema.loaded().checksumVerified());
			assertTrue(ema.model().usesEma(), "the sr fixture has EMA weights and use_ema: true");
			assertFalse(raw.model().usesEma(), "raw weights on request");
			assertNotSame(ema.model(), raw.model());
			assertEquals(Device.cpu(), ema.loaded().device());
			assertEquals(2, cache.size());
		}
		Path cardless = Files.createDirectories(tmp.resolve("bsr_sr"));
		Files.copy(BundledModelsTest.TEST_MODELS.resolve("tiny-sr-test/config.yaml"), cardless.resolve("config.yaml"));
		Files.copy(BundledModelsTest.TEST_MODELS.resolve("tiny-sr-test/model.ckpt"), cardless.resolve("last.ckpt"));
		try (ModelCache cache = new ModelCache();
			ModelLease lease = cache.acquire(ModelFolder.open(cardless, ModelFolder.Origin.USER), false, Device.cpu())) {
			assertFalse(lease.loaded().checksumVerified(), "no card, no checksum");
		}
	}

	@Test
	void twoThreadsAskingAtOnceShareOneLoad() throws Exception {
		ModelFolder m = bundled("tiny-cin-test");
		try (ModelCache cache = new ModelCache()) {
			CyclicBarrier start = new CyclicBarrier(2);
			Callable<ModelLease> ask = () -> {
				start.await();
				return cache.acquire(m, false, Device.cpu());
			};
			ExecutorService pool = Executors.newFixedThreadPool(2);
			try {
				Future<ModelLease> a = pool.submit(ask);
				Future<ModelLease> b = pool.submit(ask);
				try (ModelLease la = a.get(); ModelLease lb = b.get()) {
					assertSame(la.model(), lb.model());
					assertEquals(1, cache.size());
					int oneModel = cache.memory().getManagedArrays().size();
					try (ModelLease again = cache.acquire(m, false, Device.cpu())) {
						assertSame(la.model(), again.model());
					}
					assertEquals(oneModel, cache.memory().getManagedArrays().size(), "no second copy of the weights");
				}
			} finally {
				pool.shutdown();
			}
		}
	}

	@Test
	void clearFreesIdleModelsAtOnceAndLeasedOnesWhenReturned() throws Exception {
		try (ModelCache cache = new ModelCache()) {
			assertEquals(0, cache.memory().getManagedArrays().size());
			cache.acquire(bundled("tiny-seg-test"), false, Device.cpu()).close();
			ModelLease held = cache.acquire(bundled("tiny-inpaint-test"), false, Device.cpu());
			LatentDiffusion inUse = held.model();
			NDArray weight = inUse.parameters().values().iterator().next();
			int both = cache.memory().getManagedArrays().size();
			assertTrue(both > 0);

			cache.clear();
			assertEquals(0, cache.size());
			int afterClear = cache.memory().getManagedArrays().size();
			assertTrue(afterClear > 0 && afterClear < both, "the idle model is freed, the leased one kept: " + afterClear);
			assertFalse(weight.isReleased(), "a running task keeps its model");
			inUse.unet(); // still usable

			held.close();
			assertTrue(weight.isReleased());
			assertEquals(0, cache.memory().getManagedArrays().size(), "all native memory freed");
			held.close(); // twice is harmless
			assertThrows(IllegalStateException.class, held::model);

			try (ModelLease fresh = cache.acquire(bundled("tiny-inpaint-test"), false, Device.cpu())) {
				assertNotSame(inUse, fresh.model(), "after clear() the next request loads afresh");
			}
		}
	}

	@Test
	void aClosedCacheRefusesRequests() throws Exception {
		ModelCache cache = new ModelCache();
		cache.close();
		assertThrows(IllegalStateException.class, () -> cache.acquire(bundled("tiny-seg-test"), false, Device.cpu()));
		cache.close(); // twice is harmless
	}
}
