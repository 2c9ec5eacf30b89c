package org.ldmfiji.pipeline.model;

import org.ldmfiji.io.ConfigException;
import org.ldmfiji.io.ConfigNode;

import java.util.List;
import java.util.Locale;

/**
 * How a model card asks for image intensities to be brought to the model's [-1, 1]: by the image's own
 * percentiles (the {@code low} and {@code high} percentiles map to -1 and 1), or 8-bit style (/255), as the
 * reference does for its photographs.
 */
public final class IntensitySpec {

	public enum Kind { PERCENTILE, FIXED8BIT }

	static final List<String> NAMES = List.of("percentile", "fixed8bit");
	public static final double DEFAULT_LOW = 1.0;
	public static final double DEFAULT_HIGH = 99.8;

	public final Kind kind;
	/** Percentiles in [0, 100]; NaN for {@link Kind#FIXED8BIT}. */
	public final double low, high;

	private IntensitySpec(Kind kind, double low, double high) {
		this.kind = kind;
		this.low = low;
		this.high = high;
	}

	public static IntensitySpec percentile(double low, double high) {
		if (!(low >= 0 && low < high && high <= 100)) {
			throw new IllegalArgumentException("percentiles must satisfy 0 <= low < high <= 100, got " + low + " and " + high);
		}
		return new IntensitySpec(Kind.PERCENTILE, low, high);
	}

	public static IntensitySpec fixed8bit() {
		return new IntensitySpec(Kind.FIXED8BIT, Double.NaN, Double.NaN);
	}

	/** The card's {@code intensity} section: {@code {mapping: percentile, low: 1, high: 99.8}} or {@code {mapping: fixed8bit}}. */
	static IntensitySpec read(ConfigNode intensity) throws ConfigException {
		String mapping = intensity.requiredString("mapping");
		if ("fixed8bit".equals(mapping)) return fixed8bit();
		if (!"percentile".equals(mapping)) throw intensity.error("mapping", "expected one of " + NAMES + ", got \"" + mapping + "\"");
		double low = intensity.doubleOr("low", DEFAULT_LOW);
		double high = intensity.doubleOr("high", DEFAULT_HIGH);
		if (!(low >= 0 && low < high && high <= 100)) {
			throw intensity.error("high", "the percentiles must satisfy 0 <= low < high <= 100, got low " + low + " and high " + high);
		}
		return percentile(low, high);
	}

	@Override
	public String toString() {
		return kind == Kind.FIXED8BIT ? "fixed8bit (/255)" : String.format(Locale.ROOT, "percentile %s..%s", low, high);
	}
}
