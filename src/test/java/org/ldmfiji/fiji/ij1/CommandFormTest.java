package org.ldmfiji.fiji.ij1;

import ij.ImagePlus;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.process.ShortProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scijava.Context;
import org.scijava.command.CommandService;
import org.scijava.module.Module;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The checks every macro value goes through before it reaches a command, on the test command's real module. */
class CommandFormTest {

	private final ImagePlus current = new ImagePlus("current", new ShortProcessor(4, 4));

	@BeforeEach
	void openImage() {
		Interpreter.addBatchModeImage(current);
		WindowManager.setTempCurrentImage(current);
	}

	@AfterEach
	void closeImage() {
		WindowManager.setTempCurrentImage(null);
		Interpreter.removeBatchModeImage(current);
	}

	private static Module module() {
		Context context = SciJavaContexts.forImageJ();
		return CommandBridge.prepare(context, context.service(CommandService.class).getCommand(AddConstantCommand.class));
	}

	@Test
	void keysAreTheParameterNamesInOrder() {
		assertEquals(Arrays.asList("input", "value", "times", "operation", "negate_after", "suffix", "offset_image"),
				Arrays.asList(CommandForm.of(module()).keys().toArray()));
	}

	/** What ImageJ's recorder writes for a dialog field is the label cut at a space and lower-cased. */
	@Test
	void everyKeyIsWhatTheRecorderWritesForItsField() {
		for (String key : CommandForm.of(module()).keys()) assertEquals(key, ij.Macro.trimKey(key));
	}

	@Test
	void aParameterTheRecorderWouldRenameIsRefused() {
		Context context = SciJavaContexts.forImageJ();
		Module module = CommandBridge.prepare(context, context.service(CommandService.class).getCommand(CamelCaseCommand.class));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CommandForm.of(module));
		assertEquals("the parameter 'nTiles' cannot be a macro key: ImageJ's recorder would write it as 'ntiles'; name parameters in lower snake_case",
				e.getMessage());
	}

	/** A command breaking the naming rule of the project's commands. */
	@org.scijava.plugin.Plugin(type = org.scijava.command.Command.class)
	public static class CamelCaseCommand implements org.scijava.command.Command {
		@org.scijava.plugin.Parameter
		private int nTiles = 1;

		@Override
		public void run() {}
	}

	@Test
	void absentKeysKeepTheDefaultsAndTheCurrentImageIsTheInput() {
		Module module = module();
		CommandForm.of(module).fill(MacroOptions.parse(""));
		assertSame(current, module.getInput("input"));
		assertEquals(1.0, module.getInput("value"));
		assertEquals(1, module.getInput("times"));
		assertEquals("add", module.getInput("operation"));
		assertEquals(false, module.getInput("negate_after"));
		assertEquals("_plus", module.getInput("suffix"));
		assertEquals(null, module.getInput("offset_image"));
	}

	@Test
	void valuesAreConvertedToTheParameterTypes() {
		Module module = module();
		CommandForm.of(module).fill(MacroOptions.parse("value=2.5 times=3 operation=subtract negate_after suffix=[ x y]"));
		assertEquals(2.5, module.getInput("value"));
		assertEquals(3, module.getInput("times"));
		assertEquals("subtract", module.getInput("operation"));
		assertEquals(true, module.getInput("negate_after"));
		assertEquals(" x y", module.getInput("suffix"));
	}

	@ParameterizedTest(name = "[{index}] {0}")
	@CsvSource(delimiter = '|', value = {
			"value=5 stpes=3        | unknown key 'stpes'; Test Add Constant takes input, value, times, operation, negate_after, suffix, offset_image",
			"Value=5                | unknown key 'Value'; Test Add Constant takes input, value, times, operation, negate_after, suffix, offset_image",
			"times=0                | 'times' must be between 1 and 10, not 0",
			"times=11               | 'times' must be between 1 and 10, not 11",
			"times=2.5              | 'times' must be a whole number, not 2.5",
			"value=abc              | 'value' must be a number, not 'abc'",
			"value=NaN              | 'value' must be a finite number, not NaN",
			"value=1e9              | 'value' must be between -1000.0 and 1000.0, not 1e9",
			"operation=multiply     | 'operation' must be one of add, subtract, not 'multiply'",
			"negate_after=maybe     | 'negate_after' is a checkbox: write negate_after (checked) or leave it out, not negate_after=maybe",
			"offset_image=nowhere   | 'offset_image': no open image is titled 'nowhere'",
			"input=nowhere          | 'input': no open image is titled 'nowhere'",
			"value                  | 'value' needs a value (value=...)",
			"times                  | 'times' needs a value (times=...)",
	})
	void aWrongValueIsRefusedWithWhatWasExpected(String options, String message) {
		Module module = module();
		CommandForm form = CommandForm.of(module);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> form.fill(MacroOptions.parse(options)));
		assertEquals(message, e.getMessage());
	}

	@Test
	void withoutAnOpenImageTheFormSaysTheCommandNeedsOne() {
		closeImage();
		CommandForm form = CommandForm.of(module());
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> form.fill(MacroOptions.parse("value=1")));
		assertEquals("Test Add Constant needs an open image", e.getMessage());
	}
}
