package org.ldmfiji.fiji;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scijava.app.event.StatusEvent;
import org.scijava.command.CommandModule;
import org.scijava.command.CommandService;
import org.scijava.event.EventHandler;
import org.scijava.event.EventService;
import org.scijava.event.EventSubscriber;
import org.scijava.module.ModuleService;

import java.awt.event.KeyEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cancel stops a command within one sampling step and frees its arrays; two commands at once both succeed. */
class CancelAndConcurrencyTest {

	private static Commands commands;

	@BeforeAll
	static void context() {
		commands = new Commands();
	}

	@AfterAll
	static void dispose() {
		commands.close();
	}

	@AfterEach
	void noEscapeLeft() {
		IJ.resetEscape();
	}

	/** Hears the commands' progress as the status service publishes it, on the command's own thread. */
	public static final class StatusWatcher {
		final List<String> messages = new CopyOnWriteArrayList<>();
		private final Consumer<String> onMessage;

		StatusWatcher(Consumer<String> onMessage) {
			this.onMessage = onMessage;
		}

		@EventHandler
		public void onStatus(StatusEvent e) {
			if (e.getStatusMessage() == null || e.getStatusMessage().isEmpty()) return;
			messages.add(e.getStatusMessage());
			onMessage.accept(e.getStatusMessage());
		}
	}

	/** Runs SR of a 3-plane stack at 50 steps, doing {@code atStep2} when step 2 of the first plane is reported. */
	private static CommandModule superResolveStopping(Consumer<CommandModule> atStep2, int[] liveDuringRun, StatusWatcher[] watcher)
		throws Exception {
		CommandModule module = (CommandModule) commands.context.service(ModuleService.class)
			.createModule(commands.context.service(CommandService.class).getCommand(SuperResolutionCommand.class));
		module.setInput("input", Commands.image("stack", 16, 16, 16, 1, 3, 1, 8));
		module.setInput("steps", 50);
		watcher[0] = new StatusWatcher(message -> {
			if (message.equals("Super-Resolution: plane 1/3, step 2/50")) {
				liveDuringRun[0] = commands.models().liveTaskArrays();
				atStep2.accept(module);
			}
		});
		EventService events = commands.context.service(EventService.class);
		List<EventSubscriber<?>> subscribed = events.subscribe(watcher[0]);
		try {
			commands.context.service(ModuleService.class).run(module, true).get();
		} finally {
			events.unsubscribe(subscribed);
		}
		return module;
	}

	private static void assertStoppedCleanly(CommandModule module, String reason, int[] liveDuringRun, StatusWatcher watcher) {
		assertTrue(module.isCanceled());
		assertEquals(reason, module.getCancelReason());
		assertNull(module.getOutput("output"), "no partial image");
		assertTrue(liveDuringRun[0] > 0, "the run had arrays alive when it was cancelled");
		assertEquals(0, commands.models().liveTaskArrays(), "a cancelled run leaves no native arrays");
		List<String> steps = new java.util.ArrayList<>();
		for (String m : watcher.messages) if (m.contains("step ")) steps.add(m);
		String last = steps.get(steps.size() - 1);
		assertTrue(last.endsWith("plane 1/3, step 2/50") || last.endsWith("plane 1/3, step 3/50"), "stopped within one step: " + steps);
	}

	@Test
	void theCommandsCancelStopsItWithinOneStepAndFreesItsArrays() throws Exception {
		int[] live = new int[1];
		StatusWatcher[] watcher = new StatusWatcher[1];
		CommandModule module = superResolveStopping(m -> m.cancel("stopped by the user"), live, watcher);
		assertStoppedCleanly(module, "stopped by the user", live, watcher[0]);
	}

	@Test
	void escapeInImageJStopsItTheSameWay() throws Exception {
		int[] live = new int[1];
		StatusWatcher[] watcher = new StatusWatcher[1];
		CommandModule module = superResolveStopping(m -> IJ.setKeyDown(KeyEvent.VK_ESCAPE), live, watcher);
		assertStoppedCleanly(module, CommandProgress.ESCAPE, live, watcher[0]);
	}

	@Test
	void twoCommandsAtOnceOnDifferentImagesBothSucceedAsIfAlone() throws Exception {
		ImagePlus a = Commands.image("a", 16, 16, 12, 1, 2, 1, 1);
		ImagePlus b = Commands.image("b", 16, 12, 16, 1, 1, 1, 2);
		CommandService cs = commands.context.service(CommandService.class);
		Future<CommandModule> first = cs.run(SuperResolutionCommand.class, true, "input", a, "steps", 4, "seed", 1);
		Future<CommandModule> second = cs.run(SuperResolutionCommand.class, true, "input", b, "steps", 4, "seed", 2);
		CommandModule runA = first.get();
		CommandModule runB = second.get();
		assertFalse(runA.isCanceled(), runA.getCancelReason());
		assertFalse(runB.isCanceled(), runB.getCancelReason());
		ImagePlus alone = (ImagePlus) commands.run(SuperResolutionCommand.class, "input", a, "steps", 4, "seed", 1).getOutput("output");
		Commands.assertSamePixels(Commands.pixels(alone), (ImagePlus) runA.getOutput("output"));
		assertEquals(48, ((ImagePlus) runB.getOutput("output")).getWidth());
		assertEquals(0, commands.models().liveTaskArrays());
	}
}
