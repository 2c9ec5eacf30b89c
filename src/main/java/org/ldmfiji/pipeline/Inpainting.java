package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import org.ldmfiji.diffusion.MaskBlend;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.image.IntensityMapping;
import org.ldmfiji.nn.Resample;
import org.ldmfiji.pipeline.tiling.TileGrid;
import org.ldmfiji.pipeline.tiling.TiledFirstStage;

/**
 * Inpainting: with a model trained on masked images (inpainting_big) exactly as the reference's
 * {@code scripts/inpaint.py}; with any other model by latent mask blending. Either way the known pixels come back
 * as they were and only the hole is generated.
 */
public final class Inpainting {

	/**
	 * The cond_stage_key of a masked-image model whose hole arrives filled by the {@link HarmonicFill} instead of
	 * blanked: the encoder then sees an image with the statistics of a whole one (its GroupNorm layers take
	 * image-wide statistics, which a black hole shifts), and the denoiser starts from the classical fill rather than
	 * from nothing.
	 */
	public static final String HARMONIC_FILLED_IMAGE = "harmonic_filled_image";

	/** The reference's cond_stage_key of inpainting_big: the hole blanked. */
	public static final String MASKED_IMAGE = "masked_image";

	/**
	 * How closely that fill is solved: within 3e-4 of the exact fill on [0, 1] images (about a grey level of 12
	 * bits), in about half the iterations of the exact one; training computes it for every batch.
	 */
	private static final double HARMONIC_TOLERANCE = 1e-5;

	private Inpainting() {}

	/**
	 * @param image01 the images in [0, 1], [B, 3, H, W], H and W multiples of the first stage's factor
	 * @param mask    1 = fill, [B, 1, H, W]; binarised at 0.5 as the reference does
	 * @param classLabel the class to fill with, for a class-conditional model; else null
	 * @return the composite in [0, 1], attached to {@code owner}
	 */
	public static NDArray run(LatentDiffusion model, NDArray image01, NDArray mask, Integer classLabel, SamplingSettings s,
		NDManager owner) {
		int f = model.firstStage().downsamplingFactor();
		Shape in = image01.getShape();
		Shape latent = new Shape(in.get(0), model.config().diffusion.channels, in.get(2) / f, in.get(3) / f);
		return Scoped.keep(owner, () -> {
			NDArray hole = mask.gt(0.5f).toType(DataType.FLOAT32, false);
			NDArray generated;
			if (Task.isMaskedImageModel(model.config())) {
				// a class the model cannot use must not be ignored silently
				if (classLabel != null) throw new IllegalArgumentException("this model is not class-conditional: leave the class out");
				NDArray masked = IntensityMapping.unitToModel(maskedImage(model.config().diffusion.condStageKey, image01, hole));
				generated = LatentSequence.run(model, conditioning(model, masked, IntensityMapping.unitToModel(hole), tiles(model, latent, s),
					s.monitor),
					null, latent, null, s, owner);
			} else {
				TileGrid tiles = tiles(model, latent, s);
				NDArray image = IntensityMapping.unitToModel(image01);
				NDArray x0 = tiles.count() > 1 ? TiledFirstStage.encodeScaled(model, image, tiles, s.monitor) : model.encodeFirstStage(image);
				// a latent pixel is known only if none of its f×f image pixels is in the hole
				NDArray known = Pool.maxPool2d(hole, new Shape(f, f), new Shape(f, f), new Shape(0, 0), false).neg().add(1f);
				Conditioning[] c = Synthesis.classConditioning(model, classLabel, (int) in.get(0), owner);
				generated = LatentSequence.run(model, c[0], c[1], latent, schedule -> new MaskBlend(x0, known, schedule), s, owner);
			}
			if (s.preserveMean) generated = LevelMatching.apply(generated, image01, hole);
			if (s.matchNoise > 0) generated = NoiseMatching.apply(generated, image01, hole, s.matchNoise, s.seed);
			return composite(image01, hole, generated);
		});
	}

	/**
	 * What a masked-image model's encoder sees, as its cond_stage_key names it: the hole blanked ({@code masked_image})
	 * or filled by the harmonic fill ({@link #HARMONIC_FILLED_IMAGE}).
	 *
	 * @param image01 [B, C, H, W] in [0, 1]
	 * @param hole    [B, 1, H, W], 1 = fill
	 */
	public static NDArray maskedImage(String condStageKey, NDArray image01, NDArray hole) {
		requireMaskedImageKey(condStageKey);
		return HARMONIC_FILLED_IMAGE.equals(condStageKey) ? HarmonicFill.fill(image01, hole, HARMONIC_TOLERANCE) : hole.neg().add(1f).mul(image01);
	}

	/** Whether a masked-image model's cond_stage_key says what its encoder sees: {@code masked_image} or {@link #HARMONIC_FILLED_IMAGE}. */
	public static boolean isMaskedImageKey(String condStageKey) {
		return MASKED_IMAGE.equals(condStageKey) || HARMONIC_FILLED_IMAGE.equals(condStageKey);
	}

	/** @throws IllegalArgumentException naming the keys there are, for any other (a typo would otherwise train a model nothing samples) */
	public static void requireMaskedImageKey(String condStageKey) {
		if (!isMaskedImageKey(condStageKey))
			throw new IllegalArgumentException("an inpainting model's cond_stage_key says what its encoder sees: " + MASKED_IMAGE
				+ " (the hole blanked, as the reference's inpainting_big) or " + HARMONIC_FILLED_IMAGE + ", not '" + condStageKey + "'");
	}

	/**
	 * The inpainting model's concat conditioning: the masked image through the cond stage (the first stage's
	 * encoder), and the mask resized to the latent's size (nearest), stacked along channels.
	 *
	 * @param maskedImage the image with the hole blanked or harmonically filled ({@link #maskedImage}), [-1, 1]
	 * @param mask        the hole at image resolution, [B, 1, H, W]; the reference passes it mapped to {-1, 1}
	 */
	public static Conditioning conditioning(LatentDiffusion model, NDArray maskedImage, NDArray mask) {
		return conditioning(model, maskedImage, mask, null, TaskMonitor.NONE);
	}

	/** As {@link #conditioning(LatentDiffusion, NDArray, NDArray)}, the masked image encoded tile by tile on a grid of several tiles. */
	static Conditioning conditioning(LatentDiffusion model, NDArray maskedImage, NDArray mask, TileGrid tiles, TaskMonitor monitor) {
		boolean tiled = tiles != null && tiles.count() > 1 && model.config().condStage.kind == CondStageConfig.Kind.FIRST_STAGE;
		NDArray c = tiled ? TiledFirstStage.encode(model.firstStage(), maskedImage, tiles, monitor) : model.condStage().forward(maskedImage);
		NDArray cc = Resample.resize(mask, c.getShape().get(2), c.getShape().get(3), "nearest");
		return Conditioning.of(model.config().diffusion.conditioningKey, NDArrays.concat(new NDList(c, cc), 1));
	}

	/** The first stage's tiles for a latent of this shape. */
	private static TileGrid tiles(LatentDiffusion model, Shape latent, SamplingSettings s) {
		return LatentSequence.plan(model.config(), latent, false, s).firstStage;
	}

	/**
	 * {@code (1 − mask)·image01 + mask·generated01}: the known pixels exactly as they were, the hole from the model.
	 *
	 * @param mask 1 = hole (generated), 0 = keep, at image resolution
	 */
	public static NDArray composite(NDArray image01, NDArray mask, NDArray generated01) {
		return mask.neg().add(1f).mul(image01).add(mask.mul(generated01));
	}
}
