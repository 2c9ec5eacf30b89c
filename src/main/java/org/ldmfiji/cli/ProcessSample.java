package org.ldmfiji.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

/**
 * What this process has used up to a moment: wall clock, CPU time, minor page faults and resident memory. Two samples
 * give a stage's cost. CPU time and faults tell more than wall time on a shared machine: other processes stretch the
 * wall clock, and a page-fault storm shows as faults and system time whatever the load.
 */
final class ProcessSample {

	final long wallNanos;
	/** User and system CPU time of every thread, or -1 where unknown. */
	final long cpuNanos;
	/** Minor page faults since the process started (Linux), or -1. */
	final long minorFaults;
	/** Resident memory now (VmRSS), or -1. */
	final long rssKiB;
	/** Resident memory's high-water mark (VmHWM), or -1. */
	final long peakKiB;

	private ProcessSample(long wallNanos, long cpuNanos, long minorFaults, long rssKiB, long peakKiB) {
		this.wallNanos = wallNanos;
		this.cpuNanos = cpuNanos;
		this.minorFaults = minorFaults;
		this.rssKiB = rssKiB;
		this.peakKiB = peakKiB;
	}

	static ProcessSample now() {
		long wall = System.nanoTime();
		List<String> status = lines("/proc/self/status");
		return new ProcessSample(wall, cpuNanos(), minorFaults(), field(status, "VmRSS:"), field(status, "VmHWM:"));
	}

	double secondsSince(ProcessSample earlier) {
		return (wallNanos - earlier.wallNanos) / 1e9;
	}

	double cpuSecondsSince(ProcessSample earlier) {
		return cpuNanos < 0 || earlier.cpuNanos < 0 ? Double.NaN : (cpuNanos - earlier.cpuNanos) / 1e9;
	}

	long faultsSince(ProcessSample earlier) {
		return minorFaults < 0 || earlier.minorFaults < 0 ? -1 : minorFaults - earlier.minorFaults;
	}

	/** The one-minute load average, for judging how noisy a timing is. */
	static double loadAverage() {
		return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
	}

	private static long cpuNanos() {
		java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
		return os instanceof com.sun.management.OperatingSystemMXBean
			? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
	}

	/** Field 10 of /proc/self/stat, counted after the command name (which may hold spaces) closes. */
	private static long minorFaults() {
		List<String> stat = lines("/proc/self/stat");
		if (stat.isEmpty()) return -1;
		String line = stat.get(0);
		String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
		return f.length > 7 ? Long.parseLong(f[7]) : -1;
	}

	private static long field(List<String> status, String key) {
		for (String line : status) {
			if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
		}
		return -1;
	}

	private static List<String> lines(String file) {
		try {
			return Files.readAllLines(Paths.get(file), StandardCharsets.US_ASCII);
		} catch (IOException e) {
			return List.of();
		}
	}
}
