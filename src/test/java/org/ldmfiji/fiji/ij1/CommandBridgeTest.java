package org.ldmfiji.fiji.ij1;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.testing.HeadlessImageJ;
import org.ldmfiji.testing.HeadlessImageJ.Outcome;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ImageJ 1 bridge driven by real macro text through ImageJ's macro interpreter, headless. */
class CommandBridgeTest {

	/** A 16-bit 4x4 image of value 100 with a 2nd slice of 200, then whatever the macro does. */
	private static Outcome onImage(String then) {
		return HeadlessImageJ.run("newImage(\"in\", \"16-bit black\", 4, 4, 2);\n"
				+ "setSlice(1); for(y=0;y<4;y++) for(x=0;x<4;x++) setPixel(x,y,100);\n"
				+ "setSlice(2); for(y=0;y<4;y++) for(x=0;x<4;x++) setPixel(x,y,200); setSlice(1);\n"
				+ then);
	}

	@ParameterizedTest(name = "[{index}] {0}")
	@CsvSource(delimiter = '|', value = {
			"value=5                                      | in_plus 105 205",
			"value=5 times=3                              | in_plus 115 215",
			"value=5 operation=subtract                   | in_plus 95 195",
			"value=5 operation=subtract negate_after      | in_plus 0 0",
			"value=-50 negate_after=false                 | in_plus 50 150",
			"value=2.5 times=2 suffix=[ with spaces]      | in with spaces 105 205",
			"''                                           | in_plus 101 201",
	})
	void macroKeysReachTheParameters(String options, String expected) {
		Outcome out = onImage("run(\"Test Add Constant...\", \"" + options + "\");\n"
				+ "a = getPixel(0,0); setSlice(2); return getTitle() + \" \" + a + \" \" + getPixel(0,0);");
		assertEquals(expected, out.returned, out.log);
	}

	@Test
	void theInputImageIsLeftAsItWas() {
		Outcome out = onImage("id = getImageID(); run(\"Test Add Constant...\", \"value=7\"); selectImage(id);\n"
				+ "return getTitle() + \" \" + getPixel(0,0) + \" \" + nImages;");
		assertEquals("in 100 2", out.returned, out.log);
	}

	@Test
	void anImageInputIsChosenByTitle() {
		Outcome out = onImage("newImage(\"offset\", \"16-bit black\", 4, 4, 1); for(y=0;y<4;y++) for(x=0;x<4;x++) setPixel(x,y,3);\n"
				+ "selectImage(\"in\"); run(\"Test Add Constant...\", \"value=1 offset_image=offset\"); return getTitle() + \" \" + getPixel(0,0);");
		assertEquals("in_plus 104", out.returned, out.log);
	}

	@Test
	void aMacroWithAnUnknownKeyIsRefusedAndStops() {
		int runs = AddConstantCommand.RUNS.get();
		Outcome out = onImage("run(\"Test Add Constant...\", \"value=5 stpes=3\");\nreturn \"went on\";");
		assertTrue(out.log.contains("Test Add Constant: unknown key 'stpes'; Test Add Constant takes input, value, times, operation, "
				+ "negate_after, suffix, offset_image"), out.log);
		assertNotEquals("went on", out.returned, "the macro must stop at the refused command");
		assertEquals(runs, AddConstantCommand.RUNS.get(), "the command must not run");
	}

	@Test
	void aCommandThatCancelsLogsItsReasonAndMakesNoImage() {
		Outcome out = HeadlessImageJ.run("newImage(\"rgb\", \"RGB black\", 4, 4, 1);\n"
				+ "run(\"Test Add Constant...\", \"value=1\");\nreturn \"went on\";");
		assertTrue(out.log.contains("Test Add Constant: RGB images are not supported by this test command"), out.log);
		assertNotEquals("went on", out.returned);
	}

	@Test
	void aMissingCommandSaysWhichClassIsNotInstalled() {
		Outcome out = onImage("run(\"Test Missing Command\", \"\");\nreturn \"went on\";");
		assertTrue(out.log.contains("the command org.ldmfiji.fiji.ij1.NoSuchCommand is not installed"), out.log);
	}

	@Test
	void withoutAnImageTheCommandSaysItNeedsOne() {
		Outcome out = HeadlessImageJ.run("run(\"Test Add Constant...\", \"value=1\");\nreturn \"went on\";");
		assertTrue(out.log.contains("Test Add Constant needs an open image"), out.log);
	}
}
