package org.ldmfiji.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.image.ImageOutput;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Synthesis;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.model.ModelFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "synthesize", mixinStandardHelpOptions = true,
	description = "Synthesise images from noise: unconditional or from a class.")
final class SynthesizeCommand implements Callable<Integer> {

	@Mixin
	ModelOptions model;

	@Mixin
	SamplingOptions sampling;

	@Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "output image (.tif; .png for one image)")
	Path out;

	@Option(names = "--class", paramLabel = "C", description = "class label, for a class-conditional model")
	Integer classLabel;

	@Option(names = {"-n", "--batch"}, paramLabel = "N", defaultValue = "1", description = "how many images (default: ${DEFAULT-VALUE})")
	int batch;

	@Option(names = "--size", arity = "2", paramLabel = "PX", description = "height and width in pixels (default: the model's)")
	int[] size;

	@Override
	public Integer call() throws Exception {
		Synthesis.Request request = Synthesis.Request.builder().batch(batch).classLabel(classLabel)
			.size(size == null ? null : size[0], size == null ? null : size[1]).build();
		OutputFile.check(out, batch);
		ModelFolder folder = model.resolve(Task.SYNTHESIZE);
		Progress progress = new Progress();
		SamplingSettings s = sampling.apply(ModelOptions.defaults(folder.card())).callback(progress.steps("")).build();
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(model.device().device())) {
			LatentDiffusion ldm = model.load(folder, m).model();
			long t0 = System.nanoTime();
			NDArray images = Synthesis.run(ldm, request, s, m);
			progress.done();
			System.err.printf(Locale.ROOT, "sampled %s in %.1f s%n", images.getShape(), (System.nanoTime() - t0) / 1e9);
			ImagePlus imp = ImageOutput.rgb(images, out.getFileName().toString());
			OutputFile.write(imp, out);
			System.err.println("wrote " + out);
			return 0;
		}
	}
}
