package org.ldmfiji.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.LinkedHashMap;
import java.util.Map;

/** The weights view: key paths, the EMA substitution, dtype conversion and clear mismatch messages. */
class WeightsTest extends ManagerPerClassTest {

	private static Map<String, NDArray> checkpoint() {
		Map<String, NDArray> t = new LinkedHashMap<>();
		t.put("model.diffusion_model.out.2.weight", manager.ones(new Shape(2, 3)));
		t.put("model_ema.diffusion_modelout2weight", manager.full(new Shape(2, 3), 7f));
		t.put("model_ema.num_updates", manager.create(5));
		t.put("first_stage_model.conv.weight", manager.ones(new Shape(4)).toType(DataType.FLOAT16, false));
		return t;
	}

	@Test
	void denoiserReadsTheEmaCopyWhenAskedAndPresent() {
		Weights ema = Weights.load(checkpoint(), "test.ckpt", manager, true);
		assertTrue(ema.usesEma());
		NDArray w = ema.sub("model").sub("diffusion_model").sub("out.2").param("weight", Init.zeros(), 2, 3);
		assertEquals(7f, w.getFloat(0, 0));
		// the first stage is not part of the EMA copy
		NDArray fs = ema.sub("first_stage_model.conv").param("weight", Init.zeros(), 4);
		assertEquals(DataType.FLOAT32, fs.getDataType(), "half-precision weights are widened to float32");
		assertEquals(1f, fs.getFloat(0));

		Weights raw = Weights.load(checkpoint(), "test.ckpt", manager, false);
		assertFalse(raw.usesEma());
		assertEquals(1f, raw.sub("model.diffusion_model.out.2").param("weight", Init.zeros(), 2, 3).getFloat(0, 0));
	}

	@Test
	void withoutEmaEntriesTheRawWeightsServeEvenWhenEmaIsRequested() {
		Map<String, NDArray> t = new LinkedHashMap<>();
		t.put("model.diffusion_model.x.weight", manager.ones(new Shape(1)));
		Weights w = Weights.load(t, "noema.safetensors", manager, true);
		assertFalse(w.usesEma());
		assertEquals(1f, w.sub("model.diffusion_model.x").param("weight", Init.zeros(), 1).getFloat(0));
	}

	@Test
	void repeatedRequestsShareOneArrayAndUnusedKeysAreReported() {
		Weights w = Weights.load(checkpoint(), "test.ckpt", manager, true);
		NDArray a = w.sub("model.diffusion_model.out.2").param("weight", Init.zeros(), 2, 3);
		NDArray b = w.sub("model.diffusion_model.out.2").param("weight", Init.zeros(), 2, 3);
		assertSame(a, b);
		assertEquals(java.util.List.of("model.diffusion_model.out.2.weight", "model_ema.num_updates",
			"first_stage_model.conv.weight"), w.unusedKeys());
	}

	@Test
	void missingTensorNamesTheKeyAndTheFile() {
		Weights w = Weights.load(checkpoint(), "test.ckpt", manager, false);
		WeightsException e = assertThrows(WeightsException.class,
			() -> w.sub("first_stage_model.encoder.conv_in").param("weight", Init.zeros(), 1));
		assertTrue(e.getMessage().contains("test.ckpt") && e.getMessage().contains("first_stage_model.encoder.conv_in.weight"),
			e.getMessage());
	}

	@Test
	void shapeMismatchNamesBothShapes() {
		Weights w = Weights.load(checkpoint(), "test.ckpt", manager, false);
		WeightsException e = assertThrows(WeightsException.class,
			() -> w.sub("model.diffusion_model.out.2").param("weight", Init.zeros(), 3, 3));
		assertTrue(e.getMessage().contains("(2, 3)") && e.getMessage().contains("(3, 3)"), e.getMessage());
	}

	@Test
	void freshWeightsAreInitialisedAndTrainable() {
		Weights w = Weights.fresh(manager);
		NDArray p = w.sub("layer").param("weight", Init.fanIn(4), 8, 4);
		assertEquals(new Shape(8, 4), p.getShape());
		assertTrue(p.hasGradient(), "fresh parameters require gradients");
		assertTrue(p.abs().max().getFloat() <= 0.5f, "U(-1/sqrt(4), 1/sqrt(4))");
		assertEquals(1, w.taken().size());
	}
}
