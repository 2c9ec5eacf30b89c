package org.ldmfiji.cli;

import ij.ImagePlus;
import org.ldmfiji.pipeline.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

@Command(name = "batch", mixinStandardHelpOptions = true, sortOptions = false,
	description = "Super-resolution of every image in a folder, the model loaded once; a failing file is reported and the batch goes on.")
final class BatchCommand extends TaskCommand {

	@Parameters(index = "0", paramLabel = "INPUT_DIR", description = "folder of images")
	Path inputDir;

	@Option(names = {"-o", "--out"}, required = true, paramLabel = "OUTPUT_DIR", description = "folder for the results (created if missing)")
	Path outputDir;

	@Option(names = "--task", defaultValue = "sr", paramLabel = "sr", description = "what to do with each image (default: ${DEFAULT-VALUE})")
	String task;

	@Option(names = "--filter", defaultValue = "*.{tif,tiff,png}", paramLabel = "GLOB", description = "which files (default: ${DEFAULT-VALUE})")
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
		if (!Files.isDirectory(inputDir)) throw new IllegalArgumentException("input folder " + inputDir + " not found");
		List<Path> files = list();
		if (files.isEmpty()) throw new IllegalArgumentException("no file in " + inputDir + " matches " + filter);
		Files.createDirectories(outputDir);
		if (!Files.isWritable(outputDir)) throw new IllegalArgumentException("cannot write to the folder " + outputDir);
		int[] counts = new int[3]; // done, skipped, failed
		List<String> failures = new ArrayList<>();
		int status = withModel(Task.SR, (tasks, settings) -> {
			for (int i = 0; i < files.size(); i++) {
				Path in = files.get(i);
				Path out = outputDir.resolve(outputName(in));
				if (skipExisting && Files.exists(out)) {
					counts[1]++;
					continue;
				}
				progress().file(in.getFileName().toString(), i + 1, files.size());
				try {
					ImagePlus imp = open(in);
					OutputFile.check(out, imp.getStackSize());
					OutputFile.write(tasks.superResolve(imp, settings), out);
					counts[0]++;
				} catch (CancellationException e) {
					throw e;
				} catch (RuntimeException | IOException e) {
					counts[2]++;
					failures.add(in.getFileName() + ": " + LdmCli.oneLine(e));
					progress().say("failed: " + failures.get(failures.size() - 1));
				}
			}
		});
		progress().say(String.format(java.util.Locale.ROOT, "%d done, %d skipped, %d failed", counts[0], counts[1], counts[2]));
		return status != 0 ? status : counts[2] > 0 ? LdmCli.FAILED : 0;
	}

	private List<Path> list() throws IOException {
		List<Path> files = new ArrayList<>();
		try (DirectoryStream<Path> s = Files.newDirectoryStream(inputDir, filter)) {
			for (Path p : s) if (Files.isRegularFile(p)) files.add(p);
		}
		files.sort(null);
		return files;
	}

	/** name.tif → name_sr.tif (PNG inputs become TIFF outputs: a result may hold 16-bit or several planes). */
	private String outputName(Path in) {
		String name = in.getFileName().toString();
		int dot = name.lastIndexOf('.');
		String stem = dot > 0 ? name.substring(0, dot) : name;
		return stem + suffix + ".tif";
	}
}
