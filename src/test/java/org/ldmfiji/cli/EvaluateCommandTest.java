package org.ldmfiji.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** evaluate end to end on the bundled (random) models: a report with every metric, the bars and the pictures. */
class EvaluateCommandTest {

	@TempDir
	Path tmp;

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"sr | psnr_bicubic,psnr_model,ssim_bicubic,ssim_model,lr_consistency_bicubic,lr_consistency_model | sr-00.png",
		"inpaint | psnr_hole_harmonic,psnr_hole_model,ssim_hole_harmonic,ssim_hole_model,changed_outside_hole,boundary_ratio_model | inpaint-00.png",
		"synthesize | iou_nuclei_model,iou_nuclei_real,iou_objects_model,w1_model_vs_real,w1_real_vs_other_real | synthesis-00.png",
	})
	void writesAReportWithEveryMetric(String task, String metrics, String picture) throws Exception {
		Path out = tmp.resolve(task);
		String[] r = CliTest.run("evaluate", "--task", task, "--count", "2", "--size", "64", "--steps", "2", "--pictures", "1",
			"-o", out.toString());
		assertEquals("0", r[0], r[1]);
		JsonObject json = JsonParser.parseString(new String(Files.readAllBytes(out.resolve("report.json")), StandardCharsets.UTF_8))
			.getAsJsonObject();
		assertEquals(2, json.get("images").getAsInt());
		assertEquals(2, json.getAsJsonArray("per_image").size());
		for (String metric : metrics.split(",")) {
			assertTrue(json.getAsJsonObject("means").has(metric), metric + " missing from " + json.getAsJsonObject("means"));
			double v = json.getAsJsonObject("means").get(metric).getAsDouble();
			assertTrue(Double.isFinite(v), metric + " = " + v);
		}
		assertTrue(json.getAsJsonObject("bars").size() >= 2);
		assertTrue(Files.size(out.resolve(picture)) > 100);
		String md = new String(Files.readAllBytes(out.resolve("report.md")), StandardCharsets.UTF_8);
		assertTrue(md.contains("![" + picture.replace(".png", "") + "]"), md);
		// the bundled models are random: no bar of quality can be met, and the report must say so
		assertTrue(json.getAsJsonObject("bars").toString().contains("NOT met"), json.getAsJsonObject("bars").toString());
	}

	@Test
	void autoencodeMeasuresATrainedAutoencoderAndTheFirstStageOfALatentDiffusionModel() throws Exception {
		Path run = tmp.resolve("kl-run");
		String config = Path.of(getClass().getResource("/train/kl-f4-tiny.yaml").toURI()).toString();
		String[] r = CliTest.run("train", "--run", run.toString(), "--config", config, "--crop", "32", "--batch", "2", "--steps", "2",
			"--warmup", "0", "--checkpoint-every", "2");
		assertEquals("0", r[0], r[1]);
		// the run folder as training leaves it; then the bundled SR model, whose first stage sits under first_stage_model.*
		for (String model : new String[] {run.toString(), "tiny-sr-test"}) {
			Path out = tmp.resolve("eval-" + Path.of(model).getFileName());
			r = CliTest.run("evaluate", "--task", "autoencode", "--model", model, "--count", "2", "--size", "32", "--pictures", "1",
				"-o", out.toString());
			assertEquals("0", r[0], r[1]);
			JsonObject json = JsonParser.parseString(new String(Files.readAllBytes(out.resolve("report.json")), StandardCharsets.UTF_8))
				.getAsJsonObject();
			assertEquals(2, json.getAsJsonArray("per_image").size());
			for (String metric : new String[] {"psnr", "ssim", "psnr_clean", "ssim_clean"}) {
				double v = json.getAsJsonObject("means").get(metric).getAsDouble();
				assertTrue(Double.isFinite(v), model + ": " + metric + " = " + v);
			}
			assertTrue(json.get("summary").getAsString().startsWith("reconstruction of 2 images as recorded: PSNR "), json.toString());
			assertTrue(Files.size(out.resolve("autoencode-00.png")) > 100);
			String md = new String(Files.readAllBytes(out.resolve("report.md")), StandardCharsets.UTF_8);
			assertTrue(md.contains("![autoencode-00]"), md);
		}
		assertTrue(new String(Files.readAllBytes(tmp.resolve("eval-kl-run/report.json")), StandardCharsets.UTF_8)
			.contains("posterior's mode"));
		assertTrue(new String(Files.readAllBytes(tmp.resolve("eval-tiny-sr-test/report.json")), StandardCharsets.UTF_8)
			.contains("quantised to the codebook"));
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = {
		"evaluate --task autoencode -o x | error: give --model: an autoencoder's folder or config.yaml, or a latent diffusion model whose first stage to measure",
		"evaluate --task sr --size 60 -o x | error: the image size must be a multiple of 16 for this model, not 60x60",
		"evaluate --task colour -o x | error: unknown task 'colour' (sr, inpaint, synthesize, autoencode)",
		"evaluate --task sr --data tomorrow -o x | error: unknown --data 'tomorrow' (held-out, training, varied)",
	})
	void mistakesAreOneLine(String args, String message) {
		String[] r = CliTest.run(args.replace(" x", " " + tmp.resolve("x")).split(" "));
		assertEquals("1", r[0], r[1]);
		assertEquals(message, r[1].lines().filter(l -> l.startsWith("error: ")).findFirst().orElse(r[1]));
	}

	/** --data varied: images each of a configuration of its own, as synthetic-varied trains; other names are refused. */
	@Test
	void variedDataAreTheTrainingRangesAndUnknownDataAreNamed() throws Exception {
		Path out = tmp.resolve("varied");
		String[] r = CliTest.run("evaluate", "--task", "autoencode", "--model", "tiny-sr-test", "--data", "varied", "--count", "2",
			"--size", "32", "--pictures", "0", "-o", out.toString());
		assertEquals("0", r[0], r[1]);
		String md = new String(Files.readAllBytes(out.resolve("report.md")), StandardCharsets.UTF_8);
		assertTrue(md.contains("each of a generator configuration drawn from the varied training ranges"), md);
		r = CliTest.run("evaluate", "--task", "autoencode", "--model", "tiny-sr-test", "--data", "everything", "-o", out.toString());
		assertEquals("1", r[0], r[1]);
		assertTrue(r[1].contains("error: unknown --data 'everything' (held-out, training, varied)"), r[1]);
	}
}
