package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.io.FirstStageConfig;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.Weights;

/** autoencoder.AutoencoderKL: the encoder predicts a diagonal Gaussian; encode() returns its mode. */
public final class AutoencoderKL implements FirstStage {

	private final Encoder encoder;
	private final Decoder decoder;
	private final Conv2d quantConv;
	private final Conv2d postQuantConv;
	private final FirstStageConfig config;

	public AutoencoderKL(FirstStageConfig c, Weights w) {
		if (!c.ddconfig.doubleZ) throw new IllegalArgumentException("AutoencoderKL needs double_z: true in its ddconfig");
		this.config = c;
		this.encoder = new Encoder(c.ddconfig, w.sub("encoder"));
		this.decoder = new Decoder(c.ddconfig, w.sub("decoder"));
		// the latent side (the posterior and the 1x1 convolutions around it) stays in float32 in every precision
		this.quantConv = Conv2d.pointwise(w.float32().sub("quant_conv"), 2L * c.ddconfig.zChannels, 2L * c.embedDim);
		this.postQuantConv = Conv2d.pointwise(w.float32().sub("post_quant_conv"), c.embedDim, c.ddconfig.zChannels);
	}

	public DiagonalGaussianDistribution posterior(NDArray image) {
		return new DiagonalGaussianDistribution(quantConv.forward(encoder.forward(image)));
	}

	@Override
	public NDArray encode(NDArray image) {
		return posterior(image).mode();
	}

	@Override
	public NDArray decode(NDArray latent, boolean quantize) {
		return decoder.forward(postQuantConv.forward(latent));
	}

	@Override
	public FirstStageConfig config() {
		return config;
	}
}
