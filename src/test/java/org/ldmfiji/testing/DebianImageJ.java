package org.ldmfiji.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A real, separate ImageJ 1 — Debian's {@code imagej} package under Xvfb — with a plugin installed the way a user
 * installs one: the plugin jar in {@code plugins/}, its dependencies in {@code plugins/jars/}.
 */
public final class DebianImageJ {

	public static final Path IJ_JAR = Paths.get("/usr/share/java/ij.jar");

	private final Path home;

	/** An empty ImageJ folder ({@code -ijpath}) at {@code home}. */
	public DebianImageJ(Path home) throws IOException {
		this.home = home;
		Files.createDirectories(plugins().resolve("jars"));
	}

	/** Why this machine cannot run it, or null when it can. */
	public static String missing() {
		if (!Files.isRegularFile(IJ_JAR)) return IJ_JAR + " is missing (apt-get install imagej; .ci/run installs it)";
		for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
			if (Files.isExecutable(Paths.get(dir, "xvfb-run"))) return null;
		}
		return "xvfb-run is not on the PATH (apt-get install xvfb; .ci/run installs it)";
	}

	public Path plugins() {
		return home.resolve("plugins");
	}

	/**
	 * Packs {@code classes} into {@code plugins/NAME} (ImageJ scans only jars whose name holds an underscore), keeping
	 * the entries {@code keep} accepts (paths relative to {@code classes}, with '/').
	 */
	public void installPluginJar(String name, Path classes, java.util.function.Predicate<String> keep) throws IOException {
		if (!name.contains("_")) throw new IllegalArgumentException("ImageJ ignores plugin jars without '_' in the name: " + name);
		try (OutputStream out = Files.newOutputStream(plugins().resolve(name)); JarOutputStream jar = new JarOutputStream(out);
				Stream<Path> files = Files.walk(classes)) {
			for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
				String entry = classes.relativize(f).toString().replace('\\', '/');
				if (!keep.test(entry)) continue;
				jar.putNextEntry(new JarEntry(entry));
				Files.copy(f, jar);
				jar.closeEntry();
			}
		}
	}

	/** Copies each jar of a class path into {@code plugins/jars/}, leaving out ImageJ itself. */
	public void installDependencies(List<Path> jars) throws IOException {
		for (Path jar : jars) {
			String name = jar.getFileName().toString();
			if (name.matches("ij-[0-9].*\\.jar")) continue; // ImageJ brings its own
			Files.copy(jar, plugins().resolve("jars").resolve(name));
		}
	}

	/** The plugin's runtime class path as the build wrote it (target/runtime-classpath.txt). */
	public static List<Path> runtimeClasspath(Path target) throws IOException {
		List<Path> jars = new ArrayList<>();
		String text = new String(Files.readAllBytes(target.resolve("runtime-classpath.txt")), StandardCharsets.UTF_8).trim();
		for (String p : text.split(java.io.File.pathSeparator)) if (!p.isEmpty()) jars.add(Paths.get(p));
		return jars;
	}

	/** What a batch run printed (ImageJ's Log goes to standard output without a window) and its exit status. */
	public static final class Run {
		public final int exitCode;
		public final String output;

		Run(int exitCode, String output) {
			this.exitCode = exitCode;
			this.output = output;
		}
	}

	/** {@code xvfb-run -a java -cp ij.jar ij.ImageJ -ijpath HOME -batch MACRO ARGUMENT}, within {@code timeoutSeconds}. */
	public Run batch(Path macro, String argument, long timeoutSeconds) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(Arrays.asList("xvfb-run", "-a", javaExecutable(), "-Xmx2g", "-Dai.djl.offline=true",
				"-cp", IJ_JAR.toString(), "ij.ImageJ", "-ijpath", home.toString(), "-batch", macro.toString(), argument));
		Path log = Files.createTempFile(home, "imagej", ".log");
		Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
			p.descendants().forEach(ProcessHandle::destroyForcibly);
			p.destroyForcibly();
			throw new IllegalStateException("ImageJ did not finish within " + timeoutSeconds + " s; its output:\n"
					+ new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
		}
		return new Run(p.exitValue(), new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
	}

	private static String javaExecutable() {
		return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
	}
}
