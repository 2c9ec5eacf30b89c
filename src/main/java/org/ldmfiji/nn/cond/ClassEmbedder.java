package org.ldmfiji.nn.cond;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.nn.Embedding;
import org.ldmfiji.nn.Weights;

/** encoders.ClassEmbedder: int64 class labels [B] → a one-token cross-attention context [B, 1, embed_dim]. */
public final class ClassEmbedder implements CondStage {

	private final Embedding embedding;
	private final int classes;

	public ClassEmbedder(Weights w, int classes, int embedDim) {
		this.embedding = new Embedding(w.sub("embedding"), classes, embedDim);
		this.classes = classes;
	}

	@Override
	public NDArray forward(NDArray labels) {
		return embedding.forward(labels.expandDims(1));
	}

	public int classes() {
		return classes;
	}
}
