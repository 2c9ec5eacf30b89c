package org.ldmfiji.train;

import java.util.SplittableRandom;

/** Where an inpainting model's holes come from. */
public interface MaskSource {

	/** A hole mask, row-major height × width: 1 = hole (to be filled), 0 = kept. */
	float[] mask(int width, int height, SplittableRandom random);
}
