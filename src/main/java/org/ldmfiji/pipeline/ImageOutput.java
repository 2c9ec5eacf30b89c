package org.ldmfiji.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;

/** Model output [B, 3, H, W] in [0, 1] → an RGB ImagePlus (one slice per batch item). */
public final class ImageOutput {

	private ImageOutput() {}

	public static ImagePlus rgb(NDArray images01, String title) {
		long b = images01.getShape().get(0);
		int h = (int) images01.getShape().get(2);
		int w = (int) images01.getShape().get(3);
		if (images01.getShape().get(1) != 3) throw new IllegalArgumentException("expected 3 channels, got " + images01.getShape());
		// quantise in libtorch; Java only moves whole planes
		byte[] bytes = images01.mul(255f).add(0.5f).floor().clip(0f, 255f).toType(DataType.UINT8, false).toByteArray();
		int plane = w * h;
		ImageStack stack = new ImageStack(w, h);
		for (int i = 0; i < b; i++) {
			ColorProcessor cp = new ColorProcessor(w, h);
			int base = i * 3 * plane;
			cp.setRGB(slice(bytes, base, plane), slice(bytes, base + plane, plane), slice(bytes, base + 2 * plane, plane));
			stack.addSlice("sample " + (i + 1), cp);
		}
		return new ImagePlus(title, stack);
	}

	private static byte[] slice(byte[] a, int from, int n) {
		byte[] out = new byte[n];
		System.arraycopy(a, from, out, 0, n);
		return out;
	}
}
