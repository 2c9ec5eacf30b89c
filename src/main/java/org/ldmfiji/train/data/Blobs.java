package org.ldmfiji.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Irregular elliptical outlines (nuclei, cell bodies): an ellipse whose radius wobbles with a few low angular
 * harmonics, as real nuclei do. Shapes and placement are drawn in Java (a few numbers per object); their pixels in
 * libtorch.
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
	 * Paints the objects into a {@code height × width} field: {brightness-weighted sum of the objects' coverage, the
	 * largest coverage of any object}, both [H, W]. Coverage is 1 inside an outline, 0 outside, 0.5 on it, antialiased
	 * over about a pixel. All objects' pixels are computed at once on windows around them ([N, S, S]), then each window
	 * is added to the field: the work grows with the objects' area, not with the field's area times their number.
	 */
	NDList paint(NDManager m, int height, int width, float[] brightness) {
		NDArray sum = m.zeros(new Shape(height, width));
		NDArray max = m.zeros(new Shape(height, width));
		int n = objects.size();
		if (n == 0) return new NDList(sum, max);
		int reach = 0;
		for (float[] o : objects) {
			double wobble = 1;
			for (int k = 0; k < HARMONICS; k++) wobble += o[6 + 2 * k];
			reach = Math.max(reach, (int) Math.ceil(Math.max(o[2], o[3]) * wobble) + 2);
		}
		int side = 2 * reach + 1;
		float[][] columns = new float[6 + 2 * HARMONICS][n];
		float[] offsetX = new float[n];
		float[] offsetY = new float[n];
		int[][] origin = new int[n][2];
		for (int i = 0; i < n; i++) {
			float[] o = objects.get(i);
			for (int j = 0; j < columns.length; j++) columns[j][i] = o[j];
			origin[i][0] = (int) Math.floor(o[0]) - reach;
			origin[i][1] = (int) Math.floor(o[1]) - reach;
			offsetX[i] = origin[i][0] - o[0];
			offsetY[i] = origin[i][1] - o[1];
		}
		Shape perObject = new Shape(n, 1, 1);
		NDArray steps = m.arange(side).toType(DataType.FLOAT32, false);
		NDArray dx = steps.reshape(1, 1, side).add(m.create(offsetX, perObject));
		NDArray dy = steps.reshape(1, side, 1).add(m.create(offsetY, perObject));
		NDArray cos = m.create(columns[4], perObject);
		NDArray sin = m.create(columns[5], perObject);
		NDArray a = m.create(columns[2], perObject);
		NDArray b = m.create(columns[3], perObject);
		NDArray u = dx.mul(cos).add(dy.mul(sin)).div(a);
		NDArray v = dy.mul(cos).sub(dx.mul(sin)).div(b);
		NDArray rho = u.square().add(v.square()).sqrt();
		NDArray phi = v.atan2(u);
		NDArray outline = m.ones(perObject);
		for (int k = 0; k < HARMONICS; k++) {
			NDArray amplitude = m.create(columns[6 + 2 * k], perObject);
			NDArray phase = m.create(columns[7 + 2 * k], perObject);
			outline = outline.add(phi.mul(k + 2f).add(phase).cos().mul(amplitude));
		}
		// distance inside the outline in pixels, approximately: radial units times the mean radius
		NDArray cover = Activation.sigmoid(outline.sub(rho).mul(a.mul(b).sqrt()).div(EDGE));
		NDArray weighted = cover.mul(m.create(brightness, perObject));
		for (int i = 0; i < n; i++) {
			int x0 = Math.max(0, origin[i][0]), x1 = Math.min(width, origin[i][0] + side);
			int y0 = Math.max(0, origin[i][1]), y1 = Math.min(height, origin[i][1] + side);
			if (x0 >= x1 || y0 >= y1) continue;
			NDIndex field = new NDIndex("{}:{}, {}:{}", y0, y1, x0, x1);
			NDIndex window = new NDIndex("{}, {}:{}, {}:{}", i, y0 - origin[i][1], y1 - origin[i][1], x0 - origin[i][0], x1 - origin[i][0]);
			sum.set(field, sum.get(field).add(weighted.get(window)));
			max.set(field, max.get(field).maximum(cover.get(window)));
		}
		return new NDList(sum, max);
	}
}
