package org.ldmfiji.train;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.io.ConfigException;
import org.ldmfiji.io.ConfigNode;

/**
 * The reference's first-stage losses without their GAN part: {@code LPIPSWithDiscriminator} for KL autoencoders
 * ({@code sum(|x − x̂| + w·structure) / B + kl_weight · sum(KL) / B}, logvar fixed at its initial 0, which its
 * optimiser never updates) and {@code VQLPIPSWithDiscriminator} for VQ ones ({@code mean(|x − x̂| + w·structure) +
 * codebook_weight · codebook loss}). The structure term is {@link GradientLoss}, weighted by the config's
 * {@code perceptual_weight}; the weights come from the config's {@code lossconfig.params} with the reference's
 * defaults. The patch discriminator ({@code disc_start}, {@code disc_weight}) is not trained.
 */
final class AutoencoderLoss {

	final boolean kl;
	final double klWeight;
	final double codebookWeight;
	final double structureWeight;

	AutoencoderLoss(boolean kl, double klWeight, double codebookWeight, double structureWeight) {
		this.kl = kl;
		this.klWeight = klWeight;
		this.codebookWeight = codebookWeight;
		this.structureWeight = structureWeight;
	}

	/** @param model the config's model section ({@code target}, {@code params.lossconfig}) */
	static AutoencoderLoss read(ConfigNode model, boolean kl) throws ConfigException {
		ConfigNode params = model.node("params");
		ConfigNode loss = params.has("lossconfig") && params.node("lossconfig").has("params")
			? params.node("lossconfig").node("params") : null;
		double klWeight = loss == null ? 1.0 : loss.doubleOr("kl_weight", 1.0);
		double codebookWeight = loss == null ? 1.0 : loss.doubleOr("codebook_weight", 1.0);
		double structure = loss == null ? 1.0 : loss.doubleOr("perceptual_weight", 1.0);
		return new AutoencoderLoss(kl, klWeight, codebookWeight, structure);
	}

	/**
	 * @param extra the KL divergence per sample [B] (KL) or the codebook loss (VQ, scalar)
	 */
	NDArray forward(NDArray x, NDArray reconstruction, NDArray extra) {
		NDArray rec = x.sub(reconstruction).abs();
		if (structureWeight > 0) rec = rec.add(GradientLoss.perSample(x, reconstruction).mul((float) structureWeight));
		if (!kl) return rec.mean().add(extra.mul((float) codebookWeight));
		long batch = x.getShape().get(0);
		return rec.sum().div(batch).add(extra.sum().div(batch).mul((float) klWeight));
	}

	/** The KL divergence of a diagonal Gaussian from N(0, 1), per sample: {@code 0.5 · Σ (μ² + σ² − 1 − log σ²)}. */
	static NDArray klDivergence(NDArray mean, NDArray std) {
		NDArray var = std.square();
		return mean.square().add(var).sub(1f).sub(var.log()).sum(new int[] {1, 2, 3}).mul(0.5f);
	}
}
