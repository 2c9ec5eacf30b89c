package org.ldmfiji.fiji.ij1;

import ij.IJ;
import org.scijava.Context;

/** The SciJava context that ImageJ 1 menu commands run in: Fiji's own if this is Fiji, else one for this JVM. */
final class SciJavaContexts {

	private static Context own;

	private SciJavaContexts() {}

	/**
	 * Fiji's running context when imagej-legacy is present (it answers {@code IJ.runPlugIn("org.scijava.Context")});
	 * otherwise a context created on first use and kept for the life of the JVM, so models cached in its services
	 * are loaded once per session. The caller must have set the thread's context class loader to the plugin's, or
	 * SciJava finds no plugins inside ImageJ's plugin class loader.
	 */
	static synchronized Context forImageJ() {
		Context fiji = runningFiji();
		if (fiji != null) return fiji;
		if (own == null) own = new Context();
		return own;
	}

	private static Context runningFiji() {
		try {
			Class.forName("net.imagej.legacy.LegacyService", false, SciJavaContexts.class.getClassLoader());
		} catch (ClassNotFoundException e) {
			// plain ImageJ 1: IJ.runPlugIn would instantiate a fresh Context rather than find one
			return null;
		}
		Object context = IJ.runPlugIn(Context.class.getName(), "");
		return context instanceof Context ? (Context) context : null;
	}
}
