package org.ldmfiji.cli;

import ij.ImagePlus;
import ij.gui.Roi;
import org.ldmfiji.pipeline.Task;
import org.ldmfiji.pipeline.image.InpaintingMask;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "inpaint", mixinStandardHelpOptions = true, sortOptions = false,
	description = "Inpainting: regenerate the masked area of an image; every other pixel comes back unchanged.")
final class InpaintCommand extends TaskCommand {

	@Parameters(index = "0", paramLabel = "INPUT", description = "the image")
	Path input;

	@Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "output image (.tif; .png for one plane)")
	Path out;

	static final class Hole {
		@Option(names = "--mask", paramLabel = "FILE", description = "mask image of the input's size: nonzero = fill")
		Path mask;

		@Option(names = "--rect", paramLabel = "X,Y,W,H", split = ",", arity = "1", description = "rectangle to fill, in pixels")
		int[] rect;
	}

	@ArgGroup(exclusive = true, multiplicity = "1")
	Hole hole;

	@Option(names = "--feather", paramLabel = "PX", defaultValue = "0",
		description = "blend the fill into the image over this many pixels inside the hole (default: ${DEFAULT-VALUE})")
	double feather;

	@Option(names = "--class", paramLabel = "C", description = "class to fill with, for a class-conditional model")
	Integer classLabel;

	@Override
	public Integer call() throws Exception {
		ImagePlus imp = open(input);
		InpaintingMask mask = hole.mask != null ? InpaintingMask.fromImage(open(hole.mask), imp.getWidth(), imp.getHeight())
			: InpaintingMask.fromSelection(rectangle(), imp.getWidth(), imp.getHeight());
		if (!(feather >= 0 && feather < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("--feather must be 0 or more");
		OutputFile.check(out, imp.getStackSize());
		return withModel(Task.INPAINT, (tasks, settings) -> {
			ImagePlus result = tasks.inpaint(imp, mask, feather, classLabel, settings);
			OutputFile.write(result, out);
			progress().say("wrote " + out + " (" + mask.holeSize() + " pixels filled)");
		});
	}

	private Roi rectangle() {
		if (hole.rect.length != 4) throw new IllegalArgumentException("--rect takes X,Y,W,H (four whole numbers), not " + hole.rect.length);
		return new Roi(hole.rect[0], hole.rect[1], hole.rect[2], hole.rect[3]);
	}
}
