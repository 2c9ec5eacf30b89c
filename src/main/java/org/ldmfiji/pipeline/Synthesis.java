package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.ldmfiji.io.CondStageConfig;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.nn.Conditioning;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.nn.cond.ClassEmbedder;

/**
 * Synthesis from noise: unconditional, from a class label with classifier-free guidance, or from a label map (one-hot
 * through the model's spatial rescaler; guided against the all-zero map). A batch of several images shares the
 * conditioning.
 */
public final class Synthesis {

	/** What to synthesise. Immutable; the builder validates against the model in {@link #run}. */
	public static final class Request {
		public final int batch;
		/** Output size in image pixels, or null for the model's own (a label map fixes the size itself). */
		public final Integer height, width;
		public final Integer classLabel;
		/** One-hot label map [1, K, H, W], or null. */
		public final NDArray labelMap;

		private Request(Builder b) {
			this.batch = b.batch;
			this.height = b.height;
			this.width = b.width;
			this.classLabel = b.classLabel;
			this.labelMap = b.labelMap;
		}

		public static Builder builder() {
			return new Builder();
		}

		public static final class Builder {
			private int batch = 1;
			private Integer height, width, classLabel;
			private NDArray labelMap;

			private Builder() {}

			public Builder batch(int n) {
				this.batch = n;
				return this;
			}

			public Builder size(Integer height, Integer width) {
				this.height = height;
				this.width = width;
				return this;
			}

			public Builder classLabel(Integer label) {
				this.classLabel = label;
				return this;
			}

			public Builder labelMap(NDArray oneHot) {
				this.labelMap = oneHot;
				return this;
			}

			public Request build() {
				if (batch < 1 || batch > 64) throw new IllegalArgumentException("the number of images must lie in 1..64, not " + batch);
				if ((height == null) != (width == null)) throw new IllegalArgumentException("give both height and width, or neither");
				if (height != null && (height < 1 || width < 1)) {
					throw new IllegalArgumentException("the size must be positive, not " + height + "x" + width);
				}
				return new Request(this);
			}
		}
	}

	private Synthesis() {}

	/** @return the images in [0, 1], [batch, 3, H, W], attached to {@code owner} */
	public static NDArray run(LatentDiffusion model, Request r, SamplingSettings s, NDManager owner) {
		LdmConfig config = model.config();
		Conditioning c;
		Conditioning uc = null;
		Shape latent;
		if (config.condStage.kind == CondStageConfig.Kind.SPATIAL_RESCALER) {
			if (r.labelMap == null) throw new IllegalArgumentException("this model synthesises from a label image: give one");
			NDArray maps = r.labelMap.repeat(0, r.batch);
			c = model.conditioning(maps);
			// the null input a model trained with condition dropout learnt without its labels (train.LabelMapTask):
			// no class anywhere. Used only when the guidance scale is not 1, so a model without dropout is unaffected.
			uc = model.conditioning(maps.zerosLike());
			NDArray spatial = c.concat.isEmpty() ? c.crossattn.get(0) : c.concat.get(0);
			latent = new Shape(r.batch, config.diffusion.channels, spatial.getShape().get(2), spatial.getShape().get(3));
		} else {
			if (r.labelMap != null) throw new IllegalArgumentException("this model does not take a label image");
			Conditioning[] both = classConditioning(model, r.classLabel, r.batch, owner);
			c = both[0];
			uc = both[1];
			latent = latentShape(model, r);
		}
		return LatentSequence.run(model, c, uc, latent, null, s, owner);
	}

	/**
	 * The conditioning of a model that samples from noise alone (none) or from a class, with the unconditional
	 * counterpart for guidance: the reference's cin256-v2 keeps its last class as the "no class" class.
	 *
	 * @return {conditioning, unconditional conditioning or null}
	 */
	public static Conditioning[] classConditioning(LatentDiffusion model, Integer classLabel, int batch, NDManager m) {
		if (!(model.condStage() instanceof ClassEmbedder)) {
			if (classLabel != null) throw new IllegalArgumentException("this model is not class-conditional: leave the class out");
			return new Conditioning[] {Conditioning.none(), null};
		}
		int classes = ((ClassEmbedder) model.condStage()).classes();
		if (classLabel == null || classLabel < 0 || classLabel >= classes) {
			throw new IllegalArgumentException("this model is class-conditional: give a class in 0.." + (classes - 1)
				+ (classLabel == null ? "" : ", not " + classLabel));
		}
		return new Conditioning[] {model.conditioning(labels(m, batch, classLabel)), model.conditioning(labels(m, batch, classes - 1))};
	}

	private static Shape latentShape(LatentDiffusion model, Request r) {
		LdmConfig config = model.config();
		int f = model.firstStage().downsamplingFactor();
		int multiple = f * LatentSequence.sideMultiple(config);
		int h = r.height == null ? config.diffusion.imageSize * f : r.height;
		int w = r.width == null ? config.diffusion.imageSize * f : r.width;
		if (h % multiple != 0 || w % multiple != 0) {
			throw new IllegalArgumentException("this model makes images whose sides are multiples of " + multiple + ", not " + h + "x" + w);
		}
		return new Shape(r.batch, config.diffusion.channels, h / f, w / f);
	}

	private static NDArray labels(NDManager m, int batch, int label) {
		return m.full(new Shape(batch), label).toType(DataType.INT64, false);
	}
}
