package org.ldmfiji.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A view of a model's weights under one key prefix, the way the checkpoint names them
 * ({@code model.diffusion_model.input_blocks.1.0.in_layers.2.weight}). A module takes the view of its
 * own prefix and hands narrower views to its children, so no table maps checkpoint names to ours.
 *
 * <p>The same view serves training: {@link #fresh} hands out newly initialised parameters instead of
 * loaded ones. The EMA substitution, dtype/device conversion and missing-key reporting live here, once.
 */
public final class Weights {

	private static final String EMA_PREFIX = "model_ema.";
	private static final String DENOISER_PREFIX = "model.";

	/** State shared by every view of one model. */
	private static final class Root {
		final Map<String, NDArray> source;
		final String sourceName;
		final NDManager manager;
		final Device device;
		final boolean useEma;
		final boolean fresh;
		final boolean trainable;
		final Map<String, NDArray> taken = new LinkedHashMap<>();
		/** Parameters cast to a lower precision, by key path; the float32 originals stay in {@link #taken}. */
		final Map<String, NDArray> cast = new java.util.HashMap<>();
		final java.util.Set<String> read = new java.util.HashSet<>();

		Root(Map<String, NDArray> source, String sourceName, NDManager manager, Device device, boolean useEma,
			boolean fresh, boolean trainable) {
			this.source = source;
			this.sourceName = sourceName;
			this.manager = manager;
			this.device = device;
			this.useEma = useEma;
			this.fresh = fresh;
			this.trainable = trainable;
		}
	}

	private final Root root;
	private final String prefix;
	private final Precision precision;

	private Weights(Root root, String prefix, Precision precision) {
		this.root = root;
		this.prefix = prefix;
		this.precision = precision;
	}

	/**
	 * Weights loaded from a checkpoint's tensors. With {@code useEma}, and where the checkpoint holds
	 * {@code model_ema.*} entries, the denoiser ({@code model.*}) reads the EMA copy, as the reference's
	 * sampling scripts do inside {@code ema_scope()}.
	 */
	public static Weights load(Map<String, NDArray> tensors, String sourceName, NDManager manager, boolean useEma) {
		return load(tensors, sourceName, manager, useEma, Precision.FP32);
	}

	/** As {@link #load(Map, String, NDManager, boolean)}, handing out parameters in {@code precision}. */
	public static Weights load(Map<String, NDArray> tensors, String sourceName, NDManager manager, boolean useEma,
		Precision precision)
	{
		boolean hasEma = tensors.keySet().stream().anyMatch(k -> k.startsWith(EMA_PREFIX));
		return new Weights(new Root(tensors, sourceName, manager, manager.getDevice(), useEma && hasEma, false, false),
			"", precision);
	}

	/** Freshly initialised, trainable parameters (for training from scratch). */
	public static Weights fresh(NDManager manager) {
		return new Weights(new Root(Collections.emptyMap(), "fresh initialisation", manager, manager.getDevice(),
			false, true, true), "", Precision.FP32);
	}

	/** Freshly initialised parameters handed out in {@code precision}, not trainable (benchmarks of an architecture). */
	public static Weights random(NDManager manager, Precision precision) {
		return new Weights(new Root(Collections.emptyMap(), "random initialisation", manager, manager.getDevice(),
			false, true, false), "", precision);
	}

	/** The view of a child module: {@code sub("input_blocks.1")}. */
	public Weights sub(String name) {
		return new Weights(root, prefix + name + ".", precision);
	}

	/**
	 * The precision this view's modules compute in; {@link #param} hands out their weights in it. A module reads its
	 * input and writes its output in it too.
	 */
	public Precision precision() {
		return precision;
	}

	/** The same view with float32 parameters, for the parts that compute in float32 whatever the model's precision. */
	public Weights float32() {
		return precision == Precision.FP32 ? this : new Weights(root, prefix, Precision.FP32);
	}

	/** The full key path of a tensor of this view. */
	public String key(String name) {
		return prefix + name;
	}

	/** Whether this model reads the denoiser's EMA weights. */
	public boolean usesEma() {
		return root.useEma;
	}

	/**
	 * The parameter {@code name} of this view with the given shape: loaded (as float32, on the model's
	 * device) or freshly initialised with {@code init}, then cast once to the view's {@link #precision()}.
	 */
	public NDArray param(String name, Init init, long... shape) {
		NDArray value = float32Param(name, init, shape);
		if (precision == Precision.FP32) return value;
		return root.cast.computeIfAbsent(key(name), k -> {
			NDArray cast = precision.cast(value);
			ai.djl.ndarray.NDScope.unregister(cast); // the model's for good, whatever scope it was made in
			cast.attach(root.manager);
			return cast;
		});
	}

	private NDArray float32Param(String name, Init init, long... shape) {
		String key = key(name);
		NDArray cached = root.taken.get(key);
		if (cached != null) return cached;
		Shape expected = new Shape(shape);
		NDArray value;
		if (root.fresh) {
			value = init.create(root.manager, expected);
		} else {
			String sk = sourceKey(key);
			NDArray stored = root.source.get(sk);
			if (stored == null) {
				throw new WeightsException(root.sourceName + " has no tensor '" + sk + "'"
					+ (sk.equals(key) ? "" : " (the EMA copy of '" + key + "')")
					+ ", which the model described by the config needs. Do the config and the checkpoint belong together?");
			}
			if (!stored.getShape().equals(expected)) {
				throw new WeightsException("tensor '" + sk + "' in " + root.sourceName + " has shape " + stored.getShape()
					+ ", but the config's model needs " + expected + ". Do the config and the checkpoint belong together?");
			}
			root.read.add(sk);
			value = stored;
			if (value.getDataType() != DataType.FLOAT32) value = value.toType(DataType.FLOAT32, false);
			if (!value.getDevice().equals(root.device)) value = value.toDevice(root.device, false);
			if (value != stored) value.attach(root.manager);
		}
		if (root.trainable) value.setRequiresGradient(true);
		root.taken.put(key, value);
		return value;
	}

	/** Every parameter handed out so far, by key path (what a trainer optimises or a saver writes). */
	public Map<String, NDArray> taken() {
		return Collections.unmodifiableMap(root.taken);
	}

	/** Keys of the checkpoint under this view's prefix that no module asked for. */
	public List<String> unusedKeys() {
		List<String> unused = new ArrayList<>();
		for (String k : root.source.keySet()) {
			if (k.startsWith(prefix) && !root.read.contains(k)) unused.add(k);
		}
		return unused;
	}

	/** The checkpoint key a parameter is read from: the EMA copy's flattened name where EMA is in use. */
	private String sourceKey(String key) {
		if (root.useEma && key.startsWith(DENOISER_PREFIX)) {
			return EMA_PREFIX + key.substring(DENOISER_PREFIX.length()).replace(".", "");
		}
		return key;
	}

	@Override
	public String toString() {
		return "Weights[" + prefix + " of " + root.sourceName + ", " + precision + "]";
	}
}
