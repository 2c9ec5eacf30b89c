package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import ij.process.ShortProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;
import org.ldmfiji.pipeline.model.ModelRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Whether a long folder batch keeps its resident memory flat: the command line's {@code batch} (a {@link FolderBatch}
 * over {@link ImageTasks#superResolve} with the model loaded once) over N small 16-bit images with the bundled tiny
 * SR model, resident memory read after each image. A measurement, run on request only, e.g.
 * {@code mvn test -Dtest=BatchMemoryMeasurement -Dldm.batch.images=500 [-Dldm.batch.steps=10 -Dldm.batch.side=32]}.
 * It prints the first, middle and last 50 images' memory; it asserts only that every image was done.
 */
@EnabledIfSystemProperty(named = "ldm.batch.images", matches = "[0-9]+")
class BatchMemoryMeasurement {

	private static final int WINDOW = 50;

	@TempDir
	Path dir;

	@Test
	void residentMemoryOverAFolderBatch() throws IOException {
		int images = Integer.getInteger("ldm.batch.images");
		int steps = Integer.getInteger("ldm.batch.steps", 10);
		int side = Integer.getInteger("ldm.batch.side", 32);
		Path in = Files.createDirectories(dir.resolve("in"));
		Random random = new Random(1);
		for (int i = 0; i < images; i++) {
			short[] pixels = new short[side * side];
			for (int p = 0; p < pixels.length; p++) pixels[p] = (short) random.nextInt(65536);
			FolderBatch.write(new ImagePlus("img", new ShortProcessor(side, side, pixels, null)), in.resolve(String.format(Locale.ROOT, "img%04d.tif", i)));
		}
		FolderBatch batch = new FolderBatch(in, null, dir.resolve("out"), "_sr", false);
		ModelFolder folder = ModelRegistry.standard().defaultFor(Task.SR);
		SamplingSettings settings = folder.card().recommendedSampling().steps(steps).seed(0).build();
		List<long[]> samples = new ArrayList<>(); // {RSS KiB, live arrays}
		long before;
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			ImageTasks tasks = new ImageTasks(ModelLoader.load(folder, false, m).model(), folder.name(), m);
			before = rssKiB();
			long t0 = System.nanoTime();
			FolderBatch.Summary summary = batch.run(image -> tasks.superResolve(image, settings), new FolderBatch.Listener() {
				@Override
				public void written(Path file, Path output) {
					samples.add(new long[] {rssKiB(), m.getManagedArrays().size()});
				}
			});
			double seconds = (System.nanoTime() - t0) / 1e9;
			assertEquals(images, summary.done, summary.failures.toString());
			System.out.printf(Locale.ROOT, "%d images of %dx%d (16-bit), model %s, %s; %.1f s, %.2f s per image%n", images, side, side,
				folder.name(), settings, seconds, seconds / images);
		}
		System.out.printf(Locale.ROOT, "resident memory with the model loaded: %.1f MiB%n", before / 1024.0);
		int middle = Math.max(0, images / 2 - WINDOW / 2);
		for (int from : new int[] {0, middle, Math.max(0, images - WINDOW)}) report(samples, from, Math.min(images, from + WINDOW));
	}

	private static void report(List<long[]> samples, int from, int to) {
		long min = Long.MAX_VALUE;
		long max = 0;
		double sum = 0;
		long arrays = 0;
		for (long[] s : samples.subList(from, to)) {
			min = Math.min(min, s[0]);
			max = Math.max(max, s[0]);
			sum += s[0];
			arrays = Math.max(arrays, s[1]);
		}
		System.out.printf(Locale.ROOT, "images %3d-%3d: resident memory mean %.1f MiB, min %.1f, max %.1f; at most %d arrays alive%n", from + 1,
			to, sum / (to - from) / 1024.0, min / 1024.0, max / 1024.0, arrays);
	}

	private static long rssKiB() {
		try {
			for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
				if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
			}
		} catch (IOException e) {
			return -1;
		}
		return -1;
	}
}
