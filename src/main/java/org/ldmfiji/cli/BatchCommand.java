package org.ldmfiji.cli;

import org.ldmfiji.pipeline.FolderBatch;
import org.ldmfiji.pipeline.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
	description = "Super-resolution of every image in a folder, the model loaded once; a failing file is reported and the batch goes on.")
final class BatchCommand extends TaskCommand {

	@Parameters(index = "0", paramLabel = "INPUT_DIR", description = "folder of images")
	Path inputDir;

	@Option(names = {"-o", "--out"}, required = true, paramLabel = "OUTPUT_DIR", description = "folder for the results (created if missing)")
	Path outputDir;

	@Option(names = "--task", defaultValue = "sr", paramLabel = "sr", description = "what to do with each image (default: ${DEFAULT-VALUE})")
	String task;

	@Option(names = "--filter", defaultValue = FolderBatch.DEFAULT_FILTER, paramLabel = "GLOB", description = "which files (default: ${DEFAULT-VALUE})")
	String filter;

	@Option(names = "--suffix", defaultValue = "_sr", paramLabel = "TEXT", description = "added to each output's name (default: ${DEFAULT-VALUE})")
	String suffix;

	@Option(names = "--skip-existing", description = "leave out images whose output exists already")
	boolean skipExisting;

	@Override
	public Integer call() throws Exception {
		if (Task.of(task) != Task.SR) {
			throw new IllegalArgumentException("batch runs super-resolution (--task sr); inpainting needs a mask per image: use 'inpaint'");
		}
		FolderBatch batch = new FolderBatch(inputDir, filter, outputDir, suffix, skipExisting);
		FolderBatch.Summary[] summary = new FolderBatch.Summary[1];
		int status = withModel(Task.SR, (tasks, settings) -> summary[0] = batch.run(image -> tasks.superResolve(image, settings),
			new FolderBatch.Listener() {
				@Override
				public void starting(Path file, int number, int count) {
					progress().file(file.getFileName().toString(), number, count);
				}

				@Override
				public void failed(Path file, Exception problem) {
					progress().say("failed: " + file.getFileName() + ": " + LdmCli.oneLine(problem));
				}
			}));
		progress().say(summary[0].toString());
		return status != 0 ? status : summary[0].failed > 0 ? LdmCli.FAILED : 0;
	}
}
