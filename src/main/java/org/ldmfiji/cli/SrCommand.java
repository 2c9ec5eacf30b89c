package org.ldmfiji.cli;

import ij.ImagePlus;
import org.ldmfiji.pipeline.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "sr", mixinStandardHelpOptions = true, sortOptions = false,
	description = "Super-resolution: enlarge an image by the model's factor (TIFF or PNG; any bit depth, stacks).")
final class SrCommand extends TaskCommand {

	@Parameters(index = "0", paramLabel = "INPUT", description = "the image to enlarge")
	Path input;

	@Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "output image (.tif; .png for one plane)")
	Path out;

	@Override
	public Integer call() throws Exception {
		ImagePlus imp = open(input);
		OutputFile.check(out, imp.getStackSize());
		return withModel(Task.SR, (tasks, settings) -> {
			ImagePlus result = tasks.superResolve(imp, settings);
			OutputFile.write(result, out);
			progress().say("wrote " + out + " (" + result.getWidth() + "x" + result.getHeight() + ")");
		});
	}
}
