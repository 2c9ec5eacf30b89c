package org.ldmfiji.testing;

import ij.IJ;
import ij.ImagePlus;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed test-images/ are exactly what the generator makes, and stay small. */
public class TestImagesTest {

	static Path folder() {
		return Paths.get(System.getProperty("basedir", "."), "test-images");
	}

	/** A file of the committed test-images/ folder. */
	public static Path folderFile(String name) {
		return folder().resolve(name);
	}

	@Test
	void theCommittedImagesAreTheGeneratorsOutput() {
		for (Map.Entry<String, ImagePlus> e : TestImages.all().entrySet()) {
			ImagePlus expected = e.getValue();
			ImagePlus file = IJ.openImage(folder().resolve(e.getKey()).toString());
			assertEquals(expected.getBitDepth(), file.getBitDepth(), e.getKey());
			assertArrayEquals(new int[] { expected.getWidth(), expected.getHeight(), expected.getStackSize() },
					new int[] { file.getWidth(), file.getHeight(), file.getStackSize() }, e.getKey());
			for (int z = 1; z <= expected.getStackSize(); z++)
				assertTrue(pixelsEqual(expected.getStack().getPixels(z), file.getStack().getPixels(z)), e.getKey() + " slice " + z);
		}
	}

	private static boolean pixelsEqual(Object a, Object b) {
		if (a instanceof byte[]) return Arrays.equals((byte[]) a, (byte[]) b);
		if (a instanceof short[]) return Arrays.equals((short[]) a, (short[]) b);
		if (a instanceof int[]) return Arrays.equals(rgbOnly((int[]) a), rgbOnly((int[]) b)); // TIFF has no alpha

		return Arrays.equals((float[]) a, (float[]) b);
	}

	private static int[] rgbOnly(int[] argb) {
		return Arrays.stream(argb).map(v -> v & 0xffffff).toArray();
	}

	@Test
	void theFolderStaysSmall() throws Exception {
		long total = 0;
		try (java.util.stream.Stream<Path> files = Files.list(folder())) {
			for (Path p : (Iterable<Path>) files::iterator) total += Files.size(p);
		}
		assertTrue(total < 100_000, "test-images/ holds " + total + " bytes");
	}
}
