package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.diffusion.Denoiser;
import org.ldmfiji.diffusion.MaskBlend;
import org.ldmfiji.diffusion.Parameterization;
import org.ldmfiji.diffusion.Sampler;
import org.ldmfiji.diffusion.Samplers;
import org.ldmfiji.diffusion.Schedule;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.engine.NativeAllocator;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.io.DiffusionConfig;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.pipeline.tiling.TilePlan;
import org.ldmfiji.pipeline.tiling.TiledDenoiser;
import org.ldmfiji.pipeline.tiling.TiledFirstStage;

/**
 * The sequence every task shares once its conditioning is made: seeded noise, the sampler over the (guided)
 * denoiser, the first stage's decoder, and the map from the model's [-1, 1] to [0, 1]. Where the memory budget or
 * the tile size asks for it, the denoiser and the decoder run tile by tile ({@link TilePlan}); where one tile covers
 * the latent the sequence is exactly the untiled one.
 */
public final class LatentSequence {

	/** Latent mask blending for a sequence, made once the model's schedule is known. */
	public interface BlendFactory {
		MaskBlend create(Schedule schedule);
	}

	private LatentSequence() {}

	/**
	 * @param c           the conditioning
	 * @param uc          the unconditional conditioning for classifier-free guidance, or null
	 * @param latentShape [B, C, h, w] of the sample
	 * @param blend       latent mask blending, or null
	 * @return the decoded images in [0, 1], NCHW, attached to {@code owner}
	 */
	public static NDArray run(LatentDiffusion model, Conditioning c, Conditioning uc, Shape latentShape, BlendFactory blend,
		SamplingSettings s, NDManager owner) {
		Inference.prepareThread();
		DiffusionConfig d = model.config().diffusion;
		Schedule schedule = ModelDenoiser.schedule(d);
		Sampler sampler = Samplers.create(s.sampler, schedule, s.samplerSettings(d.vPosterior));
		TilePlan plan = plan(model.config(), latentShape, uc != null && s.guidanceScale != 1.0, s);
		if (plan.isTiled()) s.monitor.tiling(plan.describe());
		Denoiser whole = plan.tilesDenoiser() ? null : ModelDenoiser.guided(model, c, uc, s.guidanceScale);
		// seeded and sampled under the generator's lock: the same seed gives the same image even with other runs going on
		return Scoped.keep(owner, () -> Inference.seeded(s.seed, () -> {
			Denoiser denoiser = whole != null ? whole : new TiledDenoiser(plan.denoiser, plan.denoiserGroup,
				tiles -> ModelDenoiser.guided(model, TiledDenoiser.conditioning(c, plan.denoiser, tiles),
					TiledDenoiser.conditioning(uc, plan.denoiser, tiles), s.guidanceScale), s.monitor, owner);
			s.monitor.stage(TaskMonitor.Stage.SAMPLE);
			NDArray xT = owner.randomNormal(latentShape);
			NDArray latent = sampler.sample(owner, denoiser, Parameterization.of(d.parameterization), xT,
				blend == null ? null : blend.create(schedule), s.callback);
			if (plan.isTiled()) NativeAllocator.release(); // the decoder's tiles start from live arrays, not the sampler's peak
			s.monitor.stage(TaskMonitor.Stage.DECODE);
			NDArray image = plan.tilesFirstStage() ? TiledFirstStage.decode(model, latent, plan.firstStage, s.monitor)
				: model.decodeFirstStage(latent, true);
			return toUnit(image);
		}));
	}

	/**
	 * How a run of this latent shape is tiled under these settings (the tile size, else the memory budget).
	 *
	 * @param guided whether classifier-free guidance doubles the denoiser's batch
	 */
	public static TilePlan plan(LdmConfig config, Shape latentShape, boolean guided, SamplingSettings s) {
		return TilePlan.of(config, latentShape.get(2), latentShape.get(3), latentShape.get(0), guided, s.tileSize, s.maxMemoryMiB);
	}

	/** What the latent's sides must be a multiple of: the UNet halves them once per level after the first. */
	public static int sideMultiple(LdmConfig config) {
		return 1 << (config.unet.channelMult.size() - 1);
	}

	/** The model's image range [-1, 1] to [0, 1], clipped: the reference's {@code clamp((x + 1) / 2, 0, 1)}. */
	public static NDArray toUnit(NDArray modelImage) {
		return IntensityMapping.modelToUnit(modelImage).clip(0f, 1f);
	}
}
