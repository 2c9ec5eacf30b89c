package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.io.AutoencoderConfig;
import org.ldmfiji.nn.Weights;

/** The reference's {@code make_attn}: a vanilla attention block, or none ({@code attn_type: none}). */
final class Autoencoders {

	private Autoencoders() {}

	static AttnBlock attention(AutoencoderConfig c, Weights w, long channels) {
		if ("none".equals(c.attnType)) return null;
		if (!"vanilla".equals(c.attnType)) {
			throw new IllegalArgumentException("autoencoder attn_type '" + c.attnType + "' is not supported yet");
		}
		return new AttnBlock(w, channels);
	}

	static NDArray attend(AttnBlock attn, NDArray x) {
		return attn == null ? x : attn.forward(x);
	}
}
