package org.ldmfiji.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** How a fresh (untrained) parameter is filled; follows the defaults of the corresponding torch layer. */
public abstract class Init {

	abstract NDArray create(NDManager manager, Shape shape);

	/** U(-bound, bound): torch's default for conv/linear weights and biases (bound = 1/sqrt(fan_in)). */
	public static Init uniform(double bound) {
		return new Init() {
			@Override
			NDArray create(NDManager m, Shape s) {
				return m.randomUniform((float) -bound, (float) bound, s);
			}
		};
	}

	/** torch's default for weight and bias of a layer with the given fan-in. */
	public static Init fanIn(long fanIn) {
		return uniform(1.0 / Math.sqrt(fanIn));
	}

	public static Init normal(double std) {
		return new Init() {
			@Override
			NDArray create(NDManager m, Shape s) {
				return m.randomNormal(0f, (float) std, s, ai.djl.ndarray.types.DataType.FLOAT32);
			}
		};
	}

	public static Init ones() {
		return new Init() {
			@Override
			NDArray create(NDManager m, Shape s) {
				return m.ones(s);
			}
		};
	}

	public static Init zeros() {
		return new Init() {
			@Override
			NDArray create(NDManager m, Shape s) {
				return m.zeros(s);
			}
		};
	}
}
