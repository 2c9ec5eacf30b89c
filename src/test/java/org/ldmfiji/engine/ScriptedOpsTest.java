package org.ldmfiji.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.junit.jupiter.api.Test;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/** The TorchScript helper the project writes itself: it loads, casts and computes what the composed ops compute. */
class ScriptedOpsTest extends ManagerPerClassTest {

	@Test
	void archiveHoldsTheMinimalEntriesUnderOneFolder() throws Exception {
		byte[] zip = TorchScriptArchive.write(ScriptedOps.CLASS_NAME, ScriptedOps.SOURCE);
		List<String> names = new ArrayList<>();
		String version = null;
		try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
			for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
				names.add(e.getName());
				assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
				if (e.getName().endsWith("/version")) version = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
			}
		}
		assertEquals(List.of("archive/data.pkl", "archive/code/__torch__.py", "archive/constants.pkl", "archive/version"), names);
		assertEquals("3\n", version);
	}

	@Test
	void refusesASourceWithoutTheClass() {
		assertThrows(IllegalArgumentException.class, () -> TorchScriptArchive.write("Other", ScriptedOps.SOURCE));
		assertThrows(IllegalArgumentException.class, () -> TorchScriptArchive.write("not a name", ScriptedOps.SOURCE));
	}

	@Test
	void bfloat16RoundTripRoundsToEightBitsOfMantissa() {
		NDArray x = manager.create(new float[] {1f, 1.00390625f, 1.01171875f, -3.3f, 65504f, 1e-20f});
		NDArray b = ScriptedOps.toBfloat16(x);
		assertEquals(DataType.UNKNOWN, b.getDataType(), "DJL has no name for bfloat16");
		assertEquals(x.getShape(), b.getShape());
		float[] back = ScriptedOps.toFloat32(b).toFloatArray();
		// 1 + 2^-8 is a tie and rounds to even (1); 1 + 3·2^-8 rounds up to 1 + 2^-6; others to the nearest bfloat16
		assertArrayEquals(new float[] {1f, 1f, 1.015625f, -3.296875f, 65536f, 1.0005577e-20f}, back, 0f);
		float[] exact = ScriptedOps.toFloat32(ScriptedOps.toBfloat16(ScriptedOps.toFloat32(b))).toFloatArray();
		assertArrayEquals(back, exact, 0f, "a bfloat16 value survives a second round trip exactly");
	}

	@Test
	void djlOpsRunOnBfloat16Tensors() {
		NDArray x = manager.randomNormal(new Shape(1, 8, 6, 6));
		// 16 output channels: libtorch 2.7.1's bfloat16 3x3 convolution is wrong for other counts (nn.Conv2d pads them)
		NDArray w = manager.randomNormal(new Shape(16, 8, 3, 3)).mul(0.2f);
		NDArray bias = manager.randomNormal(new Shape(16));
		NDArray expected = conv(x, w, bias);
		NDArray actual = ScriptedOps.toFloat32(conv(ScriptedOps.toBfloat16(x), ScriptedOps.toBfloat16(w), ScriptedOps.toBfloat16(bias)));
		double err = maxAbs(actual.sub(expected)) / maxAbs(expected);
		assertTrue(err < 2e-2, "bfloat16 conv relative error " + err);
		assertTrue(err > 0, "the conv really ran in bfloat16");
	}

	@Test
	void groupNormEqualsTheComposedFloat32GroupNorm() {
		NDArray x = manager.randomNormal(2f, 3f, new Shape(2, 64, 5, 7), DataType.FLOAT32);
		NDArray gamma = manager.randomNormal(new Shape(64));
		NDArray beta = manager.randomNormal(new Shape(64));
		NDArray composed = composedGroupNorm(x, 32, gamma, beta, 1e-6f);
		NDArray fused = ScriptedOps.groupNorm(x, 32, gamma, beta, 1e-6);
		assertEquals(DataType.FLOAT32, fused.getDataType());
		assertTrue(maxAbs(fused.sub(composed)) < 1e-5, "fp32 fused vs composed: " + maxAbs(fused.sub(composed)));
		NDArray fusedSilu = ScriptedOps.groupNormSilu(x, 32, gamma, beta, 1e-6);
		NDArray composedSilu = composed.mul(composed.getNDArrayInternal().sigmoid());
		assertTrue(maxAbs(fusedSilu.sub(composedSilu)) < 1e-5);

		NDArray bf = ScriptedOps.toFloat32(ScriptedOps.groupNorm(ScriptedOps.toBfloat16(x), 32, gamma, beta, 1e-6));
		double err = maxAbs(bf.sub(composed)) / maxAbs(composed);
		assertTrue(err < 2e-2, "bfloat16 group norm (float32 statistics and affine) relative error " + err);
	}

	@Test
	void siluEqualsXTimesSigmoid() {
		NDArray x = manager.randomNormal(0f, 4f, new Shape(3, 1000), DataType.FLOAT32);
		NDArray expected = x.mul(x.getNDArrayInternal().sigmoid());
		assertTrue(maxAbs(ScriptedOps.silu(x).sub(expected)) < 1e-5);
		NDArray bf = ScriptedOps.toFloat32(ScriptedOps.silu(ScriptedOps.toBfloat16(x)));
		assertTrue(maxAbs(bf.sub(expected)) / maxAbs(expected) < 1e-2);
	}

	@Test
	void softmaxOfBfloat16ComesBackAsFloat32() {
		NDArray s = manager.randomNormal(new Shape(2, 5, 9));
		NDArray p = ScriptedOps.softmaxFloat32(ScriptedOps.toBfloat16(s), -1);
		assertEquals(DataType.FLOAT32, p.getDataType());
		assertTrue(maxAbs(p.sub(s.softmax(-1))) < 1e-2);
		assertTrue(maxAbs(p.sum(new int[] {-1}).sub(1f)) < 1e-5, "rows sum to one in float32");
	}

	@Test
	void channelsLastKeepsValuesAndConvolutions() {
		NDArray x = manager.randomNormal(new Shape(1, 16, 4, 4));
		NDArray w = manager.randomNormal(new Shape(8, 16, 3, 3));
		NDArray cl = ScriptedOps.channelsLast(x);
		assertEquals(x.getShape(), cl.getShape());
		assertEquals(0.0, maxAbs(cl.sub(x)));
		assertTrue(maxAbs(conv(cl, ScriptedOps.channelsLast(w), null).sub(conv(x, w, null))) < 1e-4);
	}

	private static NDArray conv(NDArray x, NDArray w, NDArray b) {
		return Conv2d.conv2d(x, w, b, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
	}

	private static NDArray composedGroupNorm(NDArray x, int groups, NDArray gamma, NDArray beta, float eps) {
		Shape s = x.getShape();
		NDArray g = x.reshape(s.get(0), groups, -1);
		NDArray mean = g.mean(new int[] {2}, true);
		NDArray var = g.sub(mean).square().mean(new int[] {2}, true);
		NDArray n = g.sub(mean).div(var.add(eps).sqrt()).reshape(s);
		return n.mul(gamma.reshape(1, -1, 1, 1)).add(beta.reshape(1, -1, 1, 1));
	}

	private static double maxAbs(NDArray a) {
		return a.abs().max().toType(DataType.FLOAT64, false).getDouble();
	}

}
