package org.ldmfiji.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ldmfiji.engine.Inference;

/**
 * Convolutions with few output channels (a UNet's or decoder's last layer) give finite input gradients even when
 * the memory libtorch reuses held NaNs; without the padding in {@link Conv2d} a few percent of these calls return
 * NaN gradients, so 150 calls per shape catch it almost surely.
 */
class Conv2dGradientTest {

	@ParameterizedTest
	@CsvSource({"32, 4, 4, 4", "32, 8, 8, 4", "32, 16, 16, 3"})
	void inputGradientStaysFiniteAndForwardIsUnchanged(long in, long h, long w, long out) {
		Inference.prepareThread();
		try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
			Conv2d conv = Conv2d.same3x3(Weights.fresh(m), in, out);
			for (int call = 0; call < 150; call++) {
				try (NDManager step = m.newSubManager()) {
					step.full(new Shape(1 << 16), Float.NaN).close(); // leave NaNs in memory libtorch will reuse
					NDArray x = step.randomUniform(-1f, 1f, new Shape(2, in, h, w));
					x.setRequiresGradient(true);
					NDArray y;
					try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
						y = conv.forward(x);
						gc.backward(y.square().mean());
					}
					assertFalse(x.getGradient().isNaN().any().getBoolean(), "NaN input gradient at call " + call);
					if (call == 0) {
						NDArray inference = conv.forward(x);
						assertEquals(0f, inference.sub(y).abs().max().getFloat(), 1e-6f, "padded forward differs");
						assertEquals(new Shape(2, out, h, w), y.getShape());
					}
				}
			}
		}
	}
}
