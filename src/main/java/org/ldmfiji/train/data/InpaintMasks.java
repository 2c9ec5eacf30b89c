package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Holes to train and test inpainting on: random boxes and free-form brush strokes (polylines of random turns and
 * widths), in the proportions given. Shapes are drawn from the caller's random numbers, so the same seed gives the same
 * mask; the strokes are rasterised in libtorch (each pixel's distance to each stroke segment).
 */
public final class InpaintMasks {

	/** Probability of a box (else strokes). */
	public final double boxProbability;
	/** A mask is redrawn until its hole covers a fraction of the image in this range (or 20 tries have passed). */
	public final double minFraction, maxFraction;

	public InpaintMasks(double boxProbability, double minFraction, double maxFraction) {
		if (!(boxProbability >= 0 && boxProbability <= 1)) throw new IllegalArgumentException("the box probability must be in [0, 1], got " + boxProbability);
		if (!(minFraction >= 0 && minFraction < maxFraction && maxFraction <= 1)) {
			throw new IllegalArgumentException("the hole fraction must satisfy 0 <= min < max <= 1, got " + minFraction + ".." + maxFraction);
		}
		this.boxProbability = boxProbability;
		this.minFraction = minFraction;
		this.maxFraction = maxFraction;
	}

	/** Half boxes, half strokes, covering 5 % to 45 % of the image. */
	public static InpaintMasks standard() {
		return new InpaintMasks(0.5, 0.05, 0.45);
	}

	/** A hole [1, 1, H, W], 1 = fill, 0 = keep, owned by {@code m}. */
	public NDArray next(NDManager m, int height, int width, SplittableRandom random) {
		if (height < 4 || width < 4) throw new IllegalArgumentException("masks need at least 4x4 pixels, not " + width + "x" + height);
		NDArray mask = null;
		// the kind is drawn once, so redrawing a hole of the wrong size does not change the mix of kinds
		boolean box = random.nextDouble() < boxProbability;
		for (int attempt = 0; attempt < 20; attempt++) {
			if (mask != null) mask.close();
			mask = box ? box(m, height, width, random) : strokes(m, height, width, random);
			double fraction = mask.mean().getFloat();
			if (fraction >= minFraction && fraction <= maxFraction) break;
		}
		return mask.reshape(1, 1, height, width);
	}

	/** As {@link #next(NDManager, int, int, SplittableRandom)}, as row-major pixels. */
	public float[] next(int height, int width, SplittableRandom random) {
		try (NDManager m = NDManager.newBaseManager()) {
			return next(m, height, width, random).toFloatArray();
		}
	}

	private static NDArray box(NDManager m, int height, int width, SplittableRandom random) {
		int h = random.nextInt(Math.max(2, height / 8), Math.max(3, height * 3 / 4));
		int w = random.nextInt(Math.max(2, width / 8), Math.max(3, width * 3 / 4));
		int y = random.nextInt(height - h + 1);
		int x = random.nextInt(width - w + 1);
		NDArray rows = inRange(m.arange(height), y, y + h).reshape(height, 1);
		NDArray cols = inRange(m.arange(width), x, x + w).reshape(1, width);
		return rows.mul(cols);
	}

	private static NDArray inRange(NDArray index, int from, int to) {
		return index.gte(from).logicalAnd(index.lt(to)).toType(DataType.FLOAT32, false);
	}

	/** 1–4 strokes of 3–9 segments each, brush width 3–12 % of the smaller side. */
	private static NDArray strokes(NDManager m, int height, int width, SplittableRandom random) {
		int side = Math.min(height, width);
		int strokes = random.nextInt(1, 5);
		int capacity = strokes * 9;
		float[] ax = new float[capacity], ay = new float[capacity], bx = new float[capacity], by = new float[capacity];
		float[] radius = new float[capacity];
		int n = 0;
		for (int s = 0; s < strokes; s++) {
			double x = random.nextDouble(width), y = random.nextDouble(height);
			double angle = random.nextDouble(2 * Math.PI);
			float r = (float) (side * random.nextDouble(0.015, 0.06));
			int segments = random.nextInt(3, 10);
			for (int k = 0; k < segments; k++) {
				angle += random.nextDouble(-1.2, 1.2);
				double length = side * random.nextDouble(0.05, 0.2);
				double nx = Math.max(0, Math.min(width - 1, x + length * Math.cos(angle)));
				double ny = Math.max(0, Math.min(height - 1, y + length * Math.sin(angle)));
				ax[n] = (float) x;
				ay[n] = (float) y;
				bx[n] = (float) nx;
				by[n] = (float) ny;
				radius[n++] = r;
				x = nx;
				y = ny;
			}
		}
		Shape perSegment = new Shape(n, 1, 1);
		NDArray px = m.arange(width).toType(DataType.FLOAT32, false).reshape(1, 1, width);
		NDArray py = m.arange(height).toType(DataType.FLOAT32, false).reshape(1, height, 1);
		NDArray x0 = m.create(java.util.Arrays.copyOf(ax, n), perSegment);
		NDArray y0 = m.create(java.util.Arrays.copyOf(ay, n), perSegment);
		NDArray dx = m.create(java.util.Arrays.copyOf(bx, n), perSegment).sub(x0);
		NDArray dy = m.create(java.util.Arrays.copyOf(by, n), perSegment).sub(y0);
		// the closest point of each segment to each pixel: a + t·(b − a), t clipped to [0, 1]
		NDArray t = px.sub(x0).mul(dx).add(py.sub(y0).mul(dy)).div(dx.square().add(dy.square()).add(1e-6f)).clip(0f, 1f);
		NDArray ex = px.sub(x0.add(t.mul(dx)));
		NDArray ey = py.sub(y0.add(t.mul(dy)));
		NDArray r = m.create(java.util.Arrays.copyOf(radius, n), perSegment);
		return ex.square().add(ey.square()).lte(r.square()).toType(DataType.FLOAT32, false).max(new int[] {0});
	}
}
