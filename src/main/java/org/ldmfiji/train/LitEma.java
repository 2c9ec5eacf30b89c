package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference's {@code ldm.modules.ema.LitEma}: an exponential moving average of the denoiser's parameters, updated
 * after every optimiser step with the decay warmed up as {@code min(decay, (1 + n) / (10 + n))}, and saved as buffers
 * {@code model_ema.<parameter name without "model." and without dots>} plus {@code model_ema.decay} and
 * {@code model_ema.num_updates} (int32), the names the engine's loader and the reference's {@code ema_scope} read.
 */
public final class LitEma {

	static final String PREFIX = "model_ema.";
	static final String DENOISER = "model.";
	private static final String DECAY = PREFIX + "decay";
	private static final String NUM_UPDATES = PREFIX + "num_updates";

	private final double decay;
	/** Parameter key (model.diffusion_model....) → shadow. */
	private final Map<String, NDArray> shadow = new LinkedHashMap<>();
	private final Map<String, NDArray> parameters;
	private int numUpdates;

	/**
	 * Shadows every denoiser parameter ({@code model.*}) of {@code parameters}, starting as a copy of it.
	 *
	 * @param manager owns the shadows; create this outside any per-step scope
	 */
	public LitEma(Map<String, NDArray> parameters, double decay, NDManager manager) {
		this.decay = decay;
		this.parameters = new LinkedHashMap<>();
		for (Map.Entry<String, NDArray> p : parameters.entrySet()) {
			if (!p.getKey().startsWith(DENOISER)) continue;
			this.parameters.put(p.getKey(), p.getValue());
			NDArray copy = p.getValue().duplicate();
			copy.attach(manager);
			shadow.put(p.getKey(), copy);
		}
	}

	/** The flattened buffer name of a denoiser parameter, as LitEma registers it. */
	public static String bufferName(String parameterKey) {
		return PREFIX + parameterKey.substring(DENOISER.length()).replace(".", "");
	}

	/** One update after an optimiser step: {@code shadow −= (1 − decay)(shadow − parameter)}, in place. */
	public void update() {
		numUpdates++;
		double d = Math.min(decay, (1.0 + numUpdates) / (10.0 + numUpdates));
		float oneMinus = (float) (1.0 - d);
		for (Map.Entry<String, NDArray> e : shadow.entrySet()) {
			NDArray s = e.getValue();
			s.subi(s.sub(parameters.get(e.getKey())).mul(oneMinus));
		}
	}

	public int numUpdates() {
		return numUpdates;
	}

	/** The buffers to save, by their checkpoint names (the scalars are created in {@code manager}). */
	public Map<String, NDArray> buffers(NDManager manager) {
		Map<String, NDArray> out = new LinkedHashMap<>();
		for (Map.Entry<String, NDArray> e : shadow.entrySet()) out.put(bufferName(e.getKey()), e.getValue());
		out.put(DECAY, manager.create((float) decay));
		out.put(NUM_UPDATES, manager.create(numUpdates));
		return out;
	}

	/** Takes the shadows and update count from a checkpoint written by {@link #buffers}. */
	public void restore(Map<String, NDArray> checkpoint, String where) {
		for (Map.Entry<String, NDArray> e : shadow.entrySet()) {
			String name = bufferName(e.getKey());
			NDArray saved = checkpoint.get(name);
			if (saved == null || !saved.getShape().equals(e.getValue().getShape()))
				throw new IllegalArgumentException(where + ": the EMA buffer '" + name + "' is " + (saved == null ? "missing"
					: "of shape " + saved.getShape() + ", not " + e.getValue().getShape()));
			ParameterCopy.copyInto(e.getValue(), saved);
		}
		NDArray n = checkpoint.get(NUM_UPDATES);
		if (n == null) throw new IllegalArgumentException(where + ": the EMA buffer '" + NUM_UPDATES + "' is missing");
		numUpdates = n.toType(DataType.INT32, false).toIntArray()[0];
	}
}
