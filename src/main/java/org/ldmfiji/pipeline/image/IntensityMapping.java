package org.ldmfiji.pipeline.image;

import ai.djl.ndarray.NDArray;
import ij.ImagePlus;

import java.util.Locale;

/**
 * The linear map between one channel's pixel values and the model's [−1, 1], and back to the image's type.
 * The one place for the reference's {@code x/255·2 − 1} and {@code (x + 1)/2}: everything goes
 * raw ⇄ unit [0, 1] ⇄ model [−1, 1].
 *
 * <ul>
 * <li>8-bit and RGB: 0..255, as the reference reads images; back rounded half up and clipped to 0..255.</li>
 * <li>16- and 32-bit: the channel's low and high percentiles (default {@value #DEFAULT_LOW_PERCENTILE} and
 * {@value #DEFAULT_HIGH_PERCENTILE}, over all z and t) to 0 and 1. Values beyond them are clipped on the way
 * in, because the models were trained on [−1, 1] only. The model's output is mapped back unclipped, then to the
 * type's range: rounded half up and clipped to 0..65535 for 16-bit, as is for 32-bit.</li>
 * <li>If the percentiles coincide (a sparse image), the channel's minimum and maximum are used instead;
 * a constant channel maps to mid-grey (0) and comes back as that constant.</li>
 * </ul>
 * Ops on arrays made here work in place ({@code divi}, {@code addi}): on full-size planes every fresh array
 * costs its page faults. The caller's arrays are never changed.
 */
public final class IntensityMapping {

	public static final double DEFAULT_LOW_PERCENTILE = 1.0;
	public static final double DEFAULT_HIGH_PERCENTILE = 99.8;

	private static final IntensityMapping EIGHT_BIT = new IntensityMapping(0, 255, 8);

	private final float low;
	private final float span;
	private final int bitDepth;

	private IntensityMapping(double low, double high, int bitDepth) {
		this.low = (float) low;
		this.span = (float) (high - low);
		this.bitDepth = bitDepth;
	}

	/** 8-bit and RGB: 0..255 ⇄ [−1, 1]. */
	public static IntensityMapping eightBit() {
		return EIGHT_BIT;
	}

	/**
	 * {@code low} ⇄ −1 and {@code high} ⇄ 1, for an image of {@code bitDepth} (8, 16, 24 = RGB, or 32), whose
	 * range the back-mapped values are clipped to. {@code low == high} maps everything to 0 and back to low.
	 */
	public static IntensityMapping between(double low, double high, int bitDepth) {
		if (!(Double.isFinite(low) && Double.isFinite(high) && low <= high)) {
			throw new IllegalArgumentException("an intensity range needs finite low <= high, got " + low + " and " + high);
		}
		return new IntensityMapping(low, high, supported(bitDepth));
	}

	/** The mapping of channel {@code channel} (1-based): fixed for 8-bit and RGB, by percentiles otherwise. */
	public static IntensityMapping forChannel(ImagePlus image, int channel, double lowPercentile, double highPercentile) {
		requirePercentiles(lowPercentile, highPercentile);
		int bitDepth = image.getBitDepth();
		if (bitDepth == 8 || bitDepth == 24) return EIGHT_BIT;
		double[] v = Percentiles.ofChannel(image, channel, lowPercentile, highPercentile, 0, 100);
		return v[1] > v[0] ? between(v[0], v[1], bitDepth) : between(v[2], v[3], bitDepth);
	}

	/** Checks user-given percentiles: {@code 0 <= low < high <= 100}. */
	public static void requirePercentiles(double lowPercentile, double highPercentile) {
		if (!(lowPercentile >= 0 && lowPercentile < highPercentile && highPercentile <= 100)) {
			throw new IllegalArgumentException(String.format(Locale.ROOT,
				"percentiles must satisfy 0 <= low < high <= 100, got low %s and high %s", lowPercentile, highPercentile));
		}
	}

	/** The raw value mapped to −1. */
	public double low() {
		return low;
	}

	/** The raw value mapped to 1. */
	public double high() {
		return (double) low + span;
	}

	/** Pixel values (float32, any shape) → model input in [−1, 1]. */
	public NDArray toModel(NDArray raw) {
		if (span == 0) return raw.zerosLike();
		return unitToModel(raw.sub(low).divi(span)).clip(-1f, 1f);
	}

	/** Model output (any shape) → pixel values of the image's type (rounded and clipped for integer types). */
	public NDArray toRaw(NDArray model) {
		if (span == 0) return model.zerosLike().add(low);
		return fromUnit(modelToUnit(model));
	}

	/** Values in unit scale (0 ⇄ low, 1 ⇄ high) → pixel values of the image's type. */
	public NDArray fromUnit(NDArray unit) {
		return toType(unit.mul(span).addi(low), bitDepth);
	}

	/** Pixel values → values of an image of {@code bitDepth}: integer types rounded half up and clipped to range. */
	public static NDArray toType(NDArray raw, int bitDepth) {
		switch (supported(bitDepth)) {
			case 32:
				return raw;
			case 16:
				return raw.add(0.5f).floor().clip(0f, 65535f);
			default:
				return raw.add(0.5f).floor().clip(0f, 255f);
		}
	}

	private static int supported(int bitDepth) {
		if (bitDepth != 8 && bitDepth != 16 && bitDepth != 24 && bitDepth != 32) {
			throw new IllegalArgumentException("unsupported bit depth " + bitDepth + "; expected 8, 16, 24 (RGB) or 32");
		}
		return bitDepth;
	}

	/** [0, 1] → [−1, 1]. */
	public static NDArray unitToModel(NDArray unit) {
		return unit.mul(2f).subi(1f);
	}

	/** [−1, 1] → [0, 1] (not clamped). */
	public static NDArray modelToUnit(NDArray model) {
		return model.add(1f).divi(2f);
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "[%s, %s] -> [-1, 1]", low, high());
	}
}
