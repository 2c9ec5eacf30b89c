package org.ldmfiji.parity;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldmfiji.engine.Bf16Support;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.nn.Precision;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * bfloat16 against float32 on every reference fixture: the same tensors computed by the same case in both precisions.
 * Prints the error of bfloat16 per tensor (max |Δ| / max |fp32|, and the PSNR of decoded images in [-1, 1]) and bounds
 * it. A VQ first stage quantises the sampled latent before decoding: where bfloat16 moves a latent pixel across the
 * border between two codebook entries the decoded pixel jumps, so the quantised decode is reported, and the decode of
 * the same latents without quantisation is what is bounded.
 */
class Bf16QualityTest extends ManagerPerClassTest {

	/** Largest max |Δ| / max |fp32| of the denoiser output, a decoded latent and a sampled latent. */
	static final double MAX_RELATIVE_ERROR = 5e-2;
	/** Smallest PSNR of a sampled-then-decoded image (the end-to-end target). */
	static final double MIN_PSNR_DB = 40;

	static Stream<Arguments> cases() throws IOException {
		return ReferenceParityTest.cases();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void bfloat16StaysCloseToFloat32(String name, Path dir) throws Exception {
		assumeTrue(Bf16Support.available(), "no bfloat16 here: " + Bf16Support.unavailableReason());
		List<String> failures = new ArrayList<>();
		try (NDManager m = manager.newSubManager();
			ParityCase fp32 = ParityCase.load(name, dir, m, Precision.FP32);
			ParityCase bf16 = ParityCase.load(name, dir, m, Precision.BF16)) {
			for (String tensor : List.of("unet_eps", "fs_decoded", "ddim_latent")) {
				if (!fp32.expectedNames().contains(tensor)) continue;
				double rel = compare(name, tensor, m, fp32.checks().get(tensor), bf16.checks().get(tensor), false);
				if (!(rel <= MAX_RELATIVE_ERROR)) failures.add(String.format(Locale.ROOT, "%s: %.3e", tensor, rel));
			}
			if (fp32.expectedNames().contains("ddim_decoded")) {
				compare(name, "ddim_decoded", m, fp32.checks().get("ddim_decoded"), bf16.checks().get("ddim_decoded"), true);
				double psnr = psnrOf(name, "ddim_decoded unquantised", m,
					s -> fp32.model().decodeFirstStage(fp32.checks().get("ddim_latent").compute(s), false),
					s -> bf16.model().decodeFirstStage(bf16.checks().get("ddim_latent").compute(s), false));
				if (!(psnr >= MIN_PSNR_DB)) failures.add(String.format(Locale.ROOT, "ddim_decoded: PSNR %.1f dB", psnr));
			}
		}
		assertTrue(failures.isEmpty(), name + ": " + failures);
	}

	private static double compare(String name, String tensor, NDManager m, ParityCase.Check a, ParityCase.Check b,
		boolean image)
	{
		try (NDManager step = m.newSubManager()) {
			NDArray x = Scoped.keep(step, () -> a.compute(step));
			NDArray y = Scoped.keep(step, () -> b.compute(step));
			double rel = ParityCase.relativeMaxError(y, x);
			String psnr = image ? String.format(Locale.ROOT, ", PSNR %.1f dB", psnr(y, x)) : "";
			System.out.printf(Locale.ROOT, "bf16 vs fp32 %-8s %-26s max |Δ|/max|fp32| = %.3e%s%n", name, tensor, rel, psnr);
			return rel;
		}
	}

	private static double psnrOf(String name, String what, NDManager m, ParityCase.Check a, ParityCase.Check b) {
		try (NDManager step = m.newSubManager()) {
			NDArray x = Scoped.keep(step, () -> a.compute(step));
			NDArray y = Scoped.keep(step, () -> b.compute(step));
			double psnr = psnr(y, x);
			System.out.printf(Locale.ROOT, "bf16 vs fp32 %-8s %-26s max |Δ|/max|fp32| = %.3e, PSNR %.1f dB%n", name, what,
				ParityCase.relativeMaxError(y, x), psnr);
			return psnr;
		}
	}

	/** PSNR of images in [-1, 1] (peak-to-peak 2). */
	static double psnr(NDArray actual, NDArray expected) {
		double mse = actual.sub(expected).square().mean().toType(DataType.FLOAT64, false).getDouble();
		return 10 * Math.log10(4 / mse);
	}
}
