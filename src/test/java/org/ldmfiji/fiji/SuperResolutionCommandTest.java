package org.ldmfiji.fiji;

import ij.CompositeImage;
import ij.ImagePlus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scijava.command.CommandModule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Super-Resolution through the CommandService, on every kind of image a Fiji user has, with the bundled tiny SR model. */
class SuperResolutionCommandTest {

	private static Commands commands;

	@BeforeAll
	static void context() {
		commands = new Commands();
	}

	@AfterAll
	static void dispose() {
		commands.close();
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({
		"8-bit, 8, 1, 1, 1",
		"16-bit, 16, 1, 1, 1",
		"32-bit, 32, 1, 1, 1",
		"RGB, 24, 1, 1, 1",
		"composite of 2 channels, 16, 2, 1, 1",
		"stack of 3 slices, 8, 1, 3, 1",
		"hyperstack c2 z2 t2, 16, 2, 2, 2",
	})
	void enlargesEveryKindOfImageByTheModelsFactor(String kind, int bitDepth, int c, int z, int t) throws Exception {
		ImagePlus input = Commands.image("cells.tif", bitDepth, 12, 8, c, z, t, 3);
		Object[] before = Commands.pixels(input);
		// the 3-channel test model, which takes RGB images as they are (the default model is grayscale)
		CommandModule run = commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "seed", 1, "model", "tiny-sr-test");
		assertFalse(run.isCanceled(), run.getCancelReason());
		ImagePlus out = (ImagePlus) run.getOutput("output");
		assertEquals("cells_sr.tif", out.getTitle());
		assertEquals(48, out.getWidth());
		assertEquals(32, out.getHeight());
		assertEquals(bitDepth, out.getBitDepth());
		assertArrayEquals(new int[] { 48, 32, c, z, t }, out.getDimensions());
		assertEquals(0.5 / 4, out.getCalibration().pixelWidth, 1e-12, "pixel size divided by the factor");
		assertEquals(input.isComposite(), out.isComposite());
		if (c > 1) assertEquals(((CompositeImage) input).getMode(), ((CompositeImage) out).getMode());
		Commands.assertSamePixels(before, input);
		assertEquals("cells.tif", input.getTitle(), "the input is left as it was");
	}

	@Test
	void theSameSeedGivesTheSameImageAndTheCardsDefaultsCanBeOverridden() throws Exception {
		ImagePlus input = Commands.image("a", 8, 8, 8, 1, 1, 1, 5);
		ImagePlus first = (ImagePlus) commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "seed", 4).getOutput("output");
		ImagePlus again = (ImagePlus) commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "seed", 4).getOutput("output");
		ImagePlus other = (ImagePlus) commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "seed", 5,
			"sampler", "plms", "eta", 0.0).getOutput("output");
		assertArrayEquals((byte[]) first.getProcessor().getPixels(), (byte[]) again.getProcessor().getPixels());
		assertFalse(java.util.Arrays.equals((byte[]) first.getProcessor().getPixels(), (byte[]) other.getProcessor().getPixels()));
	}

	@Test
	void everySamplerThePipelineKnowsIsOfferedAndDpmSolverRuns() throws Exception {
		java.util.List<String> offered = java.util.List.of(DiffusionCommand.class.getDeclaredField("sampler")
			.getAnnotation(org.scijava.plugin.Parameter.class).choices());
		java.util.List<String> expected = new java.util.ArrayList<>(java.util.List.of(DiffusionCommand.AUTO));
		expected.addAll(org.ldmfiji.diffusion.Samplers.names());
		assertEquals(expected, offered);

		ImagePlus input = Commands.image("a", 8, 8, 8, 1, 1, 1, 5);
		CommandModule run = commands.run(SuperResolutionCommand.class, "input", input, "steps", 3, "seed", 4, "sampler", "dpmpp2m");
		assertFalse(run.isCanceled(), run.getCancelReason());
		ImagePlus dpm = (ImagePlus) run.getOutput("output");
		ImagePlus ddim = (ImagePlus) commands.run(SuperResolutionCommand.class, "input", input, "steps", 3, "seed", 4,
			"sampler", "ddim").getOutput("output");
		assertEquals(32, dpm.getWidth());
		assertFalse(java.util.Arrays.equals((byte[]) dpm.getProcessor().getPixels(), (byte[]) ddim.getProcessor().getPixels()));
	}

	@Test
	void precisionIsAParameterAndEachIsItsOwnCachedModel() throws Exception {
		ImagePlus input = Commands.image("a", 8, 8, 8, 1, 1, 1, 5);
		commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "precision", "fp32");
		int cached = commands.models().cachedModels();
		CommandModule run = commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "precision", "bf16");
		assertFalse(run.isCanceled(), run.getCancelReason());
		assertEquals(32, ((ImagePlus) run.getOutput("output")).getWidth());
		assertEquals(cached + 1, commands.models().cachedModels(), "bf16 (or its fp32 fallback) is loaded once more");
		commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "precision", "auto");
		assertEquals(cached + 1, commands.models().cachedModels(), "auto: the card's precision, fp32, already cached");
		assertEquals(0, commands.models().liveTaskArrays());
	}

	@Test
	void aModelLoadsOncePerContext() throws Exception {
		ImagePlus input = Commands.image("a", 8, 8, 8, 1, 1, 1, 5);
		commands.run(SuperResolutionCommand.class, "input", input, "steps", 2);
		int cached = commands.models().cachedModels();
		commands.run(SuperResolutionCommand.class, "input", input, "steps", 2, "model", "fluo-sr4x");
		assertEquals(cached, commands.models().cachedModels(), "the default model by name is the same cached model");
		assertEquals(0, commands.models().liveTaskArrays(), "a finished command leaves no arrays behind");
	}

	@Test
	void aModelLoadedOnceServesLaterCallsAndEveryPlane() throws Exception {
		commands.run(SuperResolutionCommand.class, "input", Commands.image("a", 8, 8, 8, 1, 1, 1, 5), "steps", 2);
		int loads = commands.models().modelLoads();
		assertTrue(loads >= 1);
		ImagePlus stack = Commands.image("b", 16, 8, 8, 2, 3, 1, 6);
		CommandModule run = commands.run(SuperResolutionCommand.class, "input", stack, "steps", 2);
		assertFalse(run.isCanceled(), run.getCancelReason());
		assertEquals(6, ((ImagePlus) run.getOutput("output")).getStackSize());
		commands.run(SuperResolutionCommand.class, "input", stack, "steps", 2, "model", "fluo-sr4x");
		assertEquals(loads, commands.models().modelLoads(), "six planes and two more calls read no model from its files again");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"a model that cannot do it | model=tiny-inpaint-test | model 'tiny-inpaint-test' cannot do super-resolution; it can do: inpaint",
		"an unknown model | model=no-such-model | no model named 'no-such-model'; known models: ",
		"a sampler setting no sampler takes | sampler=plms eta=0.5 | the plms sampler needs eta = 0, not 0.5",
		"too few steps for DPM-Solver++ | sampler=dpmpp2m steps=1 | the dpmpp2m sampler needs at least 2 steps, not 1",
		"percentiles the wrong way round | percentile_low=90 percentile_high=10 | percentiles must satisfy 0 <= low < high <= 100, got low 90.0 and high 10.0",
		"a device that does not exist | device=tpu | device 'tpu' not understood; expected auto, cpu or gpu0, gpu1, ...",
		"a precision that does not exist | precision=fp16 | precision 'fp16' not understood; expected fp32 or bf16",
	})
	void aBadParameterCancelsWithItsReasonAndMakesNoImage(String what, String parameters, String message) throws Exception {
		Object[] inputs = { "input", Commands.image("a", 16, 8, 8, 1, 1, 1, 5) };
		if (!parameters.contains("steps=")) parameters += " steps=2";
		for (String kv : parameters.split(" ")) {
			String[] p = kv.split("=");
			Object value = p[0].startsWith("percentile") || p[0].equals("eta") ? (Object) Double.valueOf(p[1])
				: p[0].equals("steps") ? (Object) Integer.valueOf(p[1]) : p[1];
			inputs = java.util.Arrays.copyOf(inputs, inputs.length + 2);
			inputs[inputs.length - 2] = p[0];
			inputs[inputs.length - 1] = value;
		}
		CommandModule run = commands.run(SuperResolutionCommand.class, inputs);
		assertTrue(run.isCanceled(), what);
		assertNotNull(run.getCancelReason());
		assertTrue(run.getCancelReason().startsWith(message), run.getCancelReason());
		assertFalse(run.getCancelReason().contains("\n"), "one line");
		assertNull(run.getOutput("output"));
	}
}
