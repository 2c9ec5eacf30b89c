package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the denoiser is conditioned on, as the reference's DiffusionWrapper receives it: tensors
 * concatenated to the input along channels ({@code c_concat}) and cross-attention contexts
 * ({@code c_crossattn}, concatenated along tokens; for {@code adm} the first one is the class label).
 */
public final class Conditioning {

	private static final Conditioning NONE = new Conditioning(List.of(), List.of());

	public final List<NDArray> concat;
	public final List<NDArray> crossattn;

	public Conditioning(List<NDArray> concat, List<NDArray> crossattn) {
		this.concat = Collections.unmodifiableList(new ArrayList<>(concat));
		this.crossattn = Collections.unmodifiableList(new ArrayList<>(crossattn));
	}

	public static Conditioning none() {
		return NONE;
	}

	/** A single tensor, routed as the reference's apply_model does: c_concat for "concat", else c_crossattn. */
	public static Conditioning of(String conditioningKey, NDArray c) {
		if (c == null || conditioningKey == null) return NONE;
		return "concat".equals(conditioningKey) ? new Conditioning(List.of(c), List.of())
			: new Conditioning(List.of(), List.of(c));
	}

	public boolean isEmpty() {
		return concat.isEmpty() && crossattn.isEmpty();
	}

	/** Batch-wise concatenation {@code [this; other]}, as classifier-free guidance batches [uncond; cond]. */
	public Conditioning batchWith(Conditioning other) {
		return new Conditioning(pairwise(concat, other.concat), pairwise(crossattn, other.crossattn));
	}

	private static List<NDArray> pairwise(List<NDArray> a, List<NDArray> b) {
		if (a.size() != b.size()) {
			throw new IllegalArgumentException("conditional and unconditional conditioning differ in structure");
		}
		List<NDArray> out = new ArrayList<>(a.size());
		for (int i = 0; i < a.size(); i++) out.add(NDArrays.concat(new NDList(a.get(i), b.get(i)), 0));
		return out;
	}
}
