package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.Weights;

/** autoencoder.VQModelInterface: encode = quant_conv(encoder(x)) before quantisation; decode quantises first. */
public final class VQModel implements FirstStage {

	private final Encoder encoder;
	private final Decoder decoder;
	private final VectorQuantizer quantize;
	private final Conv2d quantConv;
	private final Conv2d postQuantConv;
	private final FirstStageConfig config;

	public VQModel(FirstStageConfig c, Weights w) {
		this.config = c;
		this.encoder = new Encoder(c.ddconfig, w.sub("encoder"));
		this.decoder = new Decoder(c.ddconfig, w.sub("decoder"));
		// the latent side (quantisation and the 1x1 convolutions around it) stays in float32 in every precision
		this.quantize = new VectorQuantizer(w.float32().sub("quantize"), c.nEmbed, c.embedDim);
		this.quantConv = Conv2d.pointwise(w.float32().sub("quant_conv"), c.ddconfig.zChannels, c.embedDim);
		this.postQuantConv = Conv2d.pointwise(w.float32().sub("post_quant_conv"), c.embedDim, c.ddconfig.zChannels);
	}

	@Override
	public NDArray encode(NDArray image) {
		return quantConv.forward(encoder.forward(image));
	}

	@Override
	public NDArray decode(NDArray latent, boolean quantize) {
		NDArray q = quantize ? this.quantize.forward(latent) : latent;
		return decoder.forward(postQuantConv.forward(q));
	}

	@Override
	public FirstStageConfig config() {
		return config;
	}
}
