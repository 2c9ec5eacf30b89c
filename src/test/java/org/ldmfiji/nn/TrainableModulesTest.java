package org.ldmfiji.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.io.LdmConfig;
import org.ldmfiji.io.ModelConfigReader;
import org.ldmfiji.testing.Fixtures;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The inference modules also train: every parameter receives a gradient through the whole graph. */
class TrainableModulesTest {

	private static Conditioning conditioning(String name, LatentDiffusion model, NDManager m) {
		if ("cin".equals(name)) return model.conditioning(m.create(new long[] {1, 2}));
		if ("ctx".equals(name)) return model.conditioning(m.randomNormal(new Shape(2, 5, model.config().unet.contextDim)));
		return Conditioning.none();
	}

	@Test
	void everyParameterOfDenoiserAndFirstStageGetsAGradient() throws Exception {
		Inference.prepareThread();
		for (String name : new String[] {"cin", "ctx", "kl"}) {
			LdmConfig config = ModelConfigReader.read(Fixtures.bundledCase(name).resolve("config.yaml"));
			try (NDManager m = NDManager.newBaseManager(Device.cpu()); LatentDiffusion model = LatentDiffusion.fresh(config, m)) {
				NDArray image = m.randomUniform(-1f, 1f, new Shape(2, 3, 32, 32));
				NDArray t = m.create(new long[] {10, 900});
				try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
					Conditioning c = conditioning(name, model, m);
					NDArray z = model.encodeFirstStage(image);
					NDArray eps = model.applyModel(z, t, c);
					NDArray loss = eps.square().mean().add(model.decodeFirstStage(z, false).sub(image).square().mean());
					gc.backward(loss);
				}
				List<String> without = new ArrayList<>();
				for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
					NDArray g = p.getValue().getGradient();
					if (g.isNaN().any().getBoolean() || g.isInfinite().any().getBoolean() || g.abs().sum().getFloat() == 0f) without.add(p.getKey());
				}
				// the VQ codebook is only used by quantisation, which decodeFirstStage(z, false) skips
				without.removeIf(k -> k.endsWith("quantize.embedding.weight"));
				if ("cin".equals(name)) {
					// a one-token context (the class embedding) makes the cross-attention weights softmax(one key) = 1:
					// its queries and keys, and the norm before them, get an exactly zero gradient, as in PyTorch
					without.removeIf(k -> k.contains(".attn2.to_q.") || k.contains(".attn2.to_k.") || k.contains(".norm2."));
				}
				assertTrue(without.isEmpty(), name + ": parameters without a gradient: " + without);
			}
		}
	}
}
