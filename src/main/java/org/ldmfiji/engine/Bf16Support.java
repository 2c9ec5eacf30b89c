package org.ldmfiji.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Whether this machine runs bfloat16 at speed and correctly. Without the CPU's bfloat16 instructions libtorch still
 * computes in bfloat16 by emulation, many times slower than float32, so the instructions are checked first
 * ({@code avx512_bf16} or {@code amx_bf16} on x86-64, {@code bf16} on 64-bit ARM, read from {@code /proc/cpuinfo}); then
 * a probe runs the ops the bfloat16 path uses and compares them with float32. Anything else (another OS, no cpuinfo, a
 * probe that throws or disagrees) counts as unsupported: the caller falls back to float32.
 *
 * <p>{@code -Dldm.bf16.emulated=true} skips the instruction check (the probe still runs), so that bfloat16's numbers
 * can be measured on a CPU without the instructions: correct, but tens of times slower than float32.
 */
public final class Bf16Support {

	/** Relative error a bfloat16 op may show against float32 in the probe (bfloat16 keeps 8 bits of mantissa). */
	static final double PROBE_TOLERANCE = 3e-2;

	/** System property that lets bfloat16 run emulated on a CPU without its instructions (for measurements). */
	public static final String EMULATED_PROPERTY = "ldm.bf16.emulated";

	private static final Logger LOG = LoggerFactory.getLogger(Bf16Support.class);

	private static String reason;
	private static boolean checked;

	private Bf16Support() {}

	/** True if bfloat16 runs natively here and the probe agreed with float32. */
	public static boolean available() {
		return unavailableReason() == null;
	}

	/** Why bfloat16 is not used on this machine, in a few words; null if it is available. Checked once. */
	public static synchronized String unavailableReason() {
		if (!checked) {
			reason = cpuReason(System.getProperty("os.name", ""), System.getProperty("os.arch", ""), Paths.get("/proc/cpuinfo"));
			if (reason != null && Boolean.parseBoolean(System.getProperty(EMULATED_PROPERTY, "false").trim())) {
				LOG.warn("bf16 emulated ({} set): {}; expect it to be many times slower than fp32", EMULATED_PROPERTY, reason);
				reason = null;
			}
			if (reason == null && !ScriptedOps.available()) reason = ScriptedOps.failure();
			if (reason == null) reason = probe();
			checked = true;
		}
		return reason;
	}

	private static String cpuReason(String os, String arch, Path cpuinfo) {
		if (!os.toLowerCase(Locale.ROOT).contains("linux")) return "no bfloat16 detection on " + os;
		String text;
		try {
			text = Files.readString(cpuinfo);
		} catch (IOException | RuntimeException e) {
			return "cannot read " + cpuinfo + " (" + e.getMessage() + ")";
		}
		return cpuReason(arch, text);
	}

	/** The CPU check on the text of {@code /proc/cpuinfo}; null if the CPU has bfloat16 instructions. */
	static String cpuReason(String arch, String cpuinfo) {
		String a = arch.toLowerCase(Locale.ROOT);
		boolean x86 = a.equals("amd64") || a.equals("x86_64");
		boolean arm = a.equals("aarch64") || a.equals("arm64");
		if (!x86 && !arm) return "no bfloat16 detection on " + arch;
		String field = x86 ? "flags" : "features";
		for (String line : cpuinfo.split("\n")) {
			int colon = line.indexOf(':');
			if (colon < 0 || !line.substring(0, colon).trim().equalsIgnoreCase(field)) continue;
			for (String flag : line.substring(colon + 1).trim().split("\\s+")) {
				if (x86 && (flag.equals("avx512_bf16") || flag.equals("amx_bf16"))) return null;
				if (arm && flag.equals("bf16")) return null;
			}
			return "the CPU has no bfloat16 instructions (" + (x86 ? "avx512_bf16, amx_bf16" : "bf16") + ")";
		}
		return "/proc/cpuinfo lists no CPU " + field;
	}

	/** A convolution, a group norm, a softmax and the casts, in bfloat16 against float32; null if they agree. */
	private static String probe() {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			// deterministic values: the probe must not draw from the global generator that seeded runs rely on
			NDArray x = wave(m, 0.37f, new Shape(1, 32, 8, 8));
			NDArray w = wave(m, 0.11f, new Shape(32, 32, 3, 3)).mul(1f / 17);
			NDArray gamma = wave(m, 0.7f, new Shape(32)).add(1f);
			NDArray beta = wave(m, 1.3f, new Shape(32));
			NDArray conv = conv(x, w);
			NDArray conv16 = ScriptedOps.toFloat32(conv(ScriptedOps.toBfloat16(x), ScriptedOps.toBfloat16(w)));
			NDArray norm = ScriptedOps.groupNormSilu(conv, 8, gamma, beta, 1e-5);
			NDArray norm16 = ScriptedOps.toFloat32(ScriptedOps.groupNormSilu(ScriptedOps.toBfloat16(conv), 8, gamma, beta, 1e-5));
			NDArray soft = conv.reshape(32, -1).softmax(-1);
			NDArray soft16 = ScriptedOps.softmaxFloat32(ScriptedOps.toBfloat16(conv.reshape(32, -1)), -1);
			double err = Math.max(relative(conv16, conv), Math.max(relative(norm16, norm), relative(soft16, soft)));
			if (!(err <= PROBE_TOLERANCE)) return String.format(Locale.ROOT, "the bfloat16 probe differs from float32 by %.3g", err);
			return null;
		} catch (RuntimeException e) {
			return "the bfloat16 probe failed: " + e.getMessage();
		}
	}

	/** sin(k·i) over the elements, reshaped: varied values in [-1, 1] without randomness. */
	private static NDArray wave(NDManager m, float k, Shape shape) {
		return m.arange(0f, (float) shape.size()).mul(k).sin().reshape(shape);
	}

	private static NDArray conv(NDArray x, NDArray w) {
		return Conv2d.conv2d(x, w, null, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
	}

	private static double relative(NDArray actual, NDArray expected) {
		double err = actual.sub(expected).abs().max().toType(DataType.FLOAT64, false).getDouble();
		return err / expected.abs().max().toType(DataType.FLOAT64, false).getDouble();
	}
}
