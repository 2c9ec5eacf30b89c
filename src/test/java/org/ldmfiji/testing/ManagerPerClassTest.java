package org.ldmfiji.testing;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.ldmfiji.engine.Inference;

/** Gives each test class one NDManager on the CPU, opened before its first test and closed after its last. */
public abstract class ManagerPerClassTest {

	/** Replaced per class; test classes run one after another. */
	protected static NDManager manager;

	@BeforeAll
	static void openManager() {
		Inference.prepareThread();
		manager = NDManager.newBaseManager(Device.cpu());
	}

	@AfterAll
	static void closeManager() {
		manager.close();
	}
}
