package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.testing.Fixtures;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/** The three tasks on the reference fixtures' tiny models: shapes, range, seeding, the known pixels, refusals. */
class TasksTest extends ManagerPerClassTest {

	private static final SamplingSettings FEW_STEPS = SamplingSettings.builder().steps(3).seed(7).build();

	private static LatentDiffusion model(String name, NDManager m) throws Exception {
		return Fixtures.model(Fixtures.bundledCase(name), m);
	}

	@ParameterizedTest(name = "{0}: {1}")
	@CsvSource({"sr, sr", "inpaint, inpaint", "cin, inpaint synthesize", "uncond, inpaint synthesize", "seg, synthesize",
		"kl, inpaint synthesize", "ctx, ''"})
	void tasksAreReadFromTheConfig(String fixture, String tasks) throws Exception {
		Set<String> can = Task.supportedBy(ModelConfigReader.read(Fixtures.bundledCase(fixture).resolve("config.yaml")))
			.stream().map(Task::id).collect(Collectors.toSet());
		Set<String> expected = tasks.isEmpty() ? Set.of() : Set.of(tasks.split(" "));
		assertEquals(expected, can);
	}

	@Test
	void superResolutionEnlargesByTheFirstStageFactorAndIsSeeded() throws Exception {
		try (NDManager m = manager.newSubManager(); LatentDiffusion sr = model("sr", m)) {
			NDArray lr = m.randomUniform(0f, 1f, new Shape(1, 3, 8, 12));
			NDArray a = SuperResolution.run(sr, lr, FEW_STEPS, m);
			assertEquals(4, SuperResolution.scale(sr));
			assertEquals(new Shape(1, 3, 32, 48), a.getShape());
			assertTrue(a.min().getFloat() >= 0f && a.max().getFloat() <= 1f);
			assertEquals(a, SuperResolution.run(sr, lr, FEW_STEPS, m), "same seed, same output");
			assertFalse(a.contentEquals(SuperResolution.run(sr, lr, FEW_STEPS.toBuilder().seed(8).build(), m)));
		}
	}

	/** With DPM-Solver++ the blend noises the known latent to the solver's fractional times. */
	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = {"ddim", "dpmpp2m"})
	void inpaintingKeepsTheKnownPixelsWithAMaskedImageModelAndByBlending(String sampler) throws Exception {
		SamplingSettings s = FEW_STEPS.toBuilder().sampler(sampler).build();
		for (String name : new String[] {"inpaint", "uncond"}) {
			try (NDManager m = manager.newSubManager(); LatentDiffusion model = model(name, m)) {
				NDArray image = m.randomUniform(0f, 1f, new Shape(1, 3, 32, 32));
				NDArray mask = m.zeros(new Shape(1, 1, 32, 32));
				mask.set(new NDIndex(":, :, 8:20, 4:28"), 1f);
				NDArray out = Inpainting.run(model, image, mask, null, s, m);
				assertEquals(image.getShape(), out.getShape());
				NDArray keep = mask.eq(0f).broadcast(image.getShape());
				assertEquals(image.get(keep), out.get(keep), name + ": pixels outside the mask are unchanged");
				assertFalse(image.get(keep.logicalNot()).contentEquals(out.get(keep.logicalNot())), name + ": the hole is generated");
			}
		}
	}

	@Test
	void synthesisFromAClassALabelMapAndNoise() throws Exception {
		try (NDManager m = manager.newSubManager()) {
			try (LatentDiffusion cin = model("cin", m)) {
				SamplingSettings guided = FEW_STEPS.toBuilder().guidanceScale(3).build();
				NDArray two = Synthesis.run(cin, Synthesis.Request.builder().batch(2).classLabel(5).size(64, 32).build(), guided, m);
				assertEquals(new Shape(2, 3, 64, 32), two.getShape());
				IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
					() -> Synthesis.run(cin, Synthesis.Request.builder().build(), guided, m));
				assertTrue(e.getMessage().contains("give a class in 0..1000"), e.getMessage());
				e = assertThrows(IllegalArgumentException.class,
					() -> Synthesis.run(cin, Synthesis.Request.builder().classLabel(1).size(30, 30).build(), guided, m));
				assertTrue(e.getMessage().contains("multiples of"), e.getMessage());
			}
			try (LatentDiffusion seg = model("seg", m)) {
				NDArray oneHot = m.zeros(new Shape(1, 8, 32, 32));
				oneHot.set(new NDIndex(":, 0"), 1f);
				NDArray out = Synthesis.run(seg, Synthesis.Request.builder().labelMap(oneHot).batch(2).build(), FEW_STEPS, m);
				assertEquals(new Shape(2, 3, 32, 32), out.getShape());
			}
			try (LatentDiffusion uncond = model("uncond", m)) {
				assertThrows(IllegalArgumentException.class,
					() -> Synthesis.run(uncond, Synthesis.Request.builder().classLabel(1).build(), FEW_STEPS, m));
			}
		}
	}

	@Test
	void aLabelMapIsGuidedAgainstTheAllZeroMapItsTrainingDroppedTo() throws Exception {
		try (NDManager m = manager.newSubManager(); LatentDiffusion seg = model("seg", m)) {
			SamplingSettings guided = FEW_STEPS.toBuilder().guidanceScale(3).build();
			NDArray background = m.zeros(new Shape(1, 8, 32, 32));
			background.set(new NDIndex(":, 0"), 1f);
			NDArray plain = Synthesis.run(seg, Synthesis.Request.builder().labelMap(background).build(), FEW_STEPS, m);
			NDArray withGuidance = Synthesis.run(seg, Synthesis.Request.builder().labelMap(background).build(), guided, m);
			assertTrue(plain.sub(withGuidance).abs().max().getFloat() > 1e-3f, "guidance changes the image");
			// the null input itself: conditional and unconditional agree, so guidance leaves the image as it is
			NDArray none = m.zeros(new Shape(1, 8, 32, 32));
			NDArray a = Synthesis.run(seg, Synthesis.Request.builder().labelMap(none).build(), FEW_STEPS, m);
			NDArray b = Synthesis.run(seg, Synthesis.Request.builder().labelMap(none).build(), guided, m);
			assertTrue(a.sub(b).abs().max().getFloat() < 1e-5f, "guiding the all-zero map against itself changes nothing");
		}
	}

	@Test
	void aModelThatCannotDoATaskSaysWhatItCanDo() throws Exception {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task.SR.requireSupportedBy(
			ModelConfigReader.read(Fixtures.bundledCase("uncond").resolve("config.yaml")), "uncond"));
		assertEquals("model 'uncond' cannot do super-resolution (it is unconditional; it can do: inpaint, synthesize)", e.getMessage());
		assertEquals(EnumSet.of(Task.SR), Task.supportedBy(ModelConfigReader.readBundled("bsr_sr")));
		assertEquals(EnumSet.of(Task.INPAINT), Task.supportedBy(ModelConfigReader.readBundled("inpainting_big")));
	}

	/** A masked-image model whose encoder sees the hole harmonically filled is an inpainting model, and that fill is its input. */
	@Test
	void aHarmonicallyConditionedModelInpaintsFromTheHarmonicFill() throws Exception {
		Path fixture = Fixtures.bundledCase("inpaint");
		String text = java.nio.file.Files.readString(fixture.resolve("config.yaml")).replace("cond_stage_key: masked_image",
			"cond_stage_key: " + Inpainting.HARMONIC_FILLED_IMAGE);
		assertEquals(EnumSet.of(Task.INPAINT), Task.supportedBy(ModelConfigReader.read(text, "harmonic")));
		try (NDManager m = NDManager.newBaseManager()) {
			NDArray image = m.randomUniform(0f, 1f, new Shape(1, 3, 16, 16));
			NDArray hole = m.zeros(new Shape(1, 1, 16, 16));
			hole.set(new NDIndex(":, :, 4:12, 4:12"), 1f);
			NDArray harmonic = Inpainting.maskedImage(Inpainting.HARMONIC_FILLED_IMAGE, image, hole);
			assertEquals(0f, harmonic.sub(HarmonicFill.fill(image, hole)).abs().max().getFloat(), 3e-4f, "the harmonic fill, to its tolerance");
			assertEquals(0f, Inpainting.maskedImage("masked_image", image, hole).get(new NDIndex(":, :, 4:12, 4:12")).abs().max().getFloat());
		}
	}

	@Test
	void aSamplerWithoutEtaDropsTheEtaRecommendedForAnother() {
		SamplingSettings card = SamplingSettings.builder().sampler("ddim").steps(100).eta(1).build(); // the SR card's
		assertEquals(0.0, card.toBuilder().sampler("dpmpp2m").build().eta);
		assertEquals(0.0, card.toBuilder().sampler("plms").build().eta);
		assertEquals(1.0, card.toBuilder().sampler("ddpm").build().eta);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"sampler foo | unknown sampler 'foo' (one of ddim, plms, ddpm, dpmpp2m)",
		"steps 0 | steps must lie in 1..1000, not 0",
		"eta -1 | eta must be 0 or more, not -1.0",
		"plms eta | the plms sampler needs eta = 0, not 0.5",
		"dpmpp2m eta | the dpmpp2m sampler needs eta = 0, not 0.5",
		"dpmpp2m steps 1 | the dpmpp2m sampler needs at least 2 steps, not 1",
		"guidance NaN | guidance scale must be 0 or more, not NaN"})
	void settingsRefuseWhatNoSamplerCanUse(String what, String message) {
		SamplingSettings.Builder b = SamplingSettings.builder();
		switch (what) {
			case "sampler foo": b.sampler("foo"); break;
			case "steps 0": b.steps(0); break;
			case "eta -1": b.eta(-1); break;
			case "plms eta": b.sampler("plms").eta(0.5); break;
			case "dpmpp2m eta": b.sampler("dpmpp2m").eta(0.5); break;
			case "dpmpp2m steps 1": b.sampler("dpmpp2m").steps(1); break;
			default: b.guidanceScale(Double.NaN);
		}
		assertEquals(message, assertThrows(IllegalArgumentException.class, b::build).getMessage());
	}
}
