package org.ldmfiji.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.CancellationException;

/**
 * The headless command line. Every user error ends in one line on stderr and a non-zero exit status; a stack trace
 * only with {@code -Dldm.debug=true}.
 */
@Command(name = "ldm-cli", mixinStandardHelpOptions = true, version = "Latent Diffusion for Fiji 0.1.0",
	description = "Latent diffusion models (super-resolution, inpainting, synthesis) without Python.",
	subcommands = {SrCommand.class, InpaintCommand.class, SynthesizeCommand.class, BatchCommand.class, ModelsCommand.class,
		InfoCommand.class, BenchCommand.class, TrainCommand.class, ExportCommand.class, EvaluateCommand.class})
public final class LdmCli implements Runnable {

	/** Exit status for a run that failed on its input, its options or a file. */
	static final int FAILED = 1;
	/** Exit status for options picocli could not parse. */
	static final int USAGE = 2;
	/** Exit status for a run stopped before its end (128 + SIGINT, as a shell reports Ctrl-C). */
	static final int CANCELLED = 130;

	@CommandLine.Spec
	CommandLine.Model.CommandSpec spec;

	@Override
	public void run() {
		throw new CommandLine.ParameterException(spec.commandLine(), "name a command (one of " + String.join(", ",
			spec.subcommands().keySet()) + ")");
	}

	public static void main(String[] args) {
		// libtorch comes from the pytorch-native-cpu jar: never download anything unless asked to
		if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
		int status;
		try (SignalStop stop = SignalStop.install()) {
			status = commandLine().execute(args);
		}
		// after Ctrl-C or SIGTERM the JVM is exiting already, with 128 + the signal's number, once the hook lets it:
		// System.exit now would only race it with another status
		if (!SignalStop.requested()) System.exit(status);
	}

	static CommandLine commandLine() {
		CommandLine cl = new CommandLine(new LdmCli());
		cl.setParameterExceptionHandler((e, args) -> {
			PrintWriter err = cl.getErr();
			err.println("error: " + e.getMessage());
			err.println("try: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help");
			return USAGE;
		});
		cl.setExecutionExceptionHandler((e, command, parsed) -> {
			PrintWriter err = cl.getErr();
			if (e instanceof CancellationException) {
				// stopped between two steps or tiles: the result in progress is dropped, never written in part
				err.println("cancelled: no partial output written");
				return CANCELLED;
			}
			if (Boolean.getBoolean("ldm.debug")) e.printStackTrace(err);
			err.println("error: " + oneLine(e));
			return FAILED;
		});
		return cl;
	}

	/** What went wrong in one line: the message of the exception the user can act on. */
	static String oneLine(Throwable e) {
		if (e instanceof CancellationException) return "stopped: " + e.getMessage();
		boolean known = e instanceof IllegalArgumentException || e instanceof java.io.IOException
			|| e instanceof IllegalStateException;
		String msg = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\s*\\R\\s*", " ").trim();
		if (known && !msg.isEmpty()) return msg;
		if (e instanceof OutOfMemoryError) return "out of memory: lower --tile-size or --max-memory, or give Java more heap (-Xmx)";
		return e.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg) + " (run with -Dldm.debug=true for details)";
	}
}
