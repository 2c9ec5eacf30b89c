package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.diffusion.DdimSampler;
import org.ldmfiji.diffusion.DdimSchedule;
import org.ldmfiji.diffusion.DdpmSampler;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.diffusion.Parameterization;
import org.ldmfiji.diffusion.PlmsSampler;
import org.ldmfiji.diffusion.Schedule;
import org.ldmfiji.diffusion.StepCallback;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.io.DiffusionConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.cond.ClassEmbedder;

/**
 * Synthesis from noise for unconditional and class-conditional models: seeded noise, the chosen sampler,
 * guidance, decode. Returns images in [0, 1], NCHW.
 */
public final class Generation {

	public enum SamplerKind { DDIM, PLMS, DDPM }

	/** What to generate and how. */
	public static final class Request {
		public int batch = 1;
		public Integer latentHeight;
		public Integer latentWidth;
		public SamplerKind sampler = SamplerKind.DDIM;
		public int steps = 50;
		public double eta = 0.0;
		public long seed = 0;
		public double guidanceScale = 1.0;
		public Integer classLabel;
		public StepCallback callback = StepCallback.NONE;
	}

	private Generation() {}

	public static NDArray run(LatentDiffusion model, Request r, NDManager owner) {
		Inference.prepareThread();
		DiffusionConfig d = model.config().diffusion;
		int h = r.latentHeight != null ? r.latentHeight : d.imageSize;
		int w = r.latentWidth != null ? r.latentWidth : d.imageSize;
		return Scoped.keep(owner, () -> {
			NDManager m = owner;
			Conditioning c = Conditioning.none();
			Conditioning uc = null;
			if (model.condStage() instanceof ClassEmbedder) {
				ClassEmbedder ce = (ClassEmbedder) model.condStage();
				if (r.classLabel == null) throw new IllegalArgumentException("this model is class-conditional: give a class (0.." + (ce.classes() - 1) + ")");
				c = model.conditioning(labels(m, r.batch, r.classLabel));
				// cin256-v2 reserves its last class as the "null" class used for guidance
				uc = model.conditioning(labels(m, r.batch, ce.classes() - 1));
			} else if (model.condStage() != null) {
				throw new IllegalArgumentException("this model is conditioned on " + d.condStageKey
					+ "; synthesis from noise alone is for unconditional and class-conditional models");
			}
			Inference.seed(r.seed);
			NDArray xT = m.randomNormal(new Shape(r.batch, d.channels, h, w));
			Schedule schedule = ModelDenoiser.schedule(d);
			NDArray latent;
			if (r.sampler == SamplerKind.DDPM) {
				Denoiser raw = ModelDenoiser.guided(model, c, uc, r.guidanceScale);
				latent = new DdpmSampler(schedule, Parameterization.of(d.parameterization), d.vPosterior, r.steps)
					.sample(m, raw, xT, null, r.callback);
			} else {
				Denoiser eps = ModelDenoiser.eps(model, c, uc, r.guidanceScale);
				DdimSchedule ds = new DdimSchedule(schedule, r.steps, r.eta, DdimSchedule.Discretization.UNIFORM);
				latent = r.sampler == SamplerKind.PLMS ? new PlmsSampler(ds).sample(m, eps, xT, null, r.callback)
					: new DdimSampler(ds).sample(m, eps, xT, null, r.callback);
			}
			NDArray image = model.decodeFirstStage(latent, true).add(1f).div(2f).clip(0f, 1f);
			latent.close();
			return image;
		});
	}

	private static NDArray labels(NDManager m, int batch, int label) {
		return m.full(new Shape(batch), label).toType(DataType.INT64, false);
	}
}
