package org.ldmfiji.parity;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.ldmfiji.engine.Scoped;
import org.ldmfiji.testing.Fixtures;
import org.ldmfiji.testing.ManagerPerClassTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs every case folder under the fixtures root (default: the copy in the test resources;
 * {@code -Dldm.fixtures=DIR} replaces it) through the project's own loaders, networks and samplers and
 * compares every tensor the folder holds with the reference's, at the fixture README's tolerances.
 * A folder that cannot be loaded, a tensor that cannot be reproduced or is not understood, or a folder with nothing
 * to compare fails.
 */
class ReferenceParityTest extends ManagerPerClassTest {

	static Stream<Arguments> cases() throws IOException {
		Path root = Fixtures.root();
		List<Path> dirs;
		try (Stream<Path> s = Files.list(root)) {
			dirs = s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
		}
		assertFalse(dirs.isEmpty(), "no case folders under " + root);
		return dirs.stream().map(d -> Arguments.of(d.getFileName().toString(), d));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void reproducesEveryReferenceTensor(String name, Path dir) throws Exception {
		try (NDManager caseManager = manager.newSubManager(); ParityCase c = ParityCase.load(name, dir, caseManager)) {
			List<String> failures = new ArrayList<>();
			List<String> unknown = new ArrayList<>(c.expectedNames());
			unknown.removeAll(c.inputs());
			unknown.removeAll(c.checks().keySet());
			if (!unknown.isEmpty()) failures.add("tensors this test does not know how to reproduce: " + unknown);
			int compared = 0;
			for (String tensor : c.checks().keySet()) {
				if (!c.expectedNames().contains(tensor)) continue;
				compared++;
				try (NDManager step = caseManager.newSubManager()) {
					ParityCase.Check check = c.checks().get(tensor);
					NDArray actual = Scoped.keep(step, () -> check.compute(step));
					NDArray expected = c.expected(tensor);
					double tol = ParityCase.tolerance(tensor);
					if (!actual.getShape().equals(expected.getShape())) {
						failures.add(tensor + ": shape " + actual.getShape() + ", reference " + expected.getShape());
						continue;
					}
					double err = c.error(tensor, actual, expected);
					System.out.printf("%s %-22s max |Δ|/max|ref| = %.3e (tolerance %.0e)%n", name, tensor, err, tol);
					if (!(err <= tol)) failures.add(String.format("%s: relative error %.3e > %.0e", tensor, err, tol));
				} catch (RuntimeException e) {
					failures.add(tensor + ": " + e);
				}
			}
			failures.addAll(c.scalarMismatches()); // after the samplers ran: it checks the timesteps they used
			if (compared == 0) failures.add("the folder holds no reference tensor to compare, only inputs");
			assertTrue(failures.isEmpty(), name + ": " + String.join("; ", failures));
		}
	}
}
