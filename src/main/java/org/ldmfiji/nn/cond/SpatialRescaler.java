package org.ldmfiji.nn.cond;

import ai.djl.ndarray.NDArray;
import org.ldmfiji.nn.Conv2d;
import org.ldmfiji.nn.Resample;
import org.ldmfiji.nn.Weights;

/**
 * encoders.SpatialRescaler: resizes a map (e.g. a one-hot label map) {@code n_stages} times by
 * {@code multiplier}, then optionally maps its channels with a 1x1 convolution ({@code channel_mapper}).
 */
public final class SpatialRescaler implements CondStage {

	private final int stages;
	private final double multiplier;
	private final String method;
	private final Conv2d channelMapper;

	public SpatialRescaler(Weights w, int stages, String method, double multiplier, int inChannels, Integer outChannels,
		boolean bias) {
		Resample.requireSupported(method);
		this.stages = stages;
		this.multiplier = multiplier;
		this.method = method;
		this.channelMapper = outChannels == null ? null
			: new Conv2d(w.sub("channel_mapper"), inChannels, outChannels, 1, 1, 0, bias);
	}

	@Override
	public NDArray forward(NDArray x) {
		NDArray h = x;
		for (int s = 0; s < stages; s++) h = Resample.interpolate(h, multiplier, method);
		return channelMapper == null ? h : channelMapper.forward(h);
	}
}
