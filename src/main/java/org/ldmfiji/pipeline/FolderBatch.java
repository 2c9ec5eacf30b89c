package org.ldmfiji.pipeline;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.io.Opener;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.regex.PatternSyntaxException;

/**
 * One task over every image of a folder, as Fiji's Process Folder and the command line's {@code batch} run it: the
 * files matching a glob, in name order; each result written as {@code <name><suffix>.tif} into the output folder;
 * files whose result exists skipped on request; a file that fails is reported and the batch goes on; a cancel stops
 * it. The caller loads the model once and hands in what to do with each image.
 */
public final class FolderBatch {

	/** The default glob: the formats ImageJ reads without plugins that keep every bit depth. */
	public static final String DEFAULT_FILTER = "*.{tif,tiff,png}";

	/** What to do with one image; the result is written by the batch. */
	public interface Job {
		ImagePlus process(ImagePlus image) throws IOException;
	}

	/** What the batch tells its user as it goes; every method is optional. */
	public interface Listener {
		/** A file starts (1-based {@code number} of {@code count}). */
		default void starting(Path file, int number, int count) {}

		/** A file's result was written. */
		default void written(Path file, Path output) {}

		/** A file failed with {@code problem}; the batch goes on. */
		default void failed(Path file, Exception problem) {}
	}

	/** How a batch ended: counts and one line per failed file. */
	public static final class Summary {
		public final int done;
		public final int skipped;
		public final int failed;
		/** {@code name: reason}, one per failed file. */
		public final List<String> failures;

		Summary(int done, int skipped, List<String> failures) {
			this.done = done;
			this.skipped = skipped;
			this.failed = failures.size();
			this.failures = Collections.unmodifiableList(failures);
		}

		/** "N done, N skipped, N failed". */
		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%d done, %d skipped, %d failed", done, skipped, failed);
		}
	}

	private final Path inputFolder;
	private final String filter;
	private final Path outputFolder;
	private final String suffix;
	private final boolean skipExisting;
	private final List<Path> files;

	/**
	 * Lists the input files and makes the output folder; every problem a user can fix is found here, before any model
	 * loads.
	 *
	 * @param filter a glob on file names, as {@code *.tif} or {@code *.{tif,png}}; blank means {@link #DEFAULT_FILTER}
	 * @throws IllegalArgumentException if a folder is missing or cannot be written, the glob is malformed, or no file
	 *                                  matches it
	 */
	public FolderBatch(Path inputFolder, String filter, Path outputFolder, String suffix, boolean skipExisting) throws IOException {
		if (inputFolder == null || !Files.isDirectory(inputFolder)) throw new IllegalArgumentException("input folder " + inputFolder + " not found");
		if (outputFolder == null) throw new IllegalArgumentException("no output folder given");
		this.inputFolder = inputFolder;
		this.filter = filter == null || filter.isBlank() ? DEFAULT_FILTER : filter.trim();
		this.outputFolder = outputFolder;
		this.suffix = suffix == null ? "" : suffix;
		if (this.suffix.contains("/") || this.suffix.contains("\\")) throw new IllegalArgumentException("the output suffix must not contain a path separator: " + suffix);
		this.skipExisting = skipExisting;
		this.files = list();
		if (files.isEmpty()) throw new IllegalArgumentException("no file in " + inputFolder + " matches " + this.filter);
		Files.createDirectories(outputFolder);
		if (!Files.isWritable(outputFolder)) throw new IllegalArgumentException("cannot write to the folder " + outputFolder);
		if (this.suffix.isEmpty() && Files.isSameFile(inputFolder, outputFolder)) {
			// name.tif would be written over itself
			throw new IllegalArgumentException("the output folder is the input folder: give an output suffix so no input is overwritten");
		}
	}

	/** The input files, in the order they are processed. */
	public List<Path> files() {
		return Collections.unmodifiableList(files);
	}

	/** {@code name.png} becomes {@code name<suffix>.tif}: a result may be 16-bit or hold several planes. */
	public Path outputFor(Path input) {
		String name = input.getFileName().toString();
		int dot = name.lastIndexOf('.');
		return outputFolder.resolve((dot > 0 ? name.substring(0, dot) : name) + suffix + ".tif");
	}

	/**
	 * Runs {@code job} on every file. A {@link CancellationException} stops the batch and propagates (results
	 * written so far stay); any other problem with one file is reported to {@code listener} and counted.
	 */
	public Summary run(Job job, Listener listener) {
		int done = 0;
		int skipped = 0;
		List<String> failures = new ArrayList<>();
		for (int i = 0; i < files.size(); i++) {
			Path in = files.get(i);
			Path out = outputFor(in);
			if (skipExisting && Files.exists(out)) {
				skipped++;
				continue;
			}
			listener.starting(in, i + 1, files.size());
			try {
				ImagePlus result = job.process(open(in));
				write(result, out);
				done++;
				listener.written(in, out);
			} catch (CancellationException e) {
				throw e;
			} catch (IOException | RuntimeException e) {
				failures.add(in.getFileName() + ": " + oneLine(e));
				listener.failed(in, e);
			}
		}
		return new Summary(done, skipped, failures);
	}

	/** Opens an image with ImageJ's own readers (TIFF, PNG, ...), or says which file could not be read. */
	public static ImagePlus open(Path file) {
		if (!Files.isRegularFile(file)) throw new IllegalArgumentException("input image " + file + " not found");
		ImagePlus imp = new Opener().openImage(file.toString());
		if (imp == null) throw new IllegalArgumentException("ImageJ cannot read " + file + " as an image");
		return imp;
	}

	/** Writes a TIFF through ImageJ's own writer (FileSaver: IJ.saveAs needs a command table, which headless ImageJ lacks). */
	public static void write(ImagePlus imp, Path out) throws IOException {
		FileSaver saver = new FileSaver(imp);
		boolean saved = imp.getStackSize() > 1 ? saver.saveAsTiffStack(out.toString()) : saver.saveAsTiff(out.toString());
		if (!saved) throw new IOException("could not write " + out);
	}

	/** A problem in one line: its message, headed by the exception's type unless it is one a user caused. */
	public static String oneLine(Throwable e) {
		String m = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\s*\\R\\s*", " ").trim();
		boolean users = e instanceof IllegalArgumentException || e instanceof IOException || e instanceof IllegalStateException;
		if (users && !m.isEmpty()) return m;
		return e.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
	}

	private List<Path> list() throws IOException {
		List<Path> found = new ArrayList<>();
		try (DirectoryStream<Path> s = Files.newDirectoryStream(inputFolder, filter)) {
			for (Path p : s) if (Files.isRegularFile(p)) found.add(p);
		} catch (PatternSyntaxException e) {
			throw new IllegalArgumentException("the file filter " + filter + " is not a valid pattern (" + e.getDescription() + "); e.g. *.tif or *.{tif,png}");
		}
		found.sort(null);
		return found;
	}
}
