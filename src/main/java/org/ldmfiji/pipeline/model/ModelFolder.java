package org.ldmfiji.pipeline.model;

import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A model on disk: its CompVis {@code config.yaml}, its weights and its card. Usually a folder holding the three;
 * a published CompVis folder without a card ({@code bsr_sr/config.yaml} + {@code last.ckpt}) or an explicit
 * config + weights pair gets a card inferred from its config.
 */
public final class ModelFolder {

	/** Where a model was found, in the order names are looked up. */
	public enum Origin {
		USER("user folder"), FIJI("Fiji.app"), BUNDLED("bundled");

		private final String label;

		Origin(String label) {
			this.label = label;
		}

		@Override
		public String toString() {
			return label;
		}
	}

	static final List<String> WEIGHT_SUFFIXES = List.of(".ckpt", ".safetensors");

	private final Path folder;
	private final Path config;
	private final Path weights;
	private final ModelCard card;
	private final Origin origin;

	private ModelFolder(Path folder, Path config, Path weights, ModelCard card, Origin origin) {
		this.folder = folder;
		this.config = config;
		this.weights = weights;
		this.card = card;
		this.origin = origin;
	}

	/**
	 * A model folder: with a card, the files it names; without one, {@code config.yaml} and the folder's only
	 * {@code .ckpt} or {@code .safetensors} file. The weights are not opened here (see {@link ModelLoader}).
	 */
	public static ModelFolder open(Path folder, Origin origin) throws IOException {
		if (!Files.isDirectory(folder)) throw new IllegalArgumentException("model folder " + folder + " does not exist");
		Path dir = folder.toAbsolutePath().normalize();
		String name = dir.getFileName().toString();
		Path cardFile = dir.resolve(ModelCard.FILE_NAME);
		if (Files.isRegularFile(cardFile)) {
			ModelCard card = ModelCard.read(cardFile, name);
			return new ModelFolder(dir, dir.resolve(card.config), dir.resolve(card.weights), card, origin);
		}
		Path config = dir.resolve(ModelCard.DEFAULT_CONFIG);
		if (!Files.isRegularFile(config)) {
			throw new IllegalArgumentException("model folder " + dir + " has neither a " + ModelCard.FILE_NAME + " card nor a "
				+ ModelCard.DEFAULT_CONFIG);
		}
		return inferred(dir, name, config, onlyWeights(dir), origin);
	}

	/**
	 * What a user names: a model folder, a config file (weights beside it) or a weights file (config beside it),
	 * as in {@code bsr_sr/last.ckpt}.
	 */
	public static ModelFolder at(Path path, Origin origin) throws IOException {
		if (Files.isDirectory(path)) return open(path, origin);
		if (!Files.isRegularFile(path)) throw new IllegalArgumentException("no model at " + path + ": no such file or folder");
		Path file = path.toAbsolutePath().normalize();
		Path dir = file.getParent();
		if (isYaml(file)) return pair(file, weightsBeside(file, dir), origin);
		return pair(dir.resolve(ModelCard.DEFAULT_CONFIG), file, origin);
	}

	/** An explicit config + weights pair; the card beside them is used if it describes these weights. */
	public static ModelFolder pair(Path config, Path weights, Origin origin) throws IOException {
		Path c = config.toAbsolutePath().normalize();
		Path w = weights.toAbsolutePath().normalize();
		if (!Files.isRegularFile(c)) throw new IllegalArgumentException("model config " + c + " not found");
		Path dir = c.getParent();
		Path cardFile = dir.resolve(ModelCard.FILE_NAME);
		String name = dir.getFileName().toString();
		if (Files.isRegularFile(cardFile)) {
			ModelCard card = ModelCard.read(cardFile, name);
			if (dir.resolve(card.weights).equals(w) && dir.resolve(card.config).equals(c)) {
				return new ModelFolder(dir, c, w, card, origin);
			}
		}
		return inferred(dir, name, c, w, origin);
	}

	private static ModelFolder inferred(Path dir, String name, Path config, Path weights, Origin origin) throws IOException {
		LdmConfig ldm = ModelConfigReader.read(config);
		return new ModelFolder(dir, config, weights, ModelCard.inferred(name, ldm, config, weights.getFileName().toString()),
			origin);
	}

	/** The weights beside a named config: the card's, else the folder's only checkpoint. */
	private static Path weightsBeside(Path config, Path dir) throws IOException {
		Path cardFile = dir.resolve(ModelCard.FILE_NAME);
		if (Files.isRegularFile(cardFile)) return dir.resolve(ModelCard.read(cardFile, dir.getFileName().toString()).weights);
		return onlyWeights(dir);
	}

	static Path onlyWeights(Path dir) throws IOException {
		List<Path> found = new ArrayList<>();
		try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
			for (Path f : files) {
				String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
				if (Files.isRegularFile(f) && WEIGHT_SUFFIXES.stream().anyMatch(n::endsWith)) found.add(f);
			}
		}
		if (found.size() == 1) return found.get(0);
		if (found.isEmpty()) {
			throw new IllegalArgumentException("model folder " + dir + " holds no weights file (" + String.join(" or ",
				WEIGHT_SUFFIXES) + ")");
		}
		found.sort(null);
		throw new IllegalArgumentException("model folder " + dir + " holds several weights files " + fileNames(found)
			+ "; name one of them, or add a " + ModelCard.FILE_NAME + " card");
	}

	private static List<String> fileNames(List<Path> files) {
		List<String> names = new ArrayList<>();
		for (Path f : files) names.add(f.getFileName().toString());
		return names;
	}

	static boolean isYaml(Path file) {
		String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
		return n.endsWith(".yaml") || n.endsWith(".yml");
	}

	/** The model's name: its card's, which is its folder's. */
	public String name() {
		return card.name;
	}

	public ModelCard card() {
		return card;
	}

	/** The folder holding the files (for a pair: the config's folder). */
	public Path folder() {
		return folder;
	}

	public Path config() {
		return config;
	}

	public Path weights() {
		return weights;
	}

	public Origin origin() {
		return origin;
	}

	/** Card, origin and files, for listings. */
	public String describe() {
		return card.describe() + "\n  found: " + origin + ", " + folder
			+ "\n  files: " + folder.relativize(config) + ", " + folder.relativize(weights);
	}

	@Override
	public String toString() {
		return name() + " (" + origin + ", " + folder + ")";
	}
}
