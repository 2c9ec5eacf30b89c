package org.ldmfiji.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ldmfiji.engine.Bf16Support;
import org.ldmfiji.engine.ScriptedOps;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.util.Map;

/** Precision names, the fallback, and the modules that compute in bfloat16 against their float32 selves. */
class PrecisionTest extends ManagerPerClassTest {

	@Test
	void parsesWhatUsersType() {
		assertSame(Precision.FP32, Precision.of("fp32"));
		assertSame(Precision.BF16, Precision.of(" BF16 "));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.of("fp16"));
		assertEquals("precision 'fp16' not understood; expected fp32 or bf16", e.getMessage());
	}

	@Test
	void bf16FallsBackToFp32WhereUnsupported() {
		assertSame(Precision.FP32, Precision.FP32.supported());
		assertSame(Bf16Support.available() ? Precision.BF16 : Precision.FP32, Precision.BF16.supported());
	}

	@Test
	void fp32PassesArraysThrough() {
		NDArray x = manager.randomNormal(new Shape(2, 3));
		assertSame(x, Precision.FP32.cast(x));
		assertSame(x, Precision.FP32.toFloat32(x));
	}

	@Test
	void weightsAreCastOnceAndTheFloat32OriginalsKept() {
		assumeTrue(Bf16Support.available(), "no bfloat16 here");
		try (NDManager m = manager.newSubManager()) {
			Weights w = Weights.load(Map.of("l.weight", m.randomNormal(new Shape(4, 3))), "test", m, false, Precision.BF16);
			Weights l = w.sub("l");
			assertSame(Precision.BF16, l.precision());
			NDArray cast = l.param("weight", Init.ones(), 4, 3);
			assertSame(cast, l.param("weight", Init.ones(), 4, 3), "cast once");
			assertEquals(DataType.UNKNOWN, cast.getDataType(), "bfloat16, which DJL cannot name");
			NDArray original = l.float32().param("weight", Init.ones(), 4, 3);
			assertEquals(DataType.FLOAT32, original.getDataType());
			assertSame(original, w.taken().get("l.weight"), "what a trainer or a saver sees stays float32");
			assertTrue(ScriptedOps.toFloat32(cast).sub(original).abs().max().getFloat() < 1e-2);
		}
	}

	/**
	 * Every output channel count, including those libtorch 2.7.1's bfloat16 convolution gets wrong unless padded
	 * (4 and 3 are the models' last convolutions).
	 */
	@ParameterizedTest(name = "{0} output channels")
	@ValueSource(ints = {3, 4, 8, 16, 20, 32})
	void bf16ConvolutionAgreesWithFp32(int out) {
		assumeTrue(Bf16Support.available(), "no bfloat16 here");
		try (NDManager m = manager.newSubManager()) {
			NDArray w = m.randomNormal(new Shape(out, 64, 3, 3)).mul(1f / 24);
			NDArray b = m.randomNormal(new Shape(out));
			Map<String, NDArray> tensors = Map.of("c.weight", w, "c.bias", b);
			Conv2d fp32 = Conv2d.same3x3(Weights.load(tensors, "test", m, false).sub("c"), 64, out);
			Conv2d bf16 = Conv2d.same3x3(Weights.load(tensors, "test", m, false, Precision.BF16).sub("c"), 64, out);
			NDArray x = m.randomNormal(new Shape(1, 64, 16, 16));
			NDArray expected = fp32.forward(x);
			NDArray actual = ScriptedOps.toFloat32(bf16.forward(ScriptedOps.toBfloat16(x)));
			assertEquals(expected.getShape(), actual.getShape());
			double err = actual.sub(expected).abs().max().getFloat() / expected.abs().max().getFloat();
			assertTrue(err < 1e-2, out + " channels: relative error " + err);
		}
	}

	@Test
	void bf16GroupNormKeepsFloat32AffineWeights() {
		assumeTrue(Bf16Support.available(), "no bfloat16 here");
		try (NDManager m = manager.newSubManager()) {
			Map<String, NDArray> tensors = Map.of("n.weight", m.randomNormal(new Shape(64)), "n.bias", m.randomNormal(new Shape(64)));
			Weights bf = Weights.load(tensors, "test", m, false, Precision.BF16).sub("n");
			GroupNorm fp32 = GroupNorm.of32(Weights.load(tensors, "test", m, false).sub("n"), 64, 1e-6f);
			GroupNorm bf16 = GroupNorm.of32(bf, 64, 1e-6f);
			assertEquals(DataType.FLOAT32, bf.float32().param("weight", Init.ones(), 64).getDataType());
			NDArray x = m.randomNormal(3f, 2f, new Shape(1, 64, 8, 8), DataType.FLOAT32);
			NDArray expected = Activations.silu(fp32.forward(x));
			assertTrue(fp32.forwardSilu(x).sub(expected).abs().max().getFloat() < 1e-6, "fp32: norm then SiLU");
			NDArray actual = ScriptedOps.toFloat32(bf16.forwardSilu(ScriptedOps.toBfloat16(x)));
			double err = actual.sub(expected).abs().max().getFloat() / expected.abs().max().getFloat();
			assertTrue(err < 1e-2, "relative error " + err);
		}
	}
}
