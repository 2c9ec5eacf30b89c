package org.ldmfiji.cli;

import org.ldmfiji.diffusion.Samplers;
import org.ldmfiji.pipeline.SamplingSettings;
import picocli.CommandLine.Option;

import java.util.Iterator;

/** The sampling options every task shares. Unset options fall back to the model's or the task's defaults. */
final class SamplingOptions {

	@Option(names = "--sampler", paramLabel = "NAME", completionCandidates = SamplerNames.class,
		description = "sampler: ${COMPLETION-CANDIDATES} (default: the model's, else ddim)")
	String sampler;

	@Option(names = "--steps", paramLabel = "N", description = "sampling steps (default: the model's, else 50)")
	Integer steps;

	@Option(names = "--eta", paramLabel = "E", description = "DDIM eta, 0 = deterministic (default: the model's, else 0)")
	Double eta;

	@Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
	long seed;

	@Option(names = {"--guidance", "--scale"}, paramLabel = "G",
		description = "classifier-free guidance scale, 1 = none (default: the model's, else 1)")
	Double guidance;

	@Option(names = "--tile-size", paramLabel = "PX",
		description = "side of a tile in pixels of the result (default: the model's, else as large as the memory budget allows)")
	Integer tileSize;

	@Option(names = "--max-memory", paramLabel = "MIB",
		description = "memory budget of one tile's work in MiB: sets the tile size where the model and --tile-size leave it "
			+ "open, and how many tiles go through the denoiser in one call (default: an eighth of physical memory)")
	Long maxMemory;

	@Option(names = "--preserve-mean", negatable = true,
		description = "super-resolution: keep the input's local mean intensity, so that the result, area-downsampled, keeps the "
			+ "input's brightness; inpainting: give the fill the local mean level of the kept pixels around it "
			+ "(default: the model's, else off as in the reference)")
	Boolean preserveMean;

	@Option(names = "--match-noise", paramLabel = "S",
		description = "inpainting: give the fill this share (0 to 1) of the camera noise of the pixels around it, so that its border "
			+ "does not show; 0 = a smooth fill, as the reference (default: the model's, else 0)")
	Double matchNoise;

	/** The sampler names for the help text, from the one list the pipeline accepts. */
	static final class SamplerNames implements Iterable<String> {
		@Override
		public Iterator<String> iterator() {
			return Samplers.names().iterator();
		}
	}

	/** The settings, on top of defaults (a model card's, a task's). */
	SamplingSettings.Builder apply(SamplingSettings.Builder defaults) {
		if (sampler != null) defaults.sampler(sampler);
		if (steps != null) defaults.steps(steps);
		if (eta != null) defaults.eta(eta);
		if (guidance != null) defaults.guidanceScale(guidance);
		if (tileSize != null) defaults.tileSize(tileSize);
		if (maxMemory != null) defaults.maxMemoryMiB(maxMemory);
		if (preserveMean != null) defaults.preserveMean(preserveMean);
		if (matchNoise != null) defaults.matchNoise(matchNoise);
		return defaults.seed(seed);
	}
}
