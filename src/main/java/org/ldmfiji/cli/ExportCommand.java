package org.ldmfiji.cli;

import ai.djl.ndarray.NDManager;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.pipeline.model.ModelCard;
import org.ldmfiji.train.ModelExport;
import org.ldmfiji.train.TrainingCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
	description = {"Make a trained run's folder into a model folder to ship: config.yaml and a model.safetensors with what "
		+ "inference reads, the denoiser's EMA weights in place of its raw ones and no EMA copy, in float16 by default.",
		"The exported config says use_ema: false, since the file has no EMA copy. The run's folder is never written to."})
final class ExportCommand implements Callable<Integer> {

	@Option(names = "--run", required = true, paramLabel = "DIR", description = "the trained run's folder (config.yaml + model.safetensors)")
	Path run;

	@Option(names = "--out", required = true, paramLabel = "DIR2", description = "the model folder to write: new or empty, unless --force")
	Path out;

	@Option(names = "--precision", defaultValue = "fp16", paramLabel = "fp16|fp32",
		description = "the type floating-point tensors are stored in (default: ${DEFAULT-VALUE}); a value float16 cannot hold is refused")
	String precision;

	@Option(names = "--raw", description = "export the denoiser's raw weights instead of its EMA")
	boolean raw;

	@Option(names = "--decoder-from", paramLabel = "WEIGHTS",
		description = "an autoencoder's weights whose decoder replaces the model's first stage decoder; its encoder must be the model's "
			+ "bit for bit (a stretch trained with --freeze encoder)")
	Path decoderFrom;

	@Option(names = "--force", description = "replace config.yaml and model.safetensors of a folder that is not empty")
	boolean force;

	@Override
	public Integer call() throws Exception {
		ModelExport.Storage storage = ModelExport.Storage.parse(precision);
		boolean hadCard = Files.isRegularFile(out.resolve(ModelCard.FILE_NAME));
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
			ModelExport.Result r = ModelExport.export(run, out, storage, raw, decoderFrom, force, m);
			System.out.println("exported " + (r.step == null ? "" : "step " + r.step + " of ") + run + " to " + out + ": "
				+ r.weights + (decoderFrom == null ? "" : ", the first stage's decoder from " + decoderFrom) + ", " + r.tensors
				+ " tensors in " + r.storage);
			System.out.println("model.safetensors: " + size(r.bytes) + " (the run's: " + size(r.runBytes) + ")");
			System.out.println("config.yaml: " + size(Files.size(out.resolve(TrainingCheckpoint.CONFIG))));
			System.out.println("sha256: " + r.sha256);
			if (hadCard) System.out.println("note: " + out.resolve(ModelCard.FILE_NAME) + " was kept: give it the sha256 above");
			return 0;
		}
	}

	private static String size(long bytes) {
		String exact = String.format(Locale.ROOT, "%,d bytes", bytes);
		return bytes < 1 << 20 ? exact : exact + String.format(Locale.ROOT, " (%.2f MiB)", bytes / (1024.0 * 1024.0));
	}
}
