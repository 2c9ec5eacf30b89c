package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.pipeline.Inpainting;
import org.ldmfiji.testing.ManagerPerClassTest;
import org.ldmfiji.train.data.LabelledImage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** What an inpainting model's encoder sees in training, as its cond_stage_key says: the hole blanked or harmonically filled. */
class InpaintingTaskTest extends ManagerPerClassTest {

	private static final int SIDE = 24;

	/** A horizontal ramp from 0.2 to 0.8: discretely harmonic, so the harmonic fill restores it. */
	private static LabelledImage ramp() {
		float[] v = new float[SIDE * SIDE];
		for (int y = 0; y < SIDE; y++) for (int x = 0; x < SIDE; x++) v[y * SIDE + x] = 0.2f + 0.6f * x / (SIDE - 1);
		return new LabelledImage(SIDE, SIDE, v, null);
	}

	/** A box hole in rows and columns 6–17. */
	private static final MaskSource BOX = (w, h, random) -> {
		float[] m = new float[w * h];
		for (int y = 6; y < 18; y++) for (int x = 6; x < 18; x++) m[y * w + x] = 1;
		return m;
	};

	private static NDArray maskedInput(String condStageKey) {
		TrainingBatch b = new InpaintingTask(1, BOX, condStageKey).batch(List.of(ramp()), new SplittableRandom(1), manager);
		assertEquals(2, b.condInput.getShape().get(1), "masked image + mask");
		return b.condInput.get(new NDIndex(":, 0:1"));
	}

	/** The config's key reaches the task the trainer builds from it, and a key that is neither is refused before any step. */
	@Test
	void theTrainerBuildsTheTaskTheConfigsKeyNames() throws Exception {
		String text = Files.readString(Path.of(InpaintingTaskTest.class.getResource("/train/inpaint-on-vq-f4-tiny.yaml").toURI()));
		LdmConfig harmonic = ModelConfigReader.read(text.replace("cond_stage_key: masked_image",
			"cond_stage_key: " + Inpainting.HARMONIC_FILLED_IMAGE), "harmonic");
		TrainingBatch b = TrainingTasks.forConfig(harmonic, null, BOX).batch(List.of(ramp()), new SplittableRandom(1), manager);
		assertEquals(0f, b.condInput.get(new NDIndex(":, 0:1")).sub(b.images).abs().max().getFloat(), 1e-3f, "the ramp, filled");

		LdmConfig typo = ModelConfigReader.read(text.replace("cond_stage_key: masked_image", "cond_stage_key: harmonic_fill"), "typo");
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingTasks.forConfig(typo, null, BOX));
		assertEquals("an inpainting model's cond_stage_key says what its encoder sees: masked_image (the hole blanked, as the "
			+ "reference's inpainting_big) or harmonic_filled_image, not 'harmonic_fill'", e.getMessage());
	}

	@Test
	void theReferencesMaskedImageIsBlackInTheHole() {
		NDArray masked = maskedInput("masked_image");
		assertEquals(-1f, masked.get(new NDIndex(":, :, 6:18, 6:18")).max().getFloat(), "black is -1 in the model's range");
	}

	@Test
	void theHarmonicallyFilledImageRestoresAHarmonicImageInTheHole() {
		NDArray filled = maskedInput(Inpainting.HARMONIC_FILLED_IMAGE);
		TrainingBatch truth = new InpaintingTask(1, BOX, Inpainting.HARMONIC_FILLED_IMAGE).batch(List.of(ramp()), new SplittableRandom(1), manager);
		// within the fill's tolerance of the ramp itself, kept pixels exact
		assertEquals(0f, filled.sub(truth.images).abs().max().getFloat(), 1e-3f);
		NDArray kept = truth.condInput.get(new NDIndex(":, 1:2")).lt(0f).toType(DataType.FLOAT32, false);
		assertEquals(0f, filled.sub(truth.images).mul(kept).abs().max().getFloat());
		assertTrue(filled.get(new NDIndex(":, :, 6:18, 6:18")).min().getFloat() > -0.7f, "the hole is filled, not black");
	}
}
