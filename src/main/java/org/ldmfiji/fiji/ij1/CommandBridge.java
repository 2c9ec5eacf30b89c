package org.ldmfiji.fiji.ij1;

import ij.IJ;
import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.plugin.PlugIn;
import org.scijava.Cancelable;
import org.scijava.Context;
import org.scijava.command.CommandInfo;
import org.scijava.command.CommandService;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;
import org.scijava.module.ModuleRunner;
import org.scijava.module.ModuleService;
import org.scijava.module.process.ModulePreprocessor;
import org.scijava.module.process.PreprocessorPlugin;
import org.scijava.plugin.PluginInfo;
import org.scijava.plugin.PluginService;
import org.scijava.widget.InputHarvester;

import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Runs a SciJava command from an ImageJ 1 menu entry or macro. One line in {@code plugins.config} per command:
 * <pre>Plugins&gt;Latent Diffusion, "Super-Resolution...", org.ldmfiji.fiji.ij1.CommandBridge("org.ldmfiji.fiji.SuperResolutionCommand")</pre>
 * The command's parameter names are the macro keys; its first required image is the current image; its image
 * outputs become new windows (or batch-mode images a macro can save). A dialog is shown only to a user at the
 * screen: never headless, never in a batch-mode macro, never to a macro that passes options.
 */
public class CommandBridge implements PlugIn {

	@Override
	public void run(String commandClass) {
		String options = Macro.getOptions();
		Thread thread = Thread.currentThread();
		ClassLoader previous = thread.getContextClassLoader();
		// SciJava's plugin index and DJL's engine and native library are found through this loader
		thread.setContextClassLoader(CommandBridge.class.getClassLoader());
		try {
			run(commandClass, options);
		} finally {
			thread.setContextClassLoader(previous);
		}
	}

	private void run(String commandClass, String options) {
		// a batch-mode macro runs unattended even with a screen (imagej -batch under Xvfb): no dialog may wait there
		boolean interactive = options == null && !GraphicsEnvironment.isHeadless() && !Interpreter.isBatchMode();
		String title = "Latent Diffusion";
		try {
			Context context = SciJavaContexts.forImageJ();
			CommandInfo info = context.service(CommandService.class).getCommand(commandClass);
			if (info == null)
				throw new IllegalArgumentException("the command " + commandClass + " is not installed (SciJava finds no command of that class)");
			title = info.getTitle();
			Module module = prepare(context, info);
			CommandForm form = CommandForm.of(module);
			if (options != null) form.fill(MacroOptions.parse(options));
			else if (!interactive) form.fillWithDefaults();
			else if (!form.fillFromDialog()) return;
			execute(context, module);
			present(module);
		} catch (IllegalArgumentException e) {
			fail(title, e.getMessage(), interactive);
		} catch (RuntimeException e) {
			IJ.log(title + ": " + e + "\n" + stackTrace(e));
			fail(title, "failed: " + e.getMessage() + " (details in the Log window)", interactive);
		}
	}

	/**
	 * A module of the command with what is not the user's to give already in place: services, the context,
	 * initialisers (which may compute choices). These are the preprocessors ranked above input harvesting; the form
	 * is the harvester. Loading and saving remembered values is left out, so a macro means the same everywhere.
	 */
	static Module prepare(Context context, CommandInfo info) {
		Module module = context.service(ModuleService.class).createModule(info);
		ModulePreprocessor canceler = new ModuleRunner(context, module, preprocessors(context, true), null).preProcess();
		if (canceler != null) throw new IllegalArgumentException(canceler.getCancelReason());
		return module;
	}

	/** Runs a filled-in module: the remaining preprocessors, then the command; a cancel becomes the exception. */
	static void execute(Context context, Module module) {
		// no postprocessors: outputs are presented by the bridge (in Fiji they would display or record them again)
		new ModuleRunner(context, module, preprocessors(context, false), Collections.emptyList()).run();
		if (module instanceof Cancelable && ((Cancelable) module).isCanceled()) throw new IllegalArgumentException(reason(module));
	}

	private static List<PreprocessorPlugin> preprocessors(Context context, boolean beforeForm) {
		PluginService plugins = context.service(PluginService.class);
		List<PluginInfo<PreprocessorPlugin>> chosen = new ArrayList<>();
		for (PluginInfo<PreprocessorPlugin> p : plugins.getPluginsOfType(PreprocessorPlugin.class)) {
			if (beforeForm ? p.getPriority() > InputHarvester.PRIORITY + 1 : p.getPriority() < InputHarvester.PRIORITY - 1) chosen.add(p);
		}
		return plugins.createInstances(chosen);
	}

	private static String reason(Module module) {
		String reason = ((Cancelable) module).getCancelReason();
		return reason == null ? "canceled" : reason;
	}

	private static void present(Module module) {
		List<Object> inputs = new ArrayList<>(module.getInputs().values());
		for (ModuleItem<?> output : module.getInfo().outputs()) {
			Object value = module.getOutput(output.getName());
			if (value == null || containsSame(inputs, value)) continue;
			if (value instanceof ImagePlus) show((ImagePlus) value);
			else IJ.log(output.getName() + ": " + value);
		}
	}

	/** A new window, or in batch mode (and headless, where there are no windows) an image the macro can use. */
	private static void show(ImagePlus imp) {
		if (Interpreter.isBatchMode() || GraphicsEnvironment.isHeadless()) {
			Interpreter.addBatchModeImage(imp);
			WindowManager.setTempCurrentImage(imp);
		} else {
			imp.show();
		}
	}

	private static boolean containsSame(List<Object> values, Object value) {
		for (Object v : values) if (v == value) return true;
		return false;
	}

	/** A dialog for a user at the screen; otherwise the Log, and a macro stops here rather than go on without a result. */
	private static void fail(String title, String message, boolean interactive) {
		if (interactive) {
			IJ.error(title, message);
			return;
		}
		IJ.log(title + ": " + message);
		// ends the calling macro quietly (ImageJ's IJ.error would open a modal macro-error dialog); ImageJ waits
		// up to 2 s here for the macro thread, which is this one, so a failing macro ends 2 s late
		Interpreter macro = Interpreter.getInstance();
		if (macro != null) macro.abortMacro();
	}

	private static String stackTrace(Throwable t) {
		java.io.StringWriter w = new java.io.StringWriter();
		t.printStackTrace(new java.io.PrintWriter(w));
		return w.toString();
	}
}
