package org.ldmfiji.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.SafetensorsReader;
import org.ldmfiji.io.SafetensorsWriter;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.model.Checksums;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

/**
 * A trained run exported as a model folder: the engine loads it to the outputs of the run's EMA weights (exactly in
 * fp32, closely in fp16), without the EMA copy, in about half the bytes in fp16; what float16 cannot hold is refused.
 */
class ModelExportTest {

	@TempDir
	static Path tmp;

	/** A vq-f4-tiny autoencoder's run, and a label-map model's run on it. */
	private static Path autoencoderRun;
	private static Path run;

	private static Path config(String name) throws Exception {
		return Paths.get(ModelExportTest.class.getResource("/train/" + name + ".yaml").toURI());
	}

	@BeforeAll
	static void train() throws Exception {
		Inference.prepareThread();
		TrainingSettings s = TrainingSettings.builder().steps(3).batchSize(2).learningRate(1e-3).warmupSteps(0).emaDecay(0.9)
			.condDropout(0).seed(4).cropSize(32).data(TrainingData.SYNTHETIC).build();
		autoencoderRun = tmp.resolve("vq");
		run = tmp.resolve("seg");
		// the label-map model has a trainable SpatialRescaler (cond_stage_model.*); scale_by_std adds a measured scale_factor
		String seg = Files.readString(config("seg-on-vq-f4-tiny"), StandardCharsets.UTF_8);
		String trainable = "    cond_stage_trainable: true\n";
		assertTrue(seg.contains(trainable));
		Path segConfig = tmp.resolve("seg-scale-by-std.yaml");
		Files.writeString(segConfig, seg.replace(trainable, trainable + "    scale_by_std: true\n"));
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			TrainingRun.start(autoencoderRun, config("vq-f4-tiny"), null, s.withSteps(1), TrainingData.open(TrainingData.SYNTHETIC, 32, false),
				null, m).run(TrainingListener.NONE, () -> false);
			TrainingRun.start(run, segConfig, autoencoderRun.resolve(TrainingCheckpoint.WEIGHTS), s,
				TrainingData.open(TrainingData.SYNTHETIC, 32, false), null, m).run(TrainingListener.NONE, () -> false);
		}
	}

	@Test
	void anFp32ExportLoadsToTheOutputsOfTheRunsEmaWeights() throws Exception {
		Inference.prepareThread();
		Path out = tmp.resolve("fp32");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			ModelExport.Result r = ModelExport.export(run, out, ModelExport.Storage.FP32, false, false, m);
			assertEquals(3, r.step);
			assertEquals(ModelExport.Weights.EMA, r.weights);
			assertEquals(Checksums.sha256(out.resolve(TrainingCheckpoint.WEIGHTS)), r.sha256);
			try (NDManager lm = m.newSubManager();
				LatentDiffusion trained = ModelLoader.load(ModelFolder.open(run, ModelFolder.Origin.USER), false, lm).model();
				LatentDiffusion exported = ModelLoader.load(ModelFolder.open(out, ModelFolder.Origin.USER), false, lm).model()) {
				assertTrue(trained.usesEma(), "the run loads with its EMA weights");
				assertFalse(exported.usesEma(), "the export has no EMA copy to read");
				// scale_factor is read as the model's scalar, not as a parameter, so the loader lists it with the unused
				assertEquals(java.util.List.of("scale_factor"), exported.unusedKeys(), "tensors inference does not read");
				assertEquals(trained.parameters().keySet(), exported.parameters().keySet());
				for (Map.Entry<String, NDArray> p : trained.parameters().entrySet())
					assertTrue(p.getValue().contentEquals(exported.parameters().get(p.getKey())), p.getKey() + " differs");
				assertEquals(trained.scaleFactor(), exported.scaleFactor());
				assertTrue(trained.scaleFactor() != 1f, "scale_by_std measured no scale factor");

				Outputs expected = outputs(trained, lm);
				Outputs actual = outputs(exported, lm);
				// the same weights in memory libtorch aligns differently (another file's mapping) may round differently in the last bit
				assertEquals(0f, actual.denoised.sub(expected.denoised).abs().max().getFloat(), 1e-5f, "denoiser output");
				assertEquals(0f, actual.decoded.sub(expected.decoded).abs().max().getFloat(), 1e-5f, "first stage output");
			}
		}
	}

	@Test
	void anFp16ExportIsHalfTheSizeWithoutTheEmaCopyAndClose() throws Exception {
		Inference.prepareThread();
		Path half = tmp.resolve("fp16");
		Path full = tmp.resolve("fp16-reference");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			ModelExport.Result r16 = ModelExport.export(run, half, ModelExport.Storage.FP16, false, false, m);
			ModelExport.Result r32 = ModelExport.export(run, full, ModelExport.Storage.FP32, false, false, m);
			double ratio = (double) r16.bytes / r32.bytes;
			assertTrue(ratio > 0.45 && ratio < 0.55, "fp16 file is " + ratio + " of the fp32 one");
			assertTrue(r32.bytes < r32.runBytes, "without the EMA copy the file is " + r32.bytes + " bytes, the run's " + r32.runBytes);

			try (StateDict saved = SafetensorsReader.read(half.resolve(TrainingCheckpoint.WEIGHTS), m);
				StateDict exact = SafetensorsReader.read(full.resolve(TrainingCheckpoint.WEIGHTS), m);
				StateDict source = SafetensorsReader.read(run.resolve(TrainingCheckpoint.WEIGHTS), m)) {
				assertTrue(saved.tensors().keySet().stream().noneMatch(k -> k.startsWith("model_ema.")), "EMA entries left");
				assertEquals(exact.tensors().keySet(), saved.tensors().keySet());
				assertTrue(saved.tensors().keySet().stream().anyMatch(k -> k.startsWith("cond_stage_model.")), "no conditioning stage");
				assertTrue(saved.tensors().keySet().stream().anyMatch(k -> k.startsWith("first_stage_model.")), "no first stage");
				for (Map.Entry<String, NDArray> e : saved.tensors().entrySet()) {
					DataType expected = e.getKey().equals("scale_factor") ? DataType.FLOAT32 : DataType.FLOAT16;
					assertEquals(expected, e.getValue().getDataType(), e.getKey());
				}
				// the EMA values, not the raw ones: exactly in fp32, within float16's rounding (11 significant bits) in fp16
				String key = "model.diffusion_model.out.2.weight";
				NDArray ema = source.tensors().get(LitEma.bufferName(key));
				assertTrue(exact.tensors().get(key).contentEquals(ema), "fp32: not the EMA weights");
				assertFalse(exact.tensors().get(key).contentEquals(source.tensors().get(key)), "fp32: the raw weights");
				float fromEma = saved.tensors().get(key).toType(DataType.FLOAT32, false).sub(ema).abs().max().getFloat();
				float largest = ema.abs().max().getFloat();
				assertTrue(fromEma <= largest / 2048, "fp16: off the EMA weights by " + fromEma + " of " + largest);
				assertEquals("3", saved.metadata().get("global_step"));
				assertEquals("seg", saved.metadata().get("source_run"));
				assertEquals("ema", saved.metadata().get("weights"));
				assertEquals("fp16", saved.metadata().get("precision"));
			}

			try (NDManager lm = m.newSubManager();
				LatentDiffusion reference = ModelLoader.load(ModelFolder.open(full, ModelFolder.Origin.USER), false, lm).model();
				LatentDiffusion fp16 = ModelLoader.load(ModelFolder.open(half, ModelFolder.Origin.USER), false, lm).model()) {
				assertEquals(reference.scaleFactor(), fp16.scaleFactor(), "scale_factor is kept in float32");
				Outputs expected = outputs(reference, lm);
				Outputs actual = outputs(fp16, lm);
				float error = relativeError(actual.denoised, expected.denoised);
				assertTrue(error > 0f && error < 1e-2f, "denoiser output's relative error " + error);
				float decoded = relativeError(actual.decoded, expected.decoded);
				assertTrue(decoded < 1e-2f, "first stage output's relative error " + decoded);
			}
		}
	}

	@Test
	void theConfigIsTheRunsWithUseEmaOff() throws Exception {
		Inference.prepareThread();
		Path out = tmp.resolve("config");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			ModelExport.export(run, out, ModelExport.Storage.FP16, false, false, m);
		}
		String original = Files.readString(run.resolve(TrainingCheckpoint.CONFIG));
		String exported = Files.readString(out.resolve(TrainingCheckpoint.CONFIG));
		String added = "    use_ema: false  # exported: the EMA weights are the denoiser's own (model.diffusion_model.*), no model_ema.* copy\n";
		assertTrue(exported.contains("\n  params:\n" + added), exported);
		assertEquals(original, exported.replace(added, ""));

		// a config that says use_ema already has that line replaced, whatever it said
		String withEma = original.replaceFirst("(?m)^  params:\n", "  params:\n    use_ema: true # sample with the EMA\n");
		String edited = ExportedConfig.withoutEma(withEma, "config.yaml", "why");
		assertEquals(original.replaceFirst("(?m)^  params:\n", "  params:\n    use_ema: false  # why\n"), edited);
	}

	@Test
	void rawExportKeepsTheRawDenoiser() throws Exception {
		Inference.prepareThread();
		Path out = tmp.resolve("raw");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			assertEquals(ModelExport.Weights.RAW, ModelExport.export(run, out, ModelExport.Storage.FP32, true, false, m).weights);
			try (StateDict saved = SafetensorsReader.read(out.resolve(TrainingCheckpoint.WEIGHTS), m);
				StateDict source = SafetensorsReader.read(run.resolve(TrainingCheckpoint.WEIGHTS), m)) {
				assertTrue(saved.tensors().keySet().stream().noneMatch(k -> k.startsWith("model_ema.")), "EMA entries left");
				for (Map.Entry<String, NDArray> e : saved.tensors().entrySet())
					assertTrue(e.getValue().contentEquals(source.tensors().get(e.getKey())), e.getKey() + " differs from the run's");
				assertEquals("raw", saved.metadata().get("weights"));
			}
		}
	}

	@Test
	void anAutoencodersRunIsCopiedConverted() throws Exception {
		Inference.prepareThread();
		Path out = tmp.resolve("autoencoder");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			assertEquals(ModelExport.Weights.AUTOENCODER, ModelExport.export(autoencoderRun, out, ModelExport.Storage.FP16, false, false, m).weights);
			assertEquals(Files.readString(autoencoderRun.resolve(TrainingCheckpoint.CONFIG)), Files.readString(out.resolve(TrainingCheckpoint.CONFIG)));
			try (StateDict saved = SafetensorsReader.read(out.resolve(TrainingCheckpoint.WEIGHTS), m);
				StateDict source = SafetensorsReader.read(autoencoderRun.resolve(TrainingCheckpoint.WEIGHTS), m)) {
				assertEquals(source.tensors().keySet(), saved.tensors().keySet());
				for (Map.Entry<String, NDArray> e : source.tensors().entrySet()) {
					NDArray half = saved.tensors().get(e.getKey());
					assertEquals(DataType.FLOAT16, half.getDataType(), e.getKey());
					// float16 keeps 11 significant bits; below its normal range (6.1e-5) it keeps a fixed step of 6e-8
					float largest = e.getValue().abs().max().getFloat();
					float error = half.toType(DataType.FLOAT32, false).sub(e.getValue()).abs().max().getFloat();
					assertTrue(error <= largest / 2048 + 6e-8f, e.getKey() + ": off by " + error + " of " + largest);
				}
			}
		}
	}

	@Test
	void aValueFloat16CannotHoldIsRefusedNamingItsTensor() throws Exception {
		Inference.prepareThread();
		Path overflowing = tmp.resolve("overflowing");
		Files.createDirectories(overflowing);
		Files.copy(run.resolve(TrainingCheckpoint.CONFIG), overflowing.resolve(TrainingCheckpoint.CONFIG));
		String key = "first_stage_model.decoder.conv_out.bias";
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			try (StateDict saved = SafetensorsReader.read(run.resolve(TrainingCheckpoint.WEIGHTS), m)) {
				Map<String, NDArray> tensors = new HashMap<>(saved.tensors());
				assertNotNull(tensors.get(key));
				tensors.put(key, m.create(new float[] {70000f}));
				SafetensorsWriter.write(overflowing.resolve(TrainingCheckpoint.WEIGHTS), tensors, Map.of());
			}
			Path out = tmp.resolve("overflowing-export");
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> ModelExport.export(overflowing, out, ModelExport.Storage.FP16, false, false, m));
			assertEquals("tensor '" + key + "' holds a value of magnitude 70000.0, beyond float16's largest (65504): export it with "
				+ "--precision fp32", e.getMessage());
			assertFalse(Files.exists(out), "a refused export wrote its folder");
			// float32 holds it
			ModelExport.export(overflowing, out, ModelExport.Storage.FP32, false, false, m);
			assertTrue(Files.isRegularFile(out.resolve(TrainingCheckpoint.WEIGHTS)));
		}
	}

	@Test
	void theRunsFolderIsNeverWrittenAndAFullFolderOnlyWithForce() throws Exception {
		Inference.prepareThread();
		Map<String, String> before = hashes(run);
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			for (Path inside : new Path[] {run, run.resolve("export"), tmp.resolve("seg/../seg/training")}) {
				IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
					() -> ModelExport.export(run, inside, ModelExport.Storage.FP16, false, true, m));
				assertTrue(e.getMessage().contains("is the run's folder or inside it"), e.getMessage());
			}
			Path full = tmp.resolve("full");
			Files.createDirectories(full);
			Files.writeString(full.resolve("notes.txt"), "mine");
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
				() -> ModelExport.export(run, full, ModelExport.Storage.FP16, false, false, m));
			assertEquals(full + " is not empty: export to a new or empty folder, or replace its config.yaml and model.safetensors with --force",
				e.getMessage());
			ModelExport.export(run, full, ModelExport.Storage.FP16, false, true, m);
			assertEquals("mine", Files.readString(full.resolve("notes.txt")));
			assertTrue(Files.isRegularFile(full.resolve(TrainingCheckpoint.WEIGHTS)));
		}
		assertEquals(before, hashes(run), "the run's folder changed");
	}

	private static Map<String, String> hashes(Path folder) throws Exception {
		Map<String, String> hashes = new HashMap<>();
		try (java.util.stream.Stream<Path> files = Files.walk(folder)) {
			for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator)
				hashes.put(folder.relativize(f).toString(), Checksums.sha256(f) + " " + Files.getLastModifiedTime(f));
		}
		return hashes;
	}

	/** One denoiser step and one decode on fixed inputs. */
	private static final class Outputs {
		final NDArray denoised;
		final NDArray decoded;

		Outputs(NDArray denoised, NDArray decoded) {
			this.denoised = denoised;
			this.decoded = decoded;
		}
	}

	private static Outputs outputs(LatentDiffusion model, NDManager m) {
		NDArray x = Inference.seeded(11, () -> m.randomNormal(new Shape(1, 3, 8, 8)));
		NDArray labels = Inference.seeded(12, () -> m.randomUniform(0f, 1f, new Shape(1, 3, 32, 32)));
		NDArray t = m.create(new long[] {321});
		return new Outputs(model.applyModel(x, t, model.conditioning(labels)), model.decodeFirstStage(x, false));
	}

	private static float relativeError(NDArray actual, NDArray expected) {
		return actual.sub(expected).norm().getFloat() / expected.norm().getFloat();
	}

	/**
	 * The decoder of a stretch of the autoencoder trained with its encoder frozen replaces the model's first stage
	 * decoder; an autoencoder whose encoder moved on is refused, naming the first tensor that differs.
	 */
	@Test
	void aDecoderFromAFrozenEncoderStretchReplacesTheFirstStagesAndAnotherEncoderIsRefused() throws Exception {
		Inference.prepareThread();
		Path frozen = tmp.resolve("vq-decoder-stretch"), moved = tmp.resolve("vq-encoder-moved");
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			for (Path copy : new Path[] {frozen, moved}) {
				Files.createDirectories(copy.resolve("training"));
				try (java.util.stream.Stream<Path> files = Files.walk(autoencoderRun)) {
					for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator)
						Files.copy(f, copy.resolve(autoencoderRun.relativize(f).toString()));
				}
				String what = copy == frozen ? TrainingSettings.ENCODER : TrainingSettings.NOTHING_FROZEN;
				TrainingRun.open(copy, null, null, null, lr -> null, saved -> saved.toBuilder().steps(3).frozen(what).build(),
					TrainingData.opener(null), m).run(TrainingListener.NONE, () -> false);
			}
			Path out = tmp.resolve("with-decoder");
			ModelExport.export(run, out, ModelExport.Storage.FP32, false, frozen.resolve(TrainingCheckpoint.WEIGHTS), false, m);
			try (StateDict exported = SafetensorsReader.read(out.resolve(TrainingCheckpoint.WEIGHTS), m);
				StateDict decoder = SafetensorsReader.read(frozen.resolve(TrainingCheckpoint.WEIGHTS), m);
				StateDict model = SafetensorsReader.read(run.resolve(TrainingCheckpoint.WEIGHTS), m)) {
				String key = "decoder.conv_out.weight";
				assertTrue(exported.tensors().get("first_stage_model." + key).contentEquals(decoder.tensors().get(key)));
				assertFalse(exported.tensors().get("first_stage_model." + key).contentEquals(model.tensors().get("first_stage_model." + key)),
					"the stretch changed the decoder");
				assertTrue(exported.tensors().get("first_stage_model.encoder.conv_in.weight")
					.contentEquals(model.tensors().get("first_stage_model.encoder.conv_in.weight")));
			}
			IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelExport.export(run, tmp.resolve("refused"),
				ModelExport.Storage.FP32, false, moved.resolve(TrainingCheckpoint.WEIGHTS), false, m));
			assertTrue(e.getMessage().contains("its encoder differs from the model's first stage at 'encoder."), e.getMessage());
			assertFalse(Files.exists(tmp.resolve("refused")), "nothing written");
		}
	}
}
