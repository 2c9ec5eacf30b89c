package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ShortProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

class FolderImagesTest extends ManagerPerClassTest {

	@TempDir
	Path tmp;

	/** A 16-bit image whose value encodes its position, v = 1000 + 7·x + 3·y, and labels = x + 1 (8-bit). */
	private Path[] write(String name, int w, int h) throws Exception {
		Path images = Files.createDirectories(tmp.resolve("images"));
		Path labels = Files.createDirectories(tmp.resolve("labels"));
		ShortProcessor sp = new ShortProcessor(w, h);
		ByteProcessor bp = new ByteProcessor(w, h);
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				sp.set(x, y, 1000 + 7 * x + 3 * y);
				bp.set(x, y, x + 1);
			}
		}
		new FileSaver(new ImagePlus(name, sp)).saveAsTiff(images.resolve(name).toString());
		new FileSaver(new ImagePlus(name, bp)).saveAsTiff(labels.resolve(name).toString());
		return new Path[] {images, labels};
	}

	@Test
	void cropsAreNormalisedRotatedOrFlippedAndCarryTheirLabels() throws Exception {
		Path[] dirs = write("a.tif", 40, 30);
		FolderImages source = new FolderImages(dirs[0], dirs[1], 8, 6, 0, 100);
		assertEquals(1, source.planes());
		SplittableRandom random = new SplittableRandom(3);
		Set<String> orientations = new HashSet<>();
		for (int n = 0; n < 40; n++) {
			LabelledImage crop = source.next(random);
			assertEquals(8, crop.width);
			assertEquals(6, crop.height);
			for (int i = 0; i < crop.pixels.length; i++) {
				// percentiles 0 and 100 map the image's minimum (1000) to 0 and maximum (1000 + 7·39 + 3·29) to 1
				float v = crop.pixels[i];
				assertTrue(v >= 0 && v <= 1, "pixel " + v);
				double raw = 1000 + v * (7 * 39 + 3 * 29);
				int labelX = crop.labels[i] - 1;
				// the label says which column the pixel came from; the rest of its value is the row's, 3·y
				double rowPart = raw - 1000 - 7 * labelX;
				assertEquals(0, Math.IEEEremainder(rowPart, 3), 1e-2, "pixel and label come from the same place");
			}
			// which way the columns (the label) run along the crop's rows and columns tells the orientation
			orientations.add(Integer.signum(crop.labels[1] - crop.labels[0]) + "," + Integer.signum(crop.labels[8] - crop.labels[0]));
		}
		assertEquals(4, orientations.size(), "left/right and up/down along either axis: " + orientations);
	}

	@Test
	void tooSmallImagesAndEmptyFoldersAreNamed() throws Exception {
		Path[] dirs = write("small.tif", 10, 10);
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FolderImages.open(dirs[0], 16, 16));
		assertTrue(e.getMessage().contains("small.tif") && e.getMessage().contains("10x10"), e.getMessage());
		Path empty = Files.createDirectories(tmp.resolve("empty"));
		assertThrows(IllegalArgumentException.class, () -> FolderImages.open(empty, 8, 8));
	}

	@Test
	void aMixDrawsFromEachSourceInProportionToItsWeight() {
		ImageSource zeros = r -> new LabelledImage(2, 2, new float[4], null);
		ImageSource ones = r -> new LabelledImage(2, 2, new float[] {1, 1, 1, 1}, null);
		MixedSource mix = new MixedSource().add(zeros, 1).add(ones, 3);
		SplittableRandom random = new SplittableRandom(1);
		int n = 4000, fromOnes = 0;
		for (int i = 0; i < n; i++) fromOnes += (int) mix.next(random).pixels[0];
		assertEquals(0.75, fromOnes / (double) n, 0.03);
		assertThrows(IllegalArgumentException.class, () -> mix.add(ones, 0));
	}
}
