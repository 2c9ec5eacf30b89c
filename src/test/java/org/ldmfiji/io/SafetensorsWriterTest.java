package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.engine.Inference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the writer writes, the reader reads back: every tensor's type, shape and values, and the metadata. */
class SafetensorsWriterTest {

	@TempDir
	Path tmp;

	@Test
	void roundTripsTensorsOfEveryWritableTypeAndTheMetadata() throws Exception {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			Map<String, NDArray> tensors = new LinkedHashMap<>();
			tensors.put("model.diffusion_model.out.2.weight", m.randomNormal(new ai.djl.ndarray.types.Shape(3, 5, 3, 3)));
			tensors.put("model_ema.num_updates", m.create(17));
			tensors.put("model_ema.decay", m.create(0.9999f));
			tensors.put("steps", m.create(new long[] {1, 2, 3}));
			tensors.put("half", m.create(new float[] {0.5f, -2f}).toType(DataType.FLOAT16, false));
			tensors.put("flags", m.create(new boolean[] {true, false, true}));
			Path file = tmp.resolve("w.safetensors");
			SafetensorsWriter.write(file, tensors, Map.of("global_step", "12", "note", "ünïcode"));
			assertFalse(Files.exists(tmp.resolve("w.safetensors.partial")), "partial file left behind");
			long headerLength = java.nio.ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
			assertEquals(0, headerLength % 8, "header not padded to 8 bytes");
			try (StateDict read = SafetensorsReader.read(file, m)) {
				assertEquals(tensors.keySet(), new java.util.HashSet<>(read.tensors().keySet()));
				for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
					NDArray back = read.get(e.getKey());
					assertEquals(e.getValue().getDataType(), back.getDataType(), e.getKey());
					assertTrue(e.getValue().contentEquals(back), e.getKey());
				}
				assertEquals("12", read.metadata().get("global_step"));
				assertEquals("ünïcode", read.metadata().get("note"));
			}
		}
	}
}
