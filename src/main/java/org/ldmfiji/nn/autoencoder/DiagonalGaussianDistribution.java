package org.ldmfiji.nn.autoencoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/** distributions.DiagonalGaussianDistribution: the KL encoder's posterior, from [mean; logvar] along channels. */
public final class DiagonalGaussianDistribution {

	private final NDArray mean;
	private final NDArray logvar;

	public DiagonalGaussianDistribution(NDArray parameters) {
		NDList parts = parameters.split(2, 1);
		this.mean = parts.get(0);
		this.logvar = parts.get(1).clip(-30.0f, 20.0f);
	}

	public NDArray mean() {
		return mean;
	}

	public NDArray std() {
		return logvar.mul(0.5f).exp();
	}

	public NDArray mode() {
		return mean;
	}

	/** mean + std · N(0, 1), the noise drawn from the global (seedable) generator like torch.randn. */
	public NDArray sample() {
		return mean.add(std().mul(mean.getManager().randomNormal(mean.getShape())));
	}
}
