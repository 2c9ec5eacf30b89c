package org.ldmfiji.train.data;

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
 * so the clean images' last bits depend on it. The checksums are those of the pinned libtorch on x86-64.
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
		for (String name : new String[] {"training", "held-out"}) {
			for (int size : new int[] {64, 128}) {
				SyntheticMicroscopy source = new SyntheticMicroscopy(MicroscopyConfig.named(name), size, size);
				// two images from one stream: the second shows that each draws as many numbers as before
				SplittableRandom random = new SplittableRandom(2024);
				for (int i = 0; i < 2; i++) {
					SyntheticMicroscopy.Sample s = source.render(random);
					actual.add(String.format(Locale.ROOT, "%s %d #%d %s %s %s", name, size, i, sha(s.noisy.pixels),
						sha(s.clean.pixels), sha(s.clean.labels)));
				}
			}
		}
		assertEquals(String.join("\n", EXPECTED), String.join("\n", actual));
	}

	@Test
	void aFieldWithoutBlurOrNoiseIsThatOfThePinnedGeneratorToo() {
		MicroscopyConfig plain = MicroscopyConfig.training().toBuilder().blurSigma(0).noise(PoissonGaussianNoise.none()).build();
		SyntheticMicroscopy.Sample s = new SyntheticMicroscopy(plain, 96, 40).render(new SplittableRandom(99));
		assertEquals(PLAIN, sha(s.noisy.pixels) + " " + sha(s.clean.pixels) + " " + sha(s.clean.labels));
	}

	private static final String PLAIN = "72f4b7e24648ad12 72f4b7e24648ad12 c1d5e25f2c166feb";

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
