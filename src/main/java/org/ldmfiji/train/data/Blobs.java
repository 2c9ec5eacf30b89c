package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Irregular elliptical outlines (nuclei, cell bodies): an ellipse whose radius wobbles with a few low angular
 * harmonics, as real nuclei do. Shapes and placement are drawn in Java (a few numbers per object); their pixels in
 * libtorch, then added up in Java.
 */
final class Blobs {

	/** The angular harmonics k = 2..5 of the outline's wobble. */
	private static final int HARMONICS = 4;
	/** Width of an outline's antialiased edge in pixels. */
	private static final float EDGE = 0.5f;

	private final List<float[]> objects = new ArrayList<>();

	/** The number of objects. */
	int size() {
		return objects.size();
	}

	/** Centre x of object {@code i}. */
	float x(int i) {
		return objects.get(i)[0];
	}

	/** Centre y of object {@code i}. */
	float y(int i) {
		return objects.get(i)[1];
	}

	/** Mean radius (geometric mean of the semi-axes) of object {@code i}. */
	float radius(int i) {
		return (float) Math.sqrt(objects.get(i)[2] * objects.get(i)[3]);
	}

	/**
	 * Adds an object at ({@code x}, {@code y}) of mean radius {@code r}, minor/major axis ratio drawn from
	 * [{@code elongationMin}, 1], random orientation and an outline wobble of amplitude up to {@code irregularity}.
	 */
	void add(SplittableRandom random, double x, double y, double r, double elongationMin, double irregularity) {
		double e = random.nextDouble(elongationMin, 1.0000001);
		double theta = random.nextDouble(Math.PI);
		float[] o = new float[6 + 2 * HARMONICS];
		o[0] = (float) x;
		o[1] = (float) y;
		o[2] = (float) (r / Math.sqrt(e));
		o[3] = (float) (r * Math.sqrt(e));
		o[4] = (float) Math.cos(theta);
		o[5] = (float) Math.sin(theta);
		for (int k = 0; k < HARMONICS; k++) {
			// higher harmonics weaker, so outlines stay convex-ish blobs rather than stars
			o[6 + 2 * k] = (float) (irregularity * random.nextDouble() / (k + 1));
			o[7 + 2 * k] = (float) random.nextDouble(2 * Math.PI);
		}
		objects.add(o);
	}

	/**
	 * Where {@link #paint} works, kept from call to call (fresh window-sized arrays for every image cost more than the
	 * arithmetic on them): libtorch's inputs and the pixels' numbers. One caller at a time.
	 */
	static final class Scratch {
		final TensorCopies first = new TensorCopies(), second = new TensorCopies();
		float[] u = new float[0], v = new float[0], whole = new float[0], needed = new float[0], angles = new float[0];
		float[] phi = new float[0], root = new float[0], cosines = new float[0], coverage = new float[0];

		private static float[] atLeast(float[] a, int n) {
			return a.length >= n ? a : new float[Math.max(n, a.length + a.length / 2)];
		}
	}

	/**
	 * Paints the objects into the rows [{@code y0}, {@code y0 + rows}) and columns [{@code x0}, {@code x0 + cols}) of a
	 * {@code height × width} field: adds each object's brightness-weighted coverage to {@code sum} and raises {@code max}
	 * to its coverage, both {@code rows × cols} row-major and zero to begin with. Coverage is 1 inside an outline, 0
	 * outside, 0.5 on it, antialiased over about a pixel, computed on a window around each object ([N, S, S], S from the
	 * largest object): the work grows with the objects' area, not with the field's area times their number.
	 *
	 * <p>Each pixel's coverage is the number libtorch's ops on the [N, S, S] windows give, bit for bit. Products,
	 * quotients and sums, which Java rounds as libtorch does, run here, on the pixels asked for only; libtorch takes
	 * the square roots (not correctly rounded) and cosines, whose results do not depend on where a value sits in a
	 * tensor, and the atan2 and sigmoid on the whole [N, S, S] windows as before: their vectorised loops round a
	 * tensor's last few elements differently from the rest, so each pixel keeps its place (the places not asked for
	 * hold zeros).
	 */
	void paint(NDManager m, Scratch scratch, int height, int width, float[] brightness, int y0, int x0, int rows, int cols,
		float[] sum, float[] max) {
		int n = objects.size();
		if (n == 0) return;
		int reach = 0;
		for (float[] o : objects) {
			double wobble = 1;
			for (int k = 0; k < HARMONICS; k++) wobble += o[6 + 2 * k];
			reach = Math.max(reach, (int) Math.ceil(Math.max(o[2], o[3]) * wobble) + 2);
		}
		int side = 2 * reach + 1, area = side * side, all = n * area;
		// each window's part within the field and within the rows and columns asked for: [xa, xb) × [ya, yb)
		int[] xa = new int[n], xb = new int[n], ya = new int[n], yb = new int[n], ox = new int[n], oy = new int[n];
		int count = 0;
		for (int i = 0; i < n; i++) {
			float[] o = objects.get(i);
			ox[i] = (int) Math.floor(o[0]) - reach;
			oy[i] = (int) Math.floor(o[1]) - reach;
			xa[i] = Math.max(Math.max(0, ox[i]), x0);
			xb[i] = Math.max(xa[i], Math.min(Math.min(width, ox[i] + side), x0 + cols));
			ya[i] = Math.max(Math.max(0, oy[i]), y0);
			yb[i] = Math.max(ya[i], Math.min(Math.min(height, oy[i] + side), y0 + rows));
			count += (xb[i] - xa[i]) * (yb[i] - ya[i]);
		}
		if (count == 0) return;
		Shape windows = new Shape(n, side, side);
		float[] u = scratch.u = Scratch.atLeast(scratch.u, all);
		float[] v = scratch.v = Scratch.atLeast(scratch.v, all);
		float[] needed = scratch.needed = Scratch.atLeast(scratch.needed, count + n);
		Arrays.fill(u, 0, all, 0f);
		Arrays.fill(v, 0, all, 0f);
		// where the pixel is in the object's frame (u along its major axis, in units of the semi-axes), as
		// (dx cos θ + dy sin θ) / a and (dy cos θ − dx sin θ) / b with dx = column − x, dy = row − y; and u² + v²
		for (int i = 0, j = 0; i < n; i++) {
			float[] o = objects.get(i);
			float offsetX = ox[i] - o[0], offsetY = oy[i] - o[1], cos = o[4], sin = o[5], a = o[2], b = o[3];
			for (int y = ya[i]; y < yb[i]; y++) {
				float dy = (float) (y - oy[i]) + offsetY;
				for (int x = xa[i], e = i * area + (y - oy[i]) * side + x - ox[i]; x < xb[i]; x++, e++, j++) {
					float dx = (float) (x - ox[i]) + offsetX;
					float ue = (dx * cos + dy * sin) / a, ve = (dy * cos - dx * sin) / b;
					u[e] = ue;
					v[e] = ve;
					needed[j] = ue * ue + ve * ve;
				}
			}
		}
		for (int i = 0; i < n; i++) needed[count + i] = objects.get(i)[2] * objects.get(i)[3];
		try (NDManager scope = m.newSubManager()) {
			float[] phi = scratch.phi = Scratch.atLeast(scratch.phi, all);
			TensorCopies.read(scratch.second.shared(scope, v, windows).atan2(scratch.first.shared(scope, u, windows)), phi);
			// ρ of each pixel, then √(ab) of each object: the distance inside the outline is in radial units times it
			float[] root = scratch.root = Scratch.atLeast(scratch.root, count + n);
			TensorCopies.read(scratch.first.shared(scope, needed, new Shape(count + n)).sqrt(), root);
			float[] angles = scratch.angles = Scratch.atLeast(scratch.angles, HARMONICS * count);
			for (int i = 0, j = 0; i < n; i++) {
				float[] o = objects.get(i);
				for (int y = ya[i]; y < yb[i]; y++) {
					for (int x = xa[i], e = i * area + (y - oy[i]) * side + x - ox[i]; x < xb[i]; x++, e++, j++) {
						float angle = phi[e];
						for (int k = 0; k < HARMONICS; k++) angles[k * count + j] = angle * (k + 2f) + o[7 + 2 * k];
					}
				}
			}
			float[] cosines = scratch.cosines = Scratch.atLeast(scratch.cosines, HARMONICS * count);
			TensorCopies.read(scratch.second.shared(scope, angles, new Shape(HARMONICS * count)).cos(), cosines);
			// the outline's radius in that direction, 1 + Σ amplitude · cos(k φ + phase), less ρ, in pixels, over the edge's width
			float[] whole = scratch.whole = Scratch.atLeast(scratch.whole, all);
			Arrays.fill(whole, 0, all, 0f);
			for (int i = 0, j = 0; i < n; i++) {
				float[] o = objects.get(i);
				float scale = root[count + i];
				for (int y = ya[i]; y < yb[i]; y++) {
					for (int x = xa[i], e = i * area + (y - oy[i]) * side + x - ox[i]; x < xb[i]; x++, e++, j++) {
						float outline = 1f;
						for (int k = 0; k < HARMONICS; k++) outline = outline + cosines[k * count + j] * o[6 + 2 * k];
						whole[e] = (outline - root[j]) * scale / EDGE;
					}
				}
			}
			float[] coverage = scratch.coverage = Scratch.atLeast(scratch.coverage, all);
			TensorCopies.read(Activation.sigmoid(scratch.first.shared(scope, whole, windows)), coverage);
			for (int i = 0; i < n; i++) {
				float weight = brightness[i];
				for (int y = ya[i]; y < yb[i]; y++) {
					int window = (i * side + y - oy[i]) * side - ox[i], out = (y - y0) * cols - x0;
					for (int x = xa[i]; x < xb[i]; x++) {
						float c = coverage[window + x];
						sum[out + x] = sum[out + x] + c * weight;
						if (c > max[out + x]) max[out + x] = c;
					}
				}
			}
		}
	}
}
