package org.ldmfiji.fiji;

import org.junit.jupiter.api.Test;
import org.scijava.command.CommandModule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** List Models through the CommandService: the bundled models with their cards, nothing loaded. */
class ListModelsCommandTest {

	@Test
	void listsTheBundledModelsWithTheirCards() throws Exception {
		try (Commands commands = new Commands()) {
			CommandModule run = commands.run(ListModelsCommand.class);
			assertFalse(run.isCanceled(), run.getCancelReason());
			String listing = (String) run.getOutput("listing");
			for (String name : new String[] { "tiny-sr-test", "tiny-inpaint-test", "tiny-cin-test", "tiny-seg-test" })
				assertTrue(listing.contains(name + "  [TEST MODEL: random weights, output is noise]"), listing);
			assertTrue(listing.contains("scale factor: 4"), listing);
			assertEquals(0, commands.models().cachedModels(), "listing loads no model");
		}
	}
}
