package org.ldmfiji.io;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Gives each test class one NDManager on the CPU, opened before its first test and closed after its last. */
abstract class ManagerPerClassTest {

	/** Replaced per class; the io test classes run one after another. */
	static NDManager manager;

	@BeforeAll
	static void openManager() {
		manager = NDManager.newBaseManager(Device.cpu());
	}

	@AfterAll
	static void closeManager() {
		manager.close();
	}
}
