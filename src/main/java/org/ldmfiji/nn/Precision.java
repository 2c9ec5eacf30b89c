package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.engine.Bf16Support;
import org.ldmfiji.engine.ScriptedOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The number format a model computes in, chosen when it is loaded and carried by its modules (one network code for
 * both). {@link #FP32} is the reference's arithmetic. {@link #BF16} casts the weights once and runs convolutions,
 * linear layers, attention products and activations in bfloat16, and keeps float32 where precision matters: the
 * timestep embedding, softmax, normalisation statistics and affine weights, the latent the sampler sees.
 */
public enum Precision {
	FP32("fp32"),
	BF16("bf16");

	private static final Logger LOG = LoggerFactory.getLogger(Precision.class);

	private final String id;

	Precision(String id) {
		this.id = id;
	}

	/** The name users type: fp32 or bf16. */
	public String id() {
		return id;
	}

	/** Parses fp32 or bf16 (any case). */
	public static Precision of(String id) {
		for (Precision p : values()) {
			if (p.id.equalsIgnoreCase(id.trim())) return p;
		}
		throw new IllegalArgumentException("precision '" + id + "' not understood; expected fp32 or bf16");
	}

	/**
	 * This precision if the machine supports it; bfloat16 without support falls back to float32, with one log line per
	 * process saying why.
	 */
	public Precision supported() {
		if (this == FP32) return FP32;
		String why = Bf16Support.unavailableReason();
		if (why == null) return BF16;
		if (!fallbackLogged) LOG.warn("bf16 requested, running in fp32: {}", why);
		fallbackLogged = true;
		return FP32;
	}

	/** The fallback is said once per process, not at every model load. */
	private static volatile boolean fallbackLogged;

	/** A float32 tensor (weights or activations) in this precision; the same array for FP32. */
	public NDArray cast(NDArray x) {
		return this == FP32 ? x : ScriptedOps.toBfloat16(x);
	}

	/** A tensor of this precision as float32; the same array for FP32. */
	public NDArray toFloat32(NDArray x) {
		return this == FP32 ? x : ScriptedOps.toFloat32(x);
	}

	/** Softmax along {@code axis}, computed in float32 and returned in this precision. */
	public NDArray softmax(NDArray x, int axis) {
		return this == FP32 ? x.softmax(axis) : ScriptedOps.toBfloat16(ScriptedOps.softmaxFloat32(x, axis));
	}

	@Override
	public String toString() {
		return id;
	}
}
