package org.ldmfiji.cli;

import ij.ImagePlus;
import org.ldmfiji.pipeline.Synthesis;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.model.ModelCard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

@Command(name = "synthesize", mixinStandardHelpOptions = true, sortOptions = false,
	description = "Synthesise images from noise, from a class, or from a label image.")
final class SynthesizeCommand extends TaskCommand {

	@Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "output image (.tif; .png for one image)")
	Path out;

	@Option(names = "--class", paramLabel = "C", description = "class label, for a class-conditional model")
	Integer classLabel;

	@Option(names = "--labels", paramLabel = "FILE", description = "label image (8/16-bit, labels 0..K-1), for a label-map model")
	Path labels;

	@Option(names = {"-n", "--batch"}, paramLabel = "N", defaultValue = "1", description = "how many images (default: ${DEFAULT-VALUE})")
	int batch;

	@Option(names = "--size", arity = "2", paramLabel = "PX", description = "height and width in pixels (default: the model's)")
	int[] size;

	@Override
	public Integer call() throws Exception {
		Synthesis.Request request = Synthesis.Request.builder().batch(batch).classLabel(classLabel)
			.size(size == null ? null : size[0], size == null ? null : size[1]).build();
		ImagePlus labelImage = labels == null ? null : open(labels);
		OutputFile.check(out, batch * (labelImage == null ? 1 : labelImage.getStackSize()));
		String defaultUse = labelImage == null ? Task.SYNTHESIZE.id() : ModelCard.LABEL_SYNTHESIS;
		return withModel(Task.SYNTHESIZE, defaultUse, (tasks, settings) -> {
			ImagePlus result = tasks.synthesize(request, labelImage, settings, out.getFileName().toString());
			OutputFile.write(result, out);
			progress().say("wrote " + out + " (" + result.getStackSize() + " image(s))");
		});
	}
}
