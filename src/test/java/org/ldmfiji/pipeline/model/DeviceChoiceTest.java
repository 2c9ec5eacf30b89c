package org.ldmfiji.pipeline.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

class DeviceChoiceTest {

	private static final List<Device> TWO_GPUS = List.of(Device.gpu(0), Device.gpu(1));

	@ParameterizedTest(name = "{0} with two GPUs -> {1}")
	@CsvSource({ "auto, gpu0", "AUTO, gpu0", "'', gpu0", "cpu, cpu", "gpu0, gpu0", "gpu1, gpu1", "gpu, gpu0", " Gpu1 , gpu1" })
	void parsesEveryForm(String spec, String expected) {
		DeviceChoice c = DeviceChoice.resolve(spec, TWO_GPUS);
		assertEquals(expected, c.toString());
		assertNull(c.fallback());
	}

	@Test
	void autoWithoutAGpuIsTheCpu() {
		DeviceChoice c = DeviceChoice.resolve(null, List.of());
		assertEquals(Device.cpu(), c.device());
		assertNull(c.fallback(), "auto never promised a GPU");
	}

	@Test
	void anAbsentGpuFallsBackToTheCpuWithANote() {
		DeviceChoice none = DeviceChoice.resolve("gpu0", List.of());
		assertEquals(Device.cpu(), none.device());
		assertEquals("device gpu0 requested, but the PyTorch engine sees no GPU; running on the CPU", none.fallback());
		DeviceChoice third = DeviceChoice.resolve("gpu2", TWO_GPUS);
		assertEquals(Device.cpu(), third.device());
		assertEquals("device gpu2 requested, but the PyTorch engine sees only [gpu0, gpu1]; running on the CPU", third.fallback());
	}

	@ParameterizedTest
	@CsvSource({ "tpu", "cuda:0", "gpu-1", "gpux" })
	void anythingElseIsAnErrorSayingWhatIsExpected(String spec) {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceChoice.resolve(spec, TWO_GPUS));
		assertEquals("device '" + spec + "' not understood; expected auto, cpu or gpu0, gpu1, ...", e.getMessage());
	}

	@Test
	void thisMachinesEngineOffersAutoAndCpu() {
		List<String> choices = DeviceChoice.choices();
		assertEquals(List.of("auto", "cpu"), choices.subList(0, 2));
		// no GPU here: a request for one runs on the CPU
		assertEquals(choices.size() > 2 ? Device.gpu(0) : Device.cpu(), DeviceChoice.resolve("gpu0").device());
	}
}
