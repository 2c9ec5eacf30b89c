package org.ldmfiji.pipeline.model;

import org.ldmfiji.pipeline.Task;
import ij.Menus;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds models: in the user's model folders (in the order given), in {@code <Fiji.app>/models/latent-diffusion/},
 * and among those bundled with the plugin. A name is looked up in that order and the first match wins, so a
 * user can replace a bundled model by one of the same name; {@link #list()} shows the hidden ones as shadowed.
 * Anything that looks like a path (a separator, or a {@code .yaml}, {@code .ckpt} or {@code .safetensors} ending)
 * is opened as a model folder, config file or weights file instead; so is a plain word that names no model but an
 * existing file or folder.
 *
 * <p>Each task's default model is the first model, in the same order, whose card lists the task under
 * {@code default_for}.
 */
public final class ModelRegistry {

	/** Below Fiji.app. */
	public static final String FIJI_SUBFOLDER = "models/latent-diffusion";

	private final List<Path> userFolders;
	private final Path fijiModels;
	private final BundledModels bundled;

	/** @param fijiModels {@code <Fiji.app>/models/latent-diffusion}, or null outside Fiji */
	public ModelRegistry(List<Path> userFolders, Path fijiModels, BundledModels bundled) {
		this.userFolders = List.copyOf(userFolders);
		this.fijiModels = fijiModels;
		this.bundled = bundled;
	}

	/** Fiji.app's models (if there is a Fiji.app) and the bundled ones. */
	public static ModelRegistry standard() {
		return new ModelRegistry(Collections.emptyList(), fijiModelsFolder(), BundledModels.standard());
	}

	/**
	 * {@code <Fiji.app>/models/latent-diffusion}, Fiji.app being the system property {@code imagej.dir}, else
	 * {@code ij.dir}, else the parent of the plugins folder of a running ImageJ 1 that has built its menus; null if
	 * none is set (never the working directory, which is ImageJ's own last resort).
	 */
	public static Path fijiModelsFolder() {
		String dir = System.getProperty("imagej.dir");
		if (dir == null || dir.isBlank()) dir = System.getProperty("ij.dir");
		if (dir != null && !dir.isBlank()) return Paths.get(dir).resolve(FIJI_SUBFOLDER);
		String plugins = Menus.getPlugInsPath();
		if (plugins == null || plugins.isBlank()) return null;
		Path app = Paths.get(plugins).toAbsolutePath().getParent();
		return app == null ? null : app.resolve(FIJI_SUBFOLDER);
	}

	/**
	 * The model a user named, by name or path; null or blank means the task's default. The model must be able to do
	 * {@code task} (null: any).
	 */
	public ModelFolder resolve(String nameOrPath, Task task) throws IOException {
		if (nameOrPath == null || nameOrPath.isBlank()) {
			if (task == null) throw new IllegalArgumentException("no model named; give a model name or folder");
			return defaultFor(task);
		}
		return requireTask(resolve(nameOrPath.trim()), task);
	}

	private static ModelFolder requireTask(ModelFolder model, Task task) {
		if (task != null && !model.card().tasks.contains(task)) {
			throw new IllegalArgumentException("model '" + model.name() + "' cannot do " + task.description() + "; it can do: "
				+ model.card().tasks.stream().map(Task::id).collect(java.util.stream.Collectors.joining(", "))
				+ (model.card().inferred ? " (inferred from its config)" : ""));
		}
		return model;
	}

	/** The model a user named, by name or path. */
	public ModelFolder resolve(String nameOrPath) throws IOException {
		if (looksLikePath(nameOrPath)) return ModelFolder.at(Paths.get(nameOrPath), ModelFolder.Origin.USER);
		for (Path folder : searchFolders()) {
			Path candidate = folder.resolve(nameOrPath);
			if (Files.isDirectory(candidate)) return ModelFolder.open(candidate, originOf(folder));
		}
		if (bundled.names().contains(nameOrPath)) return bundled.open(nameOrPath);
		Path asPath = Paths.get(nameOrPath);
		if (Files.exists(asPath)) return ModelFolder.at(asPath, ModelFolder.Origin.USER);
		throw new IllegalArgumentException("no model named '" + nameOrPath + "'; known models: " + String.join(", ", usableNames())
			+ " (or give a model folder, or a config.yaml or weights file)");
	}

	/** An explicit CompVis config + weights pair, which must be able to do {@code task} (null: any). */
	public ModelFolder resolve(Path config, Path weights, Task task) throws IOException {
		return requireTask(ModelFolder.pair(config, weights, ModelFolder.Origin.USER), task);
	}

	/** The first model whose card makes it the default for {@code task}. */
	public ModelFolder defaultFor(Task task) throws IOException {
		return defaultFor(task.id());
	}

	/** The first model whose card makes it the default for {@code use}: a task name or {@link ModelCard#LABEL_SYNTHESIS}. */
	public ModelFolder defaultFor(String use) throws IOException {
		if (!ModelCard.DEFAULT_USES.contains(use))
			throw new IllegalArgumentException("unknown use '" + use + "'; expected one of " + ModelCard.DEFAULT_USES);
		for (ModelListing m : list()) {
			if (m.card() != null && !m.shadowed() && m.card().defaultFor.contains(use)) return resolve(m.name());
		}
		throw new IllegalArgumentException("no default model for " + use + "; name one (known models: "
			+ String.join(", ", usableNames()) + ")");
	}

	/** Every model found, in lookup order, including unreadable ones (with their problem) and shadowed ones. */
	public List<ModelListing> list() throws IOException {
		List<ModelListing> found = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (Path folder : searchFolders()) {
			for (Path dir : subfolders(folder)) {
				String name = dir.getFileName().toString();
				ModelCard card = null;
				String problem = null;
				try {
					card = ModelFolder.open(dir, originOf(folder)).card();
				} catch (IOException | IllegalArgumentException e) {
					problem = e.getMessage();
				}
				found.add(new ModelListing(name, originOf(folder), dir.toString(), card, problem, !seen.add(name)));
			}
		}
		for (String name : bundled.names()) {
			ModelCard card = null;
			String problem = null;
			try {
				card = bundled.card(name);
			} catch (IOException | IllegalArgumentException e) {
				problem = e.getMessage();
			}
			found.add(new ModelListing(name, ModelFolder.Origin.BUNDLED, bundled.describe(name), card, problem, !seen.add(name)));
		}
		return found;
	}

	/** User folders first, then Fiji.app's. */
	private List<Path> searchFolders() {
		List<Path> folders = new ArrayList<>(userFolders);
		if (fijiModels != null) folders.add(fijiModels);
		return folders;
	}

	private ModelFolder.Origin originOf(Path searchFolder) {
		return searchFolder.equals(fijiModels) && !userFolders.contains(searchFolder) ? ModelFolder.Origin.FIJI
			: ModelFolder.Origin.USER;
	}

	private List<String> usableNames() throws IOException {
		List<String> names = new ArrayList<>();
		for (ModelListing m : list()) {
			if (m.card() != null && !m.shadowed()) names.add(m.name());
		}
		return names;
	}

	private static boolean looksLikePath(String s) {
		String lower = s.toLowerCase(Locale.ROOT);
		return s.contains("/") || s.contains("\\") || lower.endsWith(".yaml") || lower.endsWith(".yml")
			|| ModelFolder.WEIGHT_SUFFIXES.stream().anyMatch(lower::endsWith);
	}

	/** The model folders directly below a search folder, sorted; hidden ones (a cache, say) are skipped. */
	private static List<Path> subfolders(Path folder) throws IOException {
		List<Path> dirs = new ArrayList<>();
		if (!Files.isDirectory(folder)) return dirs;
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, Files::isDirectory)) {
			for (Path d : entries) {
				if (!d.getFileName().toString().startsWith(".")) dirs.add(d);
			}
		}
		dirs.sort(null);
		return dirs;
	}
}
