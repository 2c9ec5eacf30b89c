package org.ldmfiji.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDManager;
import ij.ImagePlus;
import ij.io.Opener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.ldmfiji.engine.Inference;
import org.ldmfiji.nn.LatentDiffusion;
import org.ldmfiji.pipeline.model.ModelFolder;
import org.ldmfiji.pipeline.model.ModelLoader;
import org.ldmfiji.pipeline.model.ModelRegistry;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Super-resolution quality of sampling recipes on held-out ground-truth images: a measurement, run on request only,
 * e.g. {@code mvn test -Dtest=SamplerQualityMeasurement -Dscijava.surefire.args="-Xmx4g -Dai.djl.offline=true
 * -Dldm.quality.images=DIR -Dldm.quality.model=NAME"}. Optional: {@code -Dldm.quality.recipes=ddim:100:1,dpmpp2m:20}
 * (the first is the baseline; this is the default), {@code -Dldm.quality.seed=0}. It prints the PSNR table and the
 * mean difference to the baseline, and asserts nothing about quality or time (the target, within 0.3 dB, is
 * read off the printout).
 */
@EnabledIfSystemProperty(named = "ldm.quality.images", matches = ".+")
class SamplerQualityMeasurement extends ManagerPerClassTest {

	@Test
	void psnrOfEachRecipeAgainstGroundTruth() throws Exception {
		Path dir = Path.of(System.getProperty("ldm.quality.images"));
		List<SamplerQuality.Recipe> recipes = Arrays.stream(System.getProperty("ldm.quality.recipes", "ddim:100:1,dpmpp2m:20")
			.split(",")).map(SamplerQuality.Recipe::parse).collect(Collectors.toList());
		long seed = Long.parseLong(System.getProperty("ldm.quality.seed", "0"));
		List<ImagePlus> truth = new ArrayList<>();
		try (Stream<Path> files = Files.list(dir)) {
			for (Path f : files.sorted().collect(Collectors.toList())) {
				ImagePlus imp = new Opener().openImage(f.toString());
				if (imp != null) truth.add(imp);
			}
		}
		assertFalse(truth.isEmpty(), "no image ImageJ can open in " + dir);
		ModelFolder folder = ModelRegistry.standard().resolve(System.getProperty("ldm.quality.model"), Task.SR);
		Inference.prepareThread();
		try (NDManager m = manager.newSubManager(); LatentDiffusion model = ModelLoader.load(folder, false, m).model()) {
			ImageTasks tasks = new ImageTasks(model, folder.name(), m);
			SamplerQuality.Report r = SamplerQuality.compare(tasks, SuperResolution.scale(model), truth, recipes, seed);
			System.out.printf(Locale.ROOT, "model %s, %d images from %s, seed %d, load average %.2f%n%s", folder.name(), truth.size(),
				dir, seed, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), r.format());
		}
	}
}
