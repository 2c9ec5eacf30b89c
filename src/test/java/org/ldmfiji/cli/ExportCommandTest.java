package org.ldmfiji.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.pipeline.model.Checksums;
import org.ldmfiji.testing.Fixtures;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code export} on the command line, with the label-map fixture standing in for a run: a model folder with
 * config.yaml and model.safetensors (and, as a published model, no EMA copy).
 */
class ExportCommandTest {

	@TempDir
	Path tmp;

	private Path run() throws Exception {
		Path run = tmp.resolve("run");
		Files.createDirectories(run);
		Path fixture = Fixtures.bundledCase("seg");
		Files.copy(fixture.resolve("config.yaml"), run.resolve("config.yaml"));
		Files.copy(fixture.resolve("model.safetensors"), run.resolve("model.safetensors"));
		return run;
	}

	@Test
	void printsTheSizesAndTheChecksumACardTakes() throws Exception {
		Path run = run();
		Path out = tmp.resolve("out");
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		PrintStream stdout = System.out;
		String[] r;
		System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
		try {
			r = CliTest.run("export", "--run", run.toString(), "--out", out.toString(), "--raw");
		} finally {
			System.setOut(stdout);
		}
		assertEquals("0", r[0], r[1]);
		String text = printed.toString(StandardCharsets.UTF_8);
		assertTrue(text.contains("the denoiser's raw weights"), text);
		assertTrue(text.contains("model.safetensors: " + String.format(java.util.Locale.ROOT, "%,d bytes", Files.size(out.resolve("model.safetensors")))), text);
		assertTrue(text.contains("sha256: " + Checksums.sha256(out.resolve("model.safetensors")) + "\n"), text);
		double ratio = (double) Files.size(out.resolve("model.safetensors")) / Files.size(run.resolve("model.safetensors"));
		assertTrue(ratio > 0.45 && ratio < 0.55, "fp16 export is " + ratio + " of the float32 file");
	}

	@Test
	void mistakesAreOneLine() throws Exception {
		Path run = run();
		Path out = tmp.resolve("out");
		String[] r = CliTest.run("export", "--run", run.toString(), "--out", out.toString());
		assertEquals("1", r[0], r[1]);
		assertEquals("error: " + run.resolve("model.safetensors") + " holds no EMA weights (model_ema.*): export its raw weights with --raw", r[1]);

		r = CliTest.run("export", "--run", run.toString(), "--out", out.toString(), "--raw", "--precision", "bf16");
		assertEquals("error: precision 'bf16' not understood; expected fp16 or fp32", r[1]);

		Files.createDirectories(out);
		Files.writeString(out.resolve("model.yaml"), "name: out\n");
		r = CliTest.run("export", "--run", run.toString(), "--out", out.toString(), "--raw");
		assertEquals("error: " + out + " is not empty: export to a new or empty folder, or replace its config.yaml and model.safetensors with --force", r[1]);

		r = CliTest.run("export", "--run", run.toString(), "--out", run.resolve("shipped").toString(), "--raw", "--force");
		assertTrue(r[1].startsWith("error: " + run.resolve("shipped") + " is the run's folder or inside it"), r[1]);
		assertFalse(Files.exists(run.resolve("shipped")));

		r = CliTest.run("export", "--run", tmp.resolve("nothing").toString(), "--out", out.toString());
		assertEquals("error: " + tmp.resolve("nothing") + " holds no trained run (no config.yaml and model.safetensors)", r[1]);
	}
}
