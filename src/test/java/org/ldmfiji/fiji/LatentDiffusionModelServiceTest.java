package org.ldmfiji.fiji;

import org.ldmfiji.pipeline.Task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import org.junit.jupiter.api.Test;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.model.ModelLease;
import org.ldmfiji.pipeline.model.ModelListing;
import org.scijava.Context;

import java.util.List;

/** The model service in a real SciJava context, as Fiji's commands will use it. */
class LatentDiffusionModelServiceTest {

	@Test
	void loadsOncePerContextAndFreesOnDispose() throws Exception {
		Context context = new Context(LatentDiffusionModelService.class);
		LatentDiffusionModelService models = context.service(LatentDiffusionModelService.class);
		LatentDiffusion first;
		try (ModelLease lease = models.acquire("", Task.SR, "auto", false)) {
			first = lease.model();
			assertEquals("fluo-sr4x", lease.loaded().card().name);
			assertTrue(lease.loaded().checksumVerified());
		}
		try (ModelLease again = models.acquire("fluo-sr4x", Task.SR, "cpu", false)) {
			assertSame(first, again.model(), "a second frame or file reuses the loaded model");
		}
		assertEquals(1, models.cachedModels());
		List<ModelListing> listed = models.list();
		assertEquals(7, listed.size(), "three shipped models and the tests' four");

		IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
			() -> models.acquire("tiny-sr-test", Task.INPAINT, "auto", false));
		assertEquals("model 'tiny-sr-test' cannot do inpainting; it can do: sr", e.getMessage());

		NDArray weight = first.parameters().values().iterator().next();
		assertFalse(weight.isReleased());
		context.dispose();
		assertTrue(weight.isReleased(), "disposing the context frees the models' native memory");
	}

	@Test
	void clearFreesTheCachedModels() throws Exception {
		Context context = new Context(LatentDiffusionModelService.class);
		try {
			LatentDiffusionModelService models = context.service(LatentDiffusionModelService.class);
			NDArray weight;
			try (ModelLease lease = models.acquire("tiny-seg-test", Task.SYNTHESIZE, "auto", false)) {
				weight = lease.model().parameters().values().iterator().next();
			}
			models.clear();
			assertEquals(0, models.cachedModels());
			assertTrue(weight.isReleased());
		} finally {
			context.dispose();
		}
	}
}
