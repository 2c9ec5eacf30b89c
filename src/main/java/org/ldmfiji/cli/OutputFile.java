package org.ldmfiji.cli;

import ij.ImagePlus;
import ij.io.FileSaver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Where a result goes: TIFF for anything, PNG for a single plane; checked before any work starts. */
final class OutputFile {

	private OutputFile() {}

	/**
	 * @param planes how many planes the result will have
	 * @throws IllegalArgumentException if the format cannot hold the result or the folder cannot be written
	 */
	static void check(Path out, int planes) throws IOException {
		String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
		boolean png = name.endsWith(".png");
		if (!png && !name.endsWith(".tif") && !name.endsWith(".tiff")) {
			throw new IllegalArgumentException("output " + out + " must end in .tif, .tiff or .png");
		}
		if (png && planes > 1) {
			throw new IllegalArgumentException("a result of " + planes + " images needs a .tif output, not " + out);
		}
		if (Files.isDirectory(out)) throw new IllegalArgumentException("output " + out + " is a folder: name a file");
		Path parent = out.toAbsolutePath().getParent();
		if (parent != null) Files.createDirectories(parent);
		if (!Files.isWritable(parent)) throw new IllegalArgumentException("cannot write to the folder " + parent);
	}

	/** Writes through ImageJ's own writers (FileSaver: IJ.saveAs needs a command table, which headless ImageJ lacks). */
	static void write(ImagePlus imp, Path out) throws IOException {
		check(out, imp.getStackSize());
		String path = out.toString();
		FileSaver saver = new FileSaver(imp);
		boolean png = path.toLowerCase(Locale.ROOT).endsWith(".png");
		boolean saved = png ? saver.saveAsPng(path) : imp.getStackSize() > 1 ? saver.saveAsTiffStack(path) : saver.saveAsTiff(path);
		if (!saved) throw new IOException("could not write " + out);
	}
}
