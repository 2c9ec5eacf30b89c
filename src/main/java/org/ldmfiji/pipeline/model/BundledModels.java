package org.ldmfiji.pipeline.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The models shipped inside the plugin's jar, under {@value #ROOT} on the class path (the build copies the
 * project's {@code models/} folder there), listed by {@value #INDEX} because a jar's folders cannot be listed
 * portably. Every index on the class path counts (the tests add their random-weight models with one of their own);
 * a model's files are read beside the index that lists it, so an older jar left on the class path cannot mix its
 * files into a newer jar's model, and the first index to list a name wins. The loader memory-maps weights, so it
 * needs real files: a model on a {@code file:} class path (the source tree's {@code target/classes}) is used in
 * place; one inside a jar is extracted on first use into a cache
 * folder named after a digest of its card and config (the card holds the weights' SHA-256, so a changed model gets
 * a new folder and an old extraction is never reused for it). Extraction writes a private temporary folder and
 * renames it into place atomically, so processes extracting at once never see each other's half-written files;
 * the loser of the race deletes its copy and uses the winner's.
 */
public final class BundledModels {

	static final String ROOT = "org/ldmfiji/models/";
	static final String INDEX = ROOT + "index.txt";
	/** Overrides the extraction folder. */
	public static final String CACHE_PROPERTY = "ldm.models.cache";

	private final ClassLoader loader;
	private final Path cacheRoot;
	/** Model name → the folder URL of the index that lists it first; read once. */
	private Map<String, URL> folders;

	public BundledModels(ClassLoader loader, Path cacheRoot) {
		this.loader = loader;
		this.cacheRoot = cacheRoot;
	}

	/** The plugin's own models, extracted under {@link #defaultCacheRoot()}. */
	public static BundledModels standard() {
		return new BundledModels(BundledModels.class.getClassLoader(), defaultCacheRoot());
	}

	/** {@code -Dldm.models.cache}, else {@code $XDG_CACHE_HOME/latent-diffusion-fiji/models}, else {@code ~/.cache/...}. */
	public static Path defaultCacheRoot() {
		String explicit = System.getProperty(CACHE_PROPERTY);
		if (explicit != null && !explicit.isBlank()) return Paths.get(explicit);
		String xdg = System.getenv("XDG_CACHE_HOME");
		Path base = xdg != null && !xdg.isBlank() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
		return base.resolve("latent-diffusion-fiji").resolve("models");
	}

	/** The bundled models' names, in the indexes' class-path order; empty if the class path has no index. */
	public List<String> names() throws IOException {
		return Collections.unmodifiableList(new ArrayList<>(folders().keySet()));
	}

	private synchronized Map<String, URL> folders() throws IOException {
		if (folders != null) return folders;
		Map<String, URL> found = new LinkedHashMap<>();
		for (Enumeration<URL> e = loader.getResources(INDEX); e.hasMoreElements();) {
			URL index = e.nextElement();
			URL folder = new URL(index, "./");
			for (String line : text(index).split("\n")) {
				String name = line.trim();
				if (!name.isEmpty() && !name.startsWith("#")) found.putIfAbsent(name, folder);
			}
		}
		folders = Collections.unmodifiableMap(found);
		return folders;
	}

	/** A bundled model's card, read from the class path without extracting anything. */
	public ModelCard card(String name) throws IOException {
		return ModelCard.parse(text(resource(name, ModelCard.FILE_NAME)), describe(name), name);
	}

	/** Where a bundled model lives, for listings. */
	public String describe(String name) {
		return ROOT + name + "/" + ModelCard.FILE_NAME + " in the plugin";
	}

	/** The model as files: in place on a {@code file:} class path, else extracted (once) into the cache folder. */
	public ModelFolder open(String name) throws IOException {
		URL cardUrl = resource(name, ModelCard.FILE_NAME);
		if ("file".equals(cardUrl.getProtocol())) {
			try {
				return ModelFolder.open(Paths.get(cardUrl.toURI()).getParent(), ModelFolder.Origin.BUNDLED);
			} catch (URISyntaxException e) {
				throw new IOException("cannot turn " + cardUrl + " into a path", e);
			}
		}
		return ModelFolder.open(extracted(name), ModelFolder.Origin.BUNDLED);
	}

	/** {@code <cache>/<digest of card and config>/<name>/}, extracted now unless it already is. */
	Path extracted(String name) throws IOException {
		String prefix = ROOT + name + "/";
		byte[] cardBytes = bytes(resource(name, ModelCard.FILE_NAME));
		ModelCard card = ModelCard.parse(new String(cardBytes, StandardCharsets.UTF_8), describe(name), name);
		byte[] configBytes = bytes(resource(name, card.config));
		MessageDigest key = Checksums.newDigest();
		key.update(cardBytes);
		key.update(configBytes);
		Path done = cacheRoot.resolve(Checksums.hex(key.digest()).substring(0, 16));
		Path folder = done.resolve(name);
		if (Files.isDirectory(folder)) return folder;

		Files.createDirectories(cacheRoot);
		Path part = Files.createTempDirectory(cacheRoot, ".part-" + name + "-");
		try {
			Path files = Files.createDirectory(part.resolve(name));
			Files.write(files.resolve(ModelCard.FILE_NAME), cardBytes);
			Files.write(files.resolve(card.config), configBytes);
			Path weights = files.resolve(card.weights);
			String sha = copyHashing(resource(name, card.weights), weights);
			if (!sha.equals(card.sha256)) {
				throw new IllegalArgumentException("bundled weights " + prefix + card.weights + " have SHA-256 " + sha + ", but "
					+ describe(name) + " expects " + card.sha256 + ": the plugin's jar is damaged; reinstall it");
			}
			try {
				Files.move(part, done, StandardCopyOption.ATOMIC_MOVE);
			} catch (AtomicMoveNotSupportedException e) {
				throw new IOException("cannot extract bundled model " + name + " into " + cacheRoot
					+ ": its file system cannot rename folders atomically; set -D" + CACHE_PROPERTY + " to another folder", e);
			} catch (IOException e) {
				if (!Files.isDirectory(folder)) throw e; // otherwise another process extracted it first
			}
			if (Files.isDirectory(part)) deleteTree(part);
			else Checksums.remember(folder.resolve(card.weights), sha);
		} catch (IOException | RuntimeException e) {
			deleteTree(part);
			throw e;
		}
		return folder;
	}

	private String copyHashing(URL resource, Path target) throws IOException {
		MessageDigest digest = Checksums.newDigest();
		try (InputStream in = new DigestInputStream(resource.openStream(), digest);
			OutputStream out = Files.newOutputStream(target)) {
			in.transferTo(out);
		}
		return Checksums.hex(digest.digest());
	}

	/** A file of a bundled model, beside the index that lists it. */
	private URL resource(String name, String file) throws IOException {
		URL folder = folders().get(name);
		if (folder == null) throw new IllegalArgumentException("the plugin's jar has no bundled model " + name + "; reinstall it");
		return new URL(folder, name + "/" + file);
	}

	private static byte[] bytes(URL url) throws IOException {
		try (InputStream in = url.openStream()) {
			return in.readAllBytes();
		} catch (java.io.FileNotFoundException e) {
			throw new IllegalArgumentException("the plugin's jar has no " + url + "; reinstall it", e);
		}
	}

	private static String text(URL url) throws IOException {
		return new String(bytes(url), StandardCharsets.UTF_8);
	}

	private static void deleteTree(Path root) throws IOException {
		if (!Files.exists(root)) return;
		try (Stream<Path> paths = Files.walk(root)) {
			for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
		}
	}
}
