package org.ldmfiji.testing;

import ij.IJ;
import ij.Menus;
import ij.macro.Interpreter;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real ImageJ 1 macros in a headless JVM. Plain ij.jar cannot build its command table without a display (the menu
 * bar it builds first throws HeadlessException), so this creates the table the way ImageJ starts to, and fills it
 * from every {@code plugins.config} on the class path, as ImageJ does for the jars in its plugins folder.
 */
public final class HeadlessImageJ {

	private static final Pattern ENTRY = Pattern.compile("^\\s*([^,#]+),\\s*\"([^\"]+)\",\\s*(\\S+)\\s*$");

	private static boolean ready;

	private HeadlessImageJ() {}

	public static synchronized void registerPluginsConfigs() {
		if (ready) return;
		try {
			Constructor<Menus> constructor = Menus.class.getDeclaredConstructor(ij.ImageJ.class, java.applet.Applet.class);
			constructor.setAccessible(true);
			Menus menus = constructor.newInstance(null, null);
			Method addMenuBar = Menus.class.getDeclaredMethod("addMenuBar");
			addMenuBar.setAccessible(true);
			try {
				addMenuBar.invoke(menus);
			} catch (InvocationTargetException expected) {
				// the AWT menu bar fails headless, after the command table has been created
			}
			Hashtable<String, String> commands = Menus.getCommands();
			if (commands == null) throw new IllegalStateException("ImageJ created no command table");
			Enumeration<URL> configs = HeadlessImageJ.class.getClassLoader().getResources("plugins.config");
			while (configs.hasMoreElements()) register(configs.nextElement(), commands);
		} catch (ReflectiveOperationException e) {
			throw new IllegalStateException("this ImageJ version's Menus cannot be set up headless", e);
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		ready = true;
	}

	private static void register(URL config, Hashtable<String, String> commands) throws IOException {
		try (BufferedReader r = new BufferedReader(new InputStreamReader(config.openStream(), StandardCharsets.UTF_8))) {
			for (String line = r.readLine(); line != null; line = r.readLine()) {
				Matcher m = ENTRY.matcher(line);
				if (!line.startsWith("#") && m.matches()) commands.put(m.group(2), m.group(3));
			}
		}
	}

	/** Batch-mode images outlive a macro run this way: each run starts with none. */
	private static void forgetImages() {
		for (int id : Interpreter.getBatchModeImageIDs()) Interpreter.removeBatchModeImage(ij.WindowManager.getImage(id));
		ij.WindowManager.setTempCurrentImage(null);
	}

	/** What a macro returned and what it wrote to ImageJ's Log (which headless goes to standard output). */
	public static final class Outcome {
		public final String returned;
		public final String log;

		Outcome(String returned, String log) {
			this.returned = returned;
			this.log = log;
		}
	}

	/** Runs {@code macro} in batch mode (headless, images exist only for the macro) on this thread. */
	public static Outcome run(String macro) {
		return run(macro, null);
	}

	/** As {@link #run(String)}, with {@code argument} as the macro's {@code getArgument()}. */
	public static synchronized Outcome run(String macro, String argument) {
		registerPluginsConfigs();
		forgetImages();
		PrintStream stdout = System.out;
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		String returned;
		System.setOut(new PrintStream(log, true, StandardCharsets.UTF_8));
		try {
			returned = new Interpreter().run("setBatchMode(true);\n" + macro, argument);
		} finally {
			System.setOut(stdout);
			IJ.resetEscape();
			forgetImages(); // nor do they outlive it: a later test expects no current image
		}
		String text = new String(log.toByteArray(), StandardCharsets.UTF_8);
		stdout.print(text);
		return new Outcome(returned, text);
	}
}
