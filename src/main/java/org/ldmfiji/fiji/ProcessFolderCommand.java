package org.ldmfiji.fiji;

import ij.ImagePlus;
import org.ldmfiji.pipeline.FolderBatch;
import org.ldmfiji.pipeline.ImageTasks;
import org.ldmfiji.pipeline.SamplingSettings;
import org.ldmfiji.pipeline.Synthesis;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.image.InpaintingMask;
import org.ldmfiji.pipeline.model.ModelCard;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;
import org.scijava.widget.FileWidget;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Process Folder: one task over every image of a folder with the model loaded once, each result saved as
 * {@code <name><suffix>.tif}. Super-resolution of each image; inpainting of the selection saved with each image (or
 * of one {@code mask_image} for all); or synthesis with each image as the label image. Existing results are skipped on
 * request; a file that fails is logged and the batch goes on; the summary ("N done, N skipped, N failed", then the
 * failures) is the command's output.
 */
@Plugin(type = Command.class, headless = true, label = "Process Folder")
public final class ProcessFolderCommand extends ImageInputCommand {

	@Parameter(style = FileWidget.DIRECTORY_STYLE, persist = false, description = "the folder of images")
	private File input_directory;

	@Parameter(persist = false, description = "which files, as a pattern: *.tif, *.{tif,png}, cell_*.tif")
	private String file_filter = FolderBatch.DEFAULT_FILTER;

	@Parameter(style = FileWidget.DIRECTORY_STYLE, persist = false, description = "where the results go (created if missing)")
	private File output_directory;

	@Parameter(required = false, persist = false, description = "added to each result's name; empty: _sr, _inpainted or _synthesized")
	private String output_suffix = "";

	@Parameter(choices = { "sr", "inpaint", "synthesize" }, persist = false,
		description = "sr: super-resolution; inpaint: the selection saved with each image; synthesize: each image is a label image")
	private String task = "sr";

	@Parameter(persist = false, description = "leave out images whose result exists already")
	private boolean skip_existing = false;

	@Parameter(required = false, persist = false, description = "inpaint: one mask for every image (nonzero = fill); none: each image's saved selection")
	private ImagePlus mask_image;

	@Parameter(min = "0", persist = false, description = "inpaint: blend the fill into the image over this many pixels")
	private double feather = 0;

	@Parameter(min = "-1", persist = false, description = "inpaint: class to fill with, for a class-conditional model; -1: none")
	private int class_label = -1;

	@Parameter(min = "-1", persist = false, description = "classifier-free guidance (1 = none); -1: the model's")
	private double guidance_scale = -1;

	@Parameter(type = ItemIO.OUTPUT)
	private String summary;

	public ProcessFolderCommand() {
		super("Process Folder");
	}

	@Override
	double guidanceScale() {
		return guidance_scale;
	}

	@Override
	void execute(CommandProgress progress) throws IOException {
		Task what = Task.of(task);
		if (input_directory == null) throw new IllegalArgumentException("no input_directory given");
		if (output_directory == null) throw new IllegalArgumentException("no output_directory given");
		String suffix = output_suffix == null || output_suffix.isEmpty() ? defaultSuffix(what) : output_suffix;
		FolderBatch batch = new FolderBatch(input_directory.toPath(), file_filter, output_directory.toPath(), suffix, skip_existing);
		Integer label = classLabel(class_label);
		if (what == Task.SYNTHESIZE && label != null) throw new IllegalArgumentException("synthesize in a folder takes each image as a label image: leave class_label at -1");
		String defaultUse = what == Task.SYNTHESIZE ? ModelCard.LABEL_SYNTHESIS : what.id();
		FolderBatch.Summary result = withModel(what, defaultUse, progress, (tasks, settings) ->
			batch.run(image -> process(what, tasks, settings, image, label), new FolderBatch.Listener() {
				@Override
				public void starting(Path file, int number, int count) {
					progress.file(file.getFileName().toString(), number, count);
				}

				@Override
				public void failed(Path file, Exception problem) {
					warn(file.getFileName() + " failed: " + FolderBatch.oneLine(problem));
				}
			}));
		StringBuilder text = new StringBuilder(result.toString());
		for (String failure : result.failures) text.append("\nfailed: ").append(failure);
		summary = text.toString();
	}

	private ImagePlus process(Task what, ImageTasks tasks, SamplingSettings settings, ImagePlus image, Integer label) {
		switch (what) {
			case SR:
				return tasks.superResolve(image, settings);
			case INPAINT:
				if (mask_image == null && image.getRoi() == null)
					throw new IllegalArgumentException("no selection is saved with this image; save it with its selection, or give a mask_image");
				InpaintingMask mask = mask_image != null ? InpaintingMask.fromImage(mask_image, image.getWidth(), image.getHeight())
					: InpaintingMask.fromSelection(image.getRoi(), image.getWidth(), image.getHeight());
				return tasks.inpaint(image, mask, feather, label, settings);
			default:
				return tasks.synthesize(Synthesis.Request.builder().build(), image, settings, image.getTitle());
		}
	}

	private static String defaultSuffix(Task task) {
		switch (task) {
			case SR:
				return "_sr";
			case INPAINT:
				return "_inpainted";
			default:
				return "_synthesized";
		}
	}
}
