package org.ldmfiji.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ij.io.FileSaver;
import ij.ImagePlus;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.Checkpoints;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.io.StateDict;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.Benchmark;
import org.ldmfiji.pipeline.Generation;
import org.ldmfiji.pipeline.image.ImageOutput;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/** The headless command line: {@code info}, {@code sample}, {@code bench}. */
public final class LdmCli {

	private static final String USAGE = String.join("\n",
		"usage: java -jar ldm-cli.jar <command> ...",
		"  info CONFIG.yaml WEIGHTS [--raw-weights]",
		"      load a model and describe it (architecture, conditioning, parameters, EMA)",
		"  sample CONFIG.yaml WEIGHTS --out FILE.png [--sampler ddim|plms|ddpm] [--steps 50] [--eta 0]",
		"      [--seed 0] [--scale 1] [--class N] [--batch 1] [--size H W] [--raw-weights]",
		"      synthesise images with an unconditional or class-conditional model",
		"  bench --arch NAME|CONFIG.yaml [--latent 64] [--steps 5] [--warmup 2] [--threads T] [--no-first-stage]",
		"      time an architecture with random weights; NAME is one of " + ModelConfigReader.BUNDLED);

	private LdmCli() {}

	public static void main(String[] args) {
		// libtorch comes from the pytorch-native-cpu jar: never download anything unless asked to
		if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
		try {
			System.exit(run(args));
		} catch (IllegalArgumentException | java.io.IOException | IllegalStateException e) {
			System.err.println("error: " + e.getMessage());
			System.exit(2);
		}
	}

	static int run(String[] argv) throws java.io.IOException {
		Args a = new Args(argv);
		if (a.positional.isEmpty() || a.flag("help")) {
			System.out.println(USAGE);
			return a.positional.isEmpty() && !a.flag("help") ? 2 : 0;
		}
		switch (a.positional.get(0)) {
			case "info":
				return info(a);
			case "sample":
				return sample(a);
			case "bench":
				return bench(a);
			default:
				System.err.println("unknown command '" + a.positional.get(0) + "'\n" + USAGE);
				return 2;
		}
	}

	private static int info(Args a) throws java.io.IOException {
		a.requirePositional(3, "info CONFIG.yaml WEIGHTS");
		LdmConfig config = ModelConfigReader.read(Paths.get(a.positional.get(1)));
		Path weights = Paths.get(a.positional.get(2));
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = load(config, weights, m, a)) {
			System.out.println(config);
			System.out.println("conditioning: " + (config.diffusion.conditioningKey == null ? "none (unconditional)"
				: config.diffusion.conditioningKey + " on '" + config.diffusion.condStageKey + "'"));
			System.out.printf(Locale.ROOT, "parameters: %,d%n", model.parameterCount());
			System.out.println("EMA weights in use: " + (model.usesEma() ? "yes" : "no"));
			System.out.println("scale factor: " + model.scaleFactor());
			System.out.println("checkpoint tensors not used by the model: " + model.unusedKeys().size());
			return 0;
		}
	}

	private static int sample(Args a) throws java.io.IOException {
		a.requirePositional(3, "sample CONFIG.yaml WEIGHTS --out FILE.png");
		LdmConfig config = ModelConfigReader.read(Paths.get(a.positional.get(1)));
		String out = a.value("out", null);
		if (out == null) throw new IllegalArgumentException("sample needs --out FILE.png");
		Generation.Request r = new Generation.Request();
		r.sampler = Generation.SamplerKind.valueOf(a.value("sampler", "ddim").toUpperCase(Locale.ROOT));
		r.steps = a.intValue("steps", 50);
		r.eta = Double.parseDouble(a.value("eta", "0"));
		r.seed = Long.parseLong(a.value("seed", "0"));
		r.guidanceScale = Double.parseDouble(a.value("scale", "1"));
		r.batch = a.intValue("batch", 1);
		if (a.value("class", null) != null) r.classLabel = a.intValue("class", 0);
		if (a.values("size") != null) {
			r.latentHeight = Integer.parseInt(a.values("size")[0]);
			r.latentWidth = Integer.parseInt(a.values("size")[1]);
		}
		r.callback = (step, total, t, x, x0) -> {
			System.out.printf(Locale.ROOT, "\rstep %d/%d (t=%d)", step + 1, total, t);
			return true;
		};
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu());
			LatentDiffusion model = load(config, Paths.get(a.positional.get(2)), m, a)) {
			long t0 = System.nanoTime();
			NDArray images = Generation.run(model, r, m);
			System.out.printf(Locale.ROOT, "%nsampled %s in %.1f s%n", images.getShape(), (System.nanoTime() - t0) / 1e9);
			ImagePlus imp = ImageOutput.rgb(images, Paths.get(out).getFileName().toString());
			Path parent = Paths.get(out).toAbsolutePath().getParent();
			if (parent != null) Files.createDirectories(parent);
			boolean png = out.toLowerCase(Locale.ROOT).endsWith(".png");
			if (png && imp.getStackSize() > 1) {
				throw new IllegalArgumentException("a batch of " + imp.getStackSize() + " images needs a .tif output, not " + out);
			}
			// FileSaver directly: IJ.saveAs goes through the command table, which plain ij.jar cannot build headless
			FileSaver saver = new FileSaver(imp);
			boolean saved = png ? saver.saveAsPng(out) : imp.getStackSize() > 1 ? saver.saveAsTiffStack(out) : saver.saveAsTiff(out);
			if (!saved) throw new java.io.IOException("could not write " + out);
			System.out.println("wrote " + out);
			return 0;
		}
	}

	private static int bench(Args a) throws java.io.IOException {
		String arch = a.value("arch", null);
		if (arch == null) throw new IllegalArgumentException("bench needs --arch NAME|CONFIG.yaml");
		LdmConfig config = arch.endsWith(".yaml") || arch.endsWith(".yml") ? ModelConfigReader.read(Paths.get(arch))
			: ModelConfigReader.readBundled(arch);
		int threads = a.intValue("threads", 0);
		Inference.prepareThread();
		if (threads > 0) JniUtils.setNumThreads(threads);
		int latent = a.intValue("latent", 64);
		Benchmark.Result r = Benchmark.run(config, latent, a.intValue("steps", 5), a.intValue("warmup", 2),
			!a.flag("no-first-stage"));
		System.out.printf(Locale.ROOT, "arch %s, latent %dx%d, %d intra-op threads, %,d parameters%n", arch, latent, latent,
			JniUtils.getNumThreads(), r.parameters);
		System.out.printf(Locale.ROOT, "denoiser step: median %.1f ms, min %.1f ms, max %.1f ms over %d steps%n", r.median(),
			r.min(), r.max(), r.stepMillis.size());
		if (!Double.isNaN(r.encodeMillis)) {
			System.out.printf(Locale.ROOT, "first stage: encode %.1f ms, decode %.1f ms%n", r.encodeMillis, r.decodeMillis);
		}
		System.out.printf(Locale.ROOT, "peak resident memory: %.0f MiB%n", r.peakRssKiB / 1024.0);
		return 0;
	}

	private static LatentDiffusion load(LdmConfig config, Path weights, NDManager m, Args a) throws java.io.IOException {
		StateDict sd = Checkpoints.load(weights, m);
		try {
			return LatentDiffusion.load(config, sd, m, config.diffusion.useEma && !a.flag("raw-weights"));
		} catch (RuntimeException e) {
			sd.close();
			throw e;
		}
	}
}
