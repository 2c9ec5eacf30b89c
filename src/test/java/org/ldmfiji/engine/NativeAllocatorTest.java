package org.ldmfiji.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** The malloc tuning is applied once, on glibc, and never stops the engine where it cannot apply. */
class NativeAllocatorTest {

	@Test
	void tunesOnceAndReportsTheSameOutcomeAfterwards() {
		Inference.prepareThread();
		NativeAllocator.Outcome first = NativeAllocator.outcome();
		assertNotEquals(NativeAllocator.Outcome.NOT_TRIED, first, "prepareThread tunes malloc before the engine's work");
		assertNotEquals(NativeAllocator.Outcome.FAILED, first, "mallopt was rejected or JNA could not reach libc");
		assertEquals(first, NativeAllocator.tune());
		if ("false".equals(System.getProperty(NativeAllocator.PROPERTY))) {
			assertEquals(NativeAllocator.Outcome.DISABLED, first);
		} else if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
			&& System.getenv("LD_PRELOAD") == null) {
			assertEquals(NativeAllocator.Outcome.TUNED, first, "this Linux/glibc machine should be tuned");
		}
	}
}
