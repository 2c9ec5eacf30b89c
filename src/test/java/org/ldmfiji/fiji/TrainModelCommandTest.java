package org.ldmfiji.fiji;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scijava.command.CommandModule;

import java.io.File;
import java.nio.file.Path;

/** Train Model through the CommandService: what is missing ends the command with a message the user can act on. */
class TrainModelCommandTest {

	@TempDir
	Path tmp;

	@Test
	void aNewRunWithoutAConfigIsRefusedWithAMessage() throws Exception {
		try (Commands c = new Commands()) {
			CommandModule m = c.run(TrainModelCommand.class, "run_directory", tmp.toFile());
			assertTrue(m.isCanceled(), "not cancelled");
			assertTrue(m.getCancelReason().contains("a new run needs a config"), m.getCancelReason());
		}
	}

	@Test
	void aConfigThatIsNotAModelIsNamed() throws Exception {
		File bad = tmp.resolve("not-a-model.yaml").toFile();
		java.nio.file.Files.writeString(bad.toPath(), "model:\n  target: something.Else\n");
		try (Commands c = new Commands()) {
			CommandModule m = c.run(TrainModelCommand.class, "run_directory", tmp.resolve("run").toFile(), "config_file", bad);
			assertTrue(m.isCanceled(), "not cancelled");
			assertTrue(m.getCancelReason().contains("not-a-model.yaml"), m.getCancelReason());
		}
	}
}
