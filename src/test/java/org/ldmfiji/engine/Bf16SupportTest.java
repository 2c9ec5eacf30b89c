package org.ldmfiji.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Paths;

/** bfloat16 is used only where the CPU says it has the instructions and the probe agrees with float32. */
class Bf16SupportTest {

	private static final String X86 = "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme sse2 avx2 avx512f %s\n\n";
	private static final String ARM = "processor\t: 0\nFeatures\t: fp asimd %s\nCPU implementer\t: 0x41\n";

	@ParameterizedTest(name = "{0}: {1}")
	@CsvSource({
		"amd64,   x86, avx512_bf16 avx512_vnni, ",
		"x86_64,  x86, amx_bf16 amx_tile, ",
		"amd64,   x86, avx512_vnni, no bfloat16 instructions",
		"amd64,   x86, avx512_bf16x, no bfloat16 instructions",
		"aarch64, arm, sve bf16 i8mm, ",
		"aarch64, arm, sve i8mm, no bfloat16 instructions",
		"amd64,   arm, bf16, lists no CPU flags",
		"riscv64, x86, avx512_bf16, no bfloat16 detection on riscv64"})
	void readsTheCpuFlags(String arch, String layout, String flags, String reason) {
		String cpuinfo = String.format(layout.equals("x86") ? X86 : ARM, flags);
		String why = Bf16Support.cpuReason(arch, cpuinfo);
		if (reason == null) assertNull(why);
		else assertTrue(why != null && why.contains(reason), why);
	}

	@Test
	void thisMachineAgreesWithItsCpuFlags() throws Exception {
		String why = Bf16Support.unavailableReason();
		assertEquals(why, Bf16Support.unavailableReason(), "checked once");
		String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
		if (os.contains("linux") && Files.isReadable(Paths.get("/proc/cpuinfo"))) {
			String flags = Bf16Support.cpuReason(System.getProperty("os.arch"), Files.readString(Paths.get("/proc/cpuinfo")));
			if (flags == null) assertNull(why, "instructions present, yet: " + why);
			else if (emulated()) assertNull(why, "emulation asked for, yet: " + why);
			else assertEquals(flags, why, "no bfloat16 without the instructions");
		} else {
			assertNotNull(why);
		}
	}

	private static boolean emulated() {
		return Boolean.parseBoolean(System.getProperty(Bf16Support.EMULATED_PROPERTY, "false").trim());
	}
}
