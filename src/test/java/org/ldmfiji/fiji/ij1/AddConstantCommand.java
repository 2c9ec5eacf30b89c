package org.ldmfiji.fiji.ij1;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.ldmfiji.engine.Inference;
import org.scijava.ItemIO;
import org.scijava.command.Command;
import org.scijava.command.ContextCommand;
import org.scijava.plugin.Parameter;
import org.scijava.plugin.Plugin;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small real command for the bridge's tests, shaped like the project's commands: an image in (never modified),
 * snake_case parameters of every kind the bridge handles, a new image out. The arithmetic runs in libtorch, so
 * an end-to-end run in ImageJ also proves that DJL and its native library load from ImageJ's plugin folders.
 */
@Plugin(type = Command.class, headless = true, label = "Test Add Constant")
public class AddConstantCommand extends ContextCommand {

	/** How often run() got past validation: a refused macro must leave it unchanged. */
	static final AtomicInteger RUNS = new AtomicInteger();

	@Parameter
	private ImagePlus input;

	@Parameter(min = "-1000", max = "1000")
	private double value = 1;

	@Parameter(min = "1", max = "10")
	private int times = 1;

	@Parameter(choices = { "add", "subtract" })
	private String operation = "add";

	@Parameter
	private boolean negate_after;

	@Parameter(required = false)
	private String suffix = "_plus";

	/** Added pixel by pixel when given: the shape of a mask or label image input. */
	@Parameter(required = false)
	private ImagePlus offset_image;

	@Parameter(type = ItemIO.OUTPUT)
	private ImagePlus result;

	@Override
	public void run() {
		if (input.getType() == ImagePlus.COLOR_RGB) {
			cancel("RGB images are not supported by this test command");
			return;
		}
		if (offset_image != null && (offset_image.getWidth() != input.getWidth() || offset_image.getHeight() != input.getHeight())) {
			cancel("offset_image must be " + input.getWidth() + "x" + input.getHeight());
			return;
		}
		RUNS.incrementAndGet();
		Inference.prepareThread();
		double delta = ("add".equals(operation) ? 1 : -1) * value * times;
		int w = input.getWidth();
		int h = input.getHeight();
		ImageStack in = input.getStack();
		ImageStack out = new ImageStack(w, h);
		try (NDManager manager = NDManager.newBaseManager()) {
			for (int z = 1; z <= in.getSize(); z++) {
				NDArray plane = manager.create((float[]) in.getProcessor(z).convertToFloatProcessor().getPixels()).add((float) delta);
				if (offset_image != null) plane = plane.add(manager.create((float[]) offset_image.getProcessor().convertToFloatProcessor().getPixels()));
				if (negate_after) plane = plane.neg();
				out.addSlice(in.getSliceLabel(z), sameType(new FloatProcessor(w, h, plane.toFloatArray())));
			}
		}
		result = new ImagePlus(input.getShortTitle() + (suffix == null ? "" : suffix), out);
		result.setCalibration(input.getCalibration().copy());
	}

	private ImageProcessor sameType(FloatProcessor fp) {
		switch (input.getBitDepth()) {
			case 8: return fp.convertToByteProcessor(false);
			case 16: return fp.convertToShortProcessor(false);
			default: return fp;
		}
	}
}
