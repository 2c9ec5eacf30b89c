package org.ldmfiji.pipeline.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of weights files, remembered for this process by path, size and modification time: hashing a
 * multi-gigabyte checkpoint takes seconds, and a batch or a Fiji session asks for the same model many times.
 */
public final class Checksums {

	/** One version of one file: a rewritten file gets a new size or time and is hashed again. */
	private static final class Version {
		final Path path;
		final long size;
		final long modified;

		Version(Path file) throws IOException {
			BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
			path = file.toRealPath();
			size = a.size();
			modified = a.lastModifiedTime().toMillis();
		}

		@Override
		public boolean equals(Object o) {
			if (!(o instanceof Version)) return false;
			Version v = (Version) o;
			return path.equals(v.path) && size == v.size && modified == v.modified;
		}

		@Override
		public int hashCode() {
			return Objects.hash(path, size, modified);
		}
	}

	private static final Map<Version, String> KNOWN = new ConcurrentHashMap<>();

	private Checksums() {}

	/**
	 * Checks {@code file} against the card's checksum.
	 *
	 * @throws IllegalArgumentException naming the file if it is missing or its checksum differs
	 */
	static void verify(Path file, String expected, String cardName) throws IOException {
		String actual;
		try {
			actual = sha256(file);
		} catch (NoSuchFileException e) {
			throw new IllegalArgumentException("weights file " + file + " not found (named by " + cardName + ")");
		}
		if (!actual.equals(expected)) {
			throw new IllegalArgumentException("weights file " + file + " has SHA-256 " + actual + ", but " + cardName
				+ " expects " + expected + ": the file is damaged, incomplete or not the one the card describes");
		}
	}

	/** The file's SHA-256 as lower-case hex (a model card's {@code sha256:}), computed once per version of the file. */
	public static String sha256(Path file) throws IOException {
		Version v = new Version(file);
		String known = KNOWN.get(v);
		if (known != null) return known;
		MessageDigest digest = newDigest();
		try (InputStream in = Files.newInputStream(file)) {
			byte[] buffer = new byte[1 << 20];
			for (int n; (n = in.read(buffer)) > 0;) digest.update(buffer, 0, n);
		}
		String hex = hex(digest.digest());
		KNOWN.put(v, hex);
		return hex;
	}

	/** Records a checksum computed elsewhere (while extracting a bundled model), so the load need not hash again. */
	static void remember(Path file, String sha256) throws IOException {
		KNOWN.put(new Version(file), sha256);
	}

	static MessageDigest newDigest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		} catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException("this Java has no SHA-256", e); // every Java SE has it
		}
	}

	static String hex(byte[] bytes) {
		StringBuilder s = new StringBuilder(bytes.length * 2);
		for (byte b : bytes) s.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
		return s.toString();
	}
}
