package org.ldmfiji.pipeline.model;

import ai.djl.Device;
import org.ldmfiji.engine.Inference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code device} parameter: {@code auto} (the first GPU if the engine sees one, else the CPU), {@code cpu}, or
 * {@code gpu0}, {@code gpu1}, ... from the PyTorch engine's device list. A GPU that is not there falls back to the
 * CPU with a logged note rather than failing, so that one macro runs on machines with and without a GPU.
 */
public final class DeviceChoice {

	public static final String AUTO = "auto";
	private static final Pattern GPU = Pattern.compile("gpu(\\d*)");
	private static final Logger LOG = LoggerFactory.getLogger(DeviceChoice.class);

	private final Device device;
	private final String fallback;

	private DeviceChoice(Device device, String fallback) {
		this.device = device;
		this.fallback = fallback;
	}

	/** Resolves {@code spec} against the GPUs the PyTorch engine sees; a fallback to the CPU is logged. */
	public static DeviceChoice resolve(String spec) {
		DeviceChoice choice = resolve(spec, engineGpus());
		if (choice.fallback != null) LOG.warn(choice.fallback);
		return choice;
	}

	/** As {@link #resolve(String)}, given the GPUs (for tests: no machine here has one). */
	static DeviceChoice resolve(String spec, List<Device> gpus) {
		String s = spec == null ? AUTO : spec.trim().toLowerCase(Locale.ROOT);
		if (s.isEmpty() || s.equals(AUTO)) return new DeviceChoice(gpus.isEmpty() ? Device.cpu() : gpus.get(0), null);
		if (s.equals("cpu")) return new DeviceChoice(Device.cpu(), null);
		Matcher m = GPU.matcher(s);
		if (!m.matches()) {
			throw new IllegalArgumentException("device '" + spec + "' not understood; expected auto, cpu or gpu0, gpu1, ...");
		}
		int index = m.group(1).isEmpty() ? 0 : Integer.parseInt(m.group(1));
		for (Device gpu : gpus) {
			if (gpu.getDeviceId() == index) return new DeviceChoice(gpu, null);
		}
		return new DeviceChoice(Device.cpu(), "device gpu" + index + " requested, but the PyTorch engine sees "
			+ (gpus.isEmpty() ? "no GPU" : "only " + names(gpus)) + "; running on the CPU");
	}

	/** The values a {@code device} parameter offers on this machine: auto, cpu, gpu0, ... */
	public static List<String> choices() {
		List<String> choices = new ArrayList<>(List.of(AUTO, "cpu"));
		choices.addAll(names(engineGpus()));
		return choices;
	}

	public Device device() {
		return device;
	}

	/** Why a requested GPU was replaced by the CPU; null if the request was met. */
	public String fallback() {
		return fallback;
	}

	private static List<Device> engineGpus() {
		List<Device> gpus = new ArrayList<>();
		for (Device d : Inference.engine().getDevices()) {
			if (d.isGpu()) gpus.add(d);
		}
		return Collections.unmodifiableList(gpus);
	}

	private static List<String> names(List<Device> gpus) {
		List<String> names = new ArrayList<>();
		for (Device d : gpus) names.add("gpu" + d.getDeviceId());
		return names;
	}

	@Override
	public String toString() {
		return device.isGpu() ? "gpu" + device.getDeviceId() : "cpu";
	}
}
