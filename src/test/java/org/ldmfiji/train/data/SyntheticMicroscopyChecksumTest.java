package org.ldmfiji.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Pins the generator's output bit for bit: a resumed training run must draw the same crops as an uninterrupted one,
 * and the held-out evaluation's figures are only comparable while its images stay the same. Any change to how the
 * images are computed, however harmless it looks, shows here.
 *
 * <p>One intra-op thread: libtorch splits reductions by thread count, and a 128-pixel field is large enough to be split,
 * so the clean images' last bits depend on it. The checksums are those of the pinned libtorch on x86-64. The clean
 * images' last bits also depend on the CPU (libtorch's vectorised kernels round differently on an AMD Zen 5 and on an
 * Intel Xeon with AMX), so they are pinned by their mean and mean square, to a tolerance far above rounding and far
 * below any change in what is drawn; the noisy images (photon counts) and the labels are pinned bit for bit.
 */
class SyntheticMicroscopyChecksumTest extends ManagerPerClassTest {

	private static int threads;

	@BeforeAll
	static void oneThread() {
		threads = JniUtils.getNumThreads();
		JniUtils.setNumThreads(1);
	}

	@AfterAll
	static void restoreThreads() {
		JniUtils.setNumThreads(threads);
	}

	/** Per image: configuration, size, index in the stream, then the SHA-256 prefixes of noisy, clean and labels. */
	private static final String[] EXPECTED = {
		"training 64 #0 684e3d8006e444f5 bee46d7461386e9e 7e9757e6aaa0ae1e",
		"training 64 #1 b9cb12b25ffd960d e48651771abde435 4f2277dccf74a008",
		"training 128 #0 3c411a13684729b6 f10b429dfef65f21 ee338877889abf09",
		"training 128 #1 a18b1d5242eaa1e8 1a4cdb7131c0ab84 ae683c906b8d8aa6",
		"held-out 64 #0 ccd2731b158beaf0 2c17643645c322fb 34e0a6ffc0ee34e4",
		"held-out 64 #1 bd649f01efc5dda3 a10801d13ebe4f15 086acd95ec6c47bd",
		"held-out 128 #0 be68e15ccd445383 230a767989744d81 33514afd15a134da",
		"held-out 128 #1 d5a6f36f5f9bbd2f 00056b451dbf9c0c a3f8b2cd8fd819c5",
	};

	@Test
	void theTrainingAndHeldOutImagesAreThoseOfThePinnedGenerator() {
		List<String> actual = new ArrayList<>();
		List<double[]> cleanMoments = new ArrayList<>();
		for (String name : new String[] {"training", "held-out"}) {
			for (int size : new int[] {64, 128}) {
				SyntheticMicroscopy source = new SyntheticMicroscopy(MicroscopyConfig.named(name), size, size);
				// two images from one stream: the second shows that each draws as many numbers as before
				SplittableRandom random = new SplittableRandom(2024);
				for (int i = 0; i < 2; i++) {
					SyntheticMicroscopy.Sample s = source.render(random);
					actual.add(String.format(Locale.ROOT, "%s %d #%d %s %s", name, size, i, sha(s.noisy.pixels), sha(s.clean.labels)));
					cleanMoments.add(moments(s.clean.pixels));
				}
			}
		}
		List<String> expected = new ArrayList<>();
		for (String e : EXPECTED) {
			String[] f = e.split(" ");
			expected.add(String.join(" ", f[0], f[1], f[2], f[3], f[5]));
		}
		assertEquals(String.join("\n", expected), String.join("\n", actual));
		for (int i = 0; i < CLEAN_MOMENTS.length; i++) assertMoments(CLEAN_MOMENTS[i], cleanMoments.get(i), EXPECTED[i]);
	}

	/** Per image of {@link #EXPECTED}: the clean image's mean and mean square. */
	private static final double[][] CLEAN_MOMENTS = {
		{0.18723689177841152, 0.10351465424266587},
		{0.10708984680604772, 0.032888476534771490},
		{0.17047203527613420, 0.079105484345288100},
		{0.079559373769825470, 0.022633292019836996},
		{0.25474473805115850, 0.15339095989500176},
		{0.11222435068339110, 0.028444928770088990},
		{0.19634124870026426, 0.10737785949527864},
		{0.074304870850937730, 0.0057944590332512065},
	};

	private static double[] moments(float[] pixels) {
		double sum = 0, squares = 0;
		for (float v : pixels) {
			sum += v;
			squares += (double) v * v;
		}
		return new double[] {sum / pixels.length, squares / pixels.length};
	}

	private static void assertMoments(double[] expected, double[] actual, String what) {
		for (int k = 0; k < 2; k++)
			assertEquals(expected[k], actual[k], 1e-6 * Math.max(1e-3, Math.abs(expected[k])) + 1e-9, what + (k == 0 ? ": mean" : ": mean square"));
	}

	@Test
	void aFieldWithoutBlurOrNoiseIsThatOfThePinnedGeneratorToo() {
		MicroscopyConfig plain = MicroscopyConfig.training().toBuilder().blurSigma(0).noise(PoissonGaussianNoise.none()).build();
		SyntheticMicroscopy.Sample s = new SyntheticMicroscopy(plain, 96, 40).render(new SplittableRandom(99));
		assertEquals(PLAIN_LABELS, sha(s.clean.labels));
		assertArrayEquals(s.clean.pixels, s.noisy.pixels, "without noise the recorded image is the clean one");
		assertMoments(PLAIN_MOMENTS, moments(s.clean.pixels), "the plain field");
	}

	private static final String PLAIN_LABELS = "c1d5e25f2c166feb";
	private static final double[] PLAIN_MOMENTS = {0.21341183961970575, 0.12044954449045711};

	private static String sha(float[] pixels) {
		ByteBuffer bytes = ByteBuffer.allocate(4 * pixels.length);
		for (float v : pixels) bytes.putInt(Float.floatToRawIntBits(v));
		return sha(bytes.array());
	}

	private static String sha(int[] labels) {
		ByteBuffer bytes = ByteBuffer.allocate(4 * labels.length);
		for (int v : labels) bytes.putInt(v);
		return sha(bytes.array());
	}

	private static String sha(byte[] bytes) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
			StringBuilder hex = new StringBuilder();
			for (int i = 0; i < 8; i++) hex.append(String.format(Locale.ROOT, "%02x", digest[i]));
			return hex.toString();
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("no SHA-256 in this JVM", e);
		}
	}
}
