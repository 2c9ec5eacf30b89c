package org.ldmfiji.train.data;

/** An endless, seeded stream of training crops of one fixed size. */
public interface ImageSource {

	LabelledImage next(java.util.SplittableRandom random);
}
