package org.ldmfiji.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DJL's AdamW (torch's betas 0.9/0.999, decoupled weight decay, fused native update) with a linear learning-rate
 * warm-up (DJL's WarmUpTracker), made resumable: its moment estimates are saved and restored, and its update count
 * continues from the resumed step, so the bias correction and the warm-up carry on where they stopped.
 *
 * <p>DJL keeps the moments in private maps it fills lazily inside the first update. Those are reached here by field
 * name; if a DJL upgrade renames them, construction fails at once with a message rather than resuming wrongly. The
 * moments are also created up front, outside any per-step scope: made lazily inside a step's scope they would be
 * freed when the step ends.
 */
final class AdamWOptimizer {

	private static final String MEANS = "means";
	private static final String VARIANCES = "variances";

	private final AdamW adamW;
	private final Map<String, NDArray> parameters;
	/** The parameters that learn: all, or all but those a run keeps fixed (whose moments are kept as they were). */
	private final Map<String, NDArray> trainable;
	private final Map<String, Map<Device, NDArray>> means;
	private final Map<String, Map<Device, NDArray>> variances;
	private int skipped;

	/**
	 * @param parameters the trainable parameters by key; their moments are created in {@code manager}
	 * @param doneSteps  optimiser steps already taken (0 for a new run)
	 * @param beta1      0.9 (torch's default) for the denoiser; the reference trains autoencoders with betas (0.5, 0.9)
	 */
	AdamWOptimizer(Map<String, NDArray> parameters, TrainingSettings s, float beta1, float beta2, int doneSteps, NDManager manager) {
		this(parameters, key -> true, s, beta1, beta2, doneSteps, manager);
	}

	/**
	 * @param learns which parameters are updated; the others get no gradient (their graph is cut before them) and keep
	 *               their values and moments, so that a later stretch may train them again
	 */
	AdamWOptimizer(Map<String, NDArray> parameters, java.util.function.Predicate<String> learns, TrainingSettings s, float beta1,
		float beta2, int doneSteps, NDManager manager) {
		Tracker lr = Tracker.fixed((float) s.learningRate);
		if (s.warmupSteps > 0) {
			lr = WarmUpTracker.builder().setMainTracker(lr).optWarmUpSteps(s.warmupSteps).optWarmUpBeginValue(0f)
				.optWarmUpMode(WarmUpTracker.Mode.LINEAR).build();
		}
		this.adamW = Optimizer.adamW().optLearningRateTracker(lr).optWeightDecays((float) s.weightDecay).optBeta1(beta1).optBeta2(beta2)
			.optBeginNumUpdate(doneSteps).build();
		this.parameters = parameters;
		this.trainable = new LinkedHashMap<>();
		for (Map.Entry<String, NDArray> p : parameters.entrySet()) if (learns.test(p.getKey())) trainable.put(p.getKey(), p.getValue());
		if (trainable.isEmpty()) throw new IllegalArgumentException("no parameter is left to train");
		this.means = stateMap(MEANS);
		this.variances = stateMap(VARIANCES);
		for (Map.Entry<String, NDArray> p : parameters.entrySet()) {
			means.put(p.getKey(), zeros(p.getValue(), manager));
			variances.put(p.getKey(), zeros(p.getValue(), manager));
		}
	}

	/**
	 * One update of every parameter from its gradient, clipped first to a global norm of {@code maxGradNorm} (0: not
	 * clipped); the gradients are zeroed after, for the next backward pass. AdamW.update takes the learning rate from
	 * its update count.
	 *
	 * @return the gradients' global norm before clipping
	 */
	float step(double maxGradNorm) {
		List<NDArray> gradients = new ArrayList<>(trainable.size());
		for (NDArray p : trainable.values()) gradients.add(p.getGradient());
		float norm = GradientClipping.clip(gradients, maxGradNorm);
		if (Float.isFinite(norm)) {
			int i = 0;
			for (Map.Entry<String, NDArray> p : trainable.entrySet()) adamW.update(p.getKey(), p.getValue(), gradients.get(i++));
		} else {
			// A non-finite gradient is skipped, as torch's GradScaler skips such steps, rather than written into every
			// weight and moment. Seen (about 1 backward pass in 25) with a trainable SpatialRescaler feeding the UNet:
			// libtorch 2.7.1's CPU backward then sometimes reads uninitialised memory, like the convolution case
			// Conv2d pads around; the op has not been pinned down yet.
			skipped++;
		}
		for (NDArray p : trainable.values()) JniUtils.zeroGrad((PtNDArray) p);
		return norm;
	}

	/** Steps whose gradients were not finite and so left the weights unchanged. */
	int skipped() {
		return skipped;
	}

	/** The moments, as {@code optimizer.exp_avg.<key>} and {@code optimizer.exp_avg_sq.<key>} (torch's names). */
	Map<String, NDArray> state() {
		Map<String, NDArray> out = new LinkedHashMap<>();
		for (String key : parameters.keySet()) {
			out.put("optimizer.exp_avg." + key, only(means.get(key)));
			out.put("optimizer.exp_avg_sq." + key, only(variances.get(key)));
		}
		return out;
	}

	/** Takes the moments from a checkpoint written by {@link #state()}. */
	void restore(Map<String, NDArray> checkpoint, String where) {
		for (String key : parameters.keySet()) {
			copy(checkpoint, "optimizer.exp_avg." + key, only(means.get(key)), where);
			copy(checkpoint, "optimizer.exp_avg_sq." + key, only(variances.get(key)), where);
		}
	}

	private static void copy(Map<String, NDArray> checkpoint, String name, NDArray target, String where) {
		NDArray saved = checkpoint.get(name);
		if (saved == null || !saved.getShape().equals(target.getShape()))
			throw new IllegalArgumentException(where + ": the optimiser state '" + name + "' is " + (saved == null ? "missing"
				: "of shape " + saved.getShape() + ", not " + target.getShape()));
		ParameterCopy.copyInto(target, saved);
	}

	private static Map<Device, NDArray> zeros(NDArray like, NDManager manager) {
		NDArray z = manager.zeros(like.getShape(), like.getDataType(), like.getDevice());
		Map<Device, NDArray> perDevice = new ConcurrentHashMap<>();
		perDevice.put(like.getDevice(), z);
		return perDevice;
	}

	private static NDArray only(Map<Device, NDArray> perDevice) {
		return perDevice.values().iterator().next();
	}

	@SuppressWarnings("unchecked")
	private Map<String, Map<Device, NDArray>> stateMap(String name) {
		try {
			Field f = AdamW.class.getDeclaredField(name);
			f.setAccessible(true);
			return (Map<String, Map<Device, NDArray>>) f.get(adamW);
		} catch (ReflectiveOperationException | RuntimeException e) {
			throw new IllegalStateException("this DJL's AdamW keeps no '" + name + "' state where training expects it ("
				+ e + "); the optimiser state could not be saved for resuming", e);
		}
	}
}
