package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ldmfiji.pipeline.model.BundledModels;
import org.ldmfiji.testing.ManagerPerClassTest;

/**
 * A seeded mutation fuzzer over the reference fixtures and the bundled models: byte flips anywhere and in the
 * structures (zip headers and directory, the pickle, the safetensors header), truncations, pickle opcode mutations,
 * and flipped tensor bytes in archives whose CRCs were recomputed afterwards (a hostile editor's work).
 * <p>
 * Every outcome must be one of: a refusal ({@link CheckpointFormatException}, one line, starting with the file's
 * path); a load equal to the original (keys, types, shapes, every byte, metadata); or a load that differs only where
 * the file has no integrity check: anywhere after a change to a safetensors header or to a pickle whose CRC was
 * recomputed, and only in the tensors over the changed bytes after a change to tensor data alone. Anything else
 * (another exception, a crash, a leaked array, a silently different tensor of a CRC-checked archive) fails.
 * <p>
 * {@value #DEFAULT_CASES} cases by default; {@code -Dldm.fuzz.cases=N} runs N, {@code -Dldm.fuzz.seed=S} others.
 * The outcome counts and the process's peak RSS are printed.
 */
class CheckpointFuzzTest extends ManagerPerClassTest {

	private static final int DEFAULT_CASES = 300;
	private static final int MAX_REPORTED = 30;

	/** Which tensors a mutant may load differently: none, all, or those listed. */
	private static final Set<String> ANY = Collections.unmodifiableSet(new HashSet<>(List.of("<any>")));
	private static final Set<String> NONE = Collections.emptySet();

	private static final List<Original> originals = new ArrayList<>();

	@TempDir
	Path dir;

	/** A checkpoint as it is, and what it loads as. */
	private static final class Original {
		final String name;
		final byte[] bytes;
		final boolean torch;
		Map<String, String> digests;
		Map<String, Object> metadata;
		// torch archives
		final Map<String, byte[]> records = new LinkedHashMap<>();
		String pickleName;
		List<Integer> ops;
		final Map<String, List<String>> tensorsOfRecord = new TreeMap<>();
		/** Local headers ([start, end) of each) and the pickle's data: bytes a structural flip may hit. */
		final List<long[]> structure = new ArrayList<>();
		// safetensors
		long dataStart;
		final Map<String, long[]> tensorBytes = new LinkedHashMap<>();

		Original(String name, byte[] bytes) {
			this.name = name;
			this.bytes = bytes;
			this.torch = bytes.length > 4 && bytes[0] == 'P' && bytes[1] == 'K';
		}
	}

	/** One mutated file and what it may load as. */
	private static final class Mutant {
		final String family;
		final String detail;
		final byte[] bytes;
		final Set<String> mayDiffer;

		Mutant(String family, String detail, byte[] bytes, Set<String> mayDiffer) {
			this.family = family;
			this.detail = detail;
			this.bytes = bytes;
			this.mayDiffer = mayDiffer;
		}
	}

	@BeforeAll
	static void readOriginals() throws IOException, NoSuchAlgorithmException {
		Set<String> seen = new HashSet<>();
		for (Path file : sources()) {
			byte[] bytes = Files.readAllBytes(file);
			String sha = Arrays.toString(MessageDigest.getInstance("SHA-256").digest(bytes));
			if (!seen.add(sha)) continue; // the bundled models include copies of fixtures
			Original o = new Original(file.getParent().getFileName() + "/" + file.getFileName(), bytes);
			try (StateDict sd = Checkpoints.load(file, manager)) {
				o.digests = digests(sd);
				o.metadata = sd.metadata();
			}
			if (o.torch) describeArchive(file, o);
			else describeSafetensors(file, o);
			originals.add(o);
		}
		assertTrue(originals.size() >= 4, "found " + originals.size() + " checkpoints to fuzz");
	}

	/** The reference fixtures' and the bundled models' weights. */
	private static List<Path> sources() throws IOException {
		List<Path> files = new ArrayList<>();
		try (Stream<Path> cases = Files.list(IoTestSupport.resource("ldm-reference"))) {
			for (Path c : cases.sorted().collect(Collectors.toList()))
				for (String name : List.of("model.ckpt", "model.safetensors"))
					if (Files.isRegularFile(c.resolve(name))) files.add(c.resolve(name));
		}
		// the bundled models (plugin and tests), in place on the file class path: nothing is extracted
		BundledModels bundled = new BundledModels(CheckpointFuzzTest.class.getClassLoader(), Paths.get("target", "unused-cache"));
		for (String model : bundled.names()) files.add(bundled.open(model).weights());
		return files;
	}

	private static void describeArchive(Path file, Original o) throws IOException {
		try (ZipFile zip = new ZipFile(file.toFile())) {
			for (ZipEntry e : Collections.list(zip.entries()))
				try (InputStream in = zip.getInputStream(e)) {
					o.records.put(e.getName(), in.readAllBytes());
				}
		}
		try (TorchZip zip = TorchZip.open(file, true, LoadLimits.DEFAULT)) {
			o.pickleName = zip.pickleName();
			String prefix = o.pickleName.substring(0, o.pickleName.length() - "data.pkl".length());
			TorchCheckpointContents contents = TorchCheckpointContents.of(file,
				new RestrictedUnpickler(zip.pickle(), file.toString(), new TorchPickleResolver()).load());
			for (Map.Entry<String, LazyTensor> t : contents.tensors.entrySet())
				o.tensorsOfRecord.computeIfAbsent(prefix + "data/" + t.getValue().storage.key, k -> new ArrayList<>()).add(t.getKey());
		}
		o.ops = PickleOps.starts(o.records.get(o.pickleName));
		try (MappedFile mapped = MappedFile.open(file, false, LoadLimits.DEFAULT)) {
			ZipDirectory directory = ZipDirectory.read(mapped, LoadLimits.DEFAULT);
			long end = 0;
			for (ZipDirectory.Record r : directory.records.values()) {
				directory.locate(r);
				o.structure.add(new long[] { r.localHeaderOffset, r.dataOffset });
				if (r.name.equals(o.pickleName)) o.structure.add(new long[] { r.dataOffset, r.dataOffset + r.size });
				end = Math.max(end, r.dataOffset + r.compressedSize);
			}
			o.structure.add(new long[] { end, o.bytes.length }); // the central directory and its end records
		}
	}

	private static void describeSafetensors(Path file, Original o) throws IOException {
		try (MappedFile mapped = MappedFile.open(file, false, LoadLimits.DEFAULT)) {
			SafetensorsHeader header = SafetensorsHeader.read(file, mapped);
			o.dataStart = header.dataStart;
			for (SafetensorsHeader.Entry e : header.entries.values())
				o.tensorBytes.put(e.name, new long[] { header.dataStart + e.begin, header.dataStart + e.end });
		}
	}

	/** Per key: type, shape and a checksum of the loaded bytes, in file order. */
	private static Map<String, String> digests(StateDict sd) {
		Map<String, String> d = new LinkedHashMap<>();
		for (Map.Entry<String, NDArray> e : sd.tensors().entrySet()) {
			CRC32C crc = new CRC32C();
			crc.update(e.getValue().toByteArray());
			d.put(e.getKey(), e.getValue().getDataType() + " " + e.getValue().getShape() + " " + crc.getValue());
		}
		return d;
	}

	// --- mutations ---

	private static Mutant mutate(Original o, Random r) throws IOException {
		int pick = r.nextInt(100);
		if (o.torch) {
			if (pick < 20) return flip(o, r, "flip", 0, o.bytes.length);
			if (pick < 45) {
				long[] region = o.structure.get(r.nextInt(o.structure.size()));
				return flip(o, r, "flip-structure", region[0], region[1]);
			}
			if (pick < 55) return truncate(o, r);
			if (pick < 85) return pickleOp(o, r);
			return sealedData(o, r);
		}
		if (pick < 25) return flip(o, r, "flip", 0, o.bytes.length);
		if (pick < 55) return flip(o, r, "flip-structure", 0, o.dataStart);
		if (pick < 65) return truncate(o, r);
		if (pick < 90) return headerDigit(o, r);
		return lengthField(o, r);
	}

	/** 1 to 3 bit flips in {@code [from, to)}. */
	private static Mutant flip(Original o, Random r, String family, long from, long to) {
		byte[] b = o.bytes.clone();
		int n = 1 + r.nextInt(3);
		List<Long> at = new ArrayList<>();
		for (int i = 0; i < n && to > from; i++) {
			long p = from + (long) (r.nextDouble() * (to - from));
			b[(int) p] ^= 1 << r.nextInt(8);
			at.add(p);
		}
		Set<String> mayDiffer = NONE;
		if (!o.torch) { // no integrity check at all: header bytes may change anything, data bytes their tensors
			Set<String> touched = new HashSet<>();
			for (long p : at) {
				if (p < o.dataStart) {
					touched = ANY;
					break;
				}
				for (Map.Entry<String, long[]> t : o.tensorBytes.entrySet())
					if (p >= t.getValue()[0] && p < t.getValue()[1]) touched.add(t.getKey());
			}
			mayDiffer = touched;
		}
		return new Mutant(family, "bytes " + at, b, mayDiffer);
	}

	private static Mutant truncate(Original o, Random r) {
		int length = r.nextBoolean() ? r.nextInt(o.bytes.length) : o.bytes.length - 1 - r.nextInt(Math.min(o.bytes.length, 256));
		return new Mutant("truncate", "to " + length + " bytes", Arrays.copyOf(o.bytes, length), NONE);
	}

	/** One opcode of the pickle replaced, removed, doubled, swapped, given other arguments, or preceded by another; CRC recomputed. */
	private static Mutant pickleOp(Original o, Random r) throws IOException {
		byte[] p = o.records.get(o.pickleName);
		List<Integer> ops = o.ops;
		int k = r.nextInt(ops.size());
		int start = ops.get(k);
		int end = k + 1 < ops.size() ? ops.get(k + 1) : p.length;
		byte[] m;
		String what;
		switch (r.nextInt(6)) {
			case 0:
				m = p.clone();
				m[start] = (byte) PickleOps.ALL[r.nextInt(PickleOps.ALL.length)];
				what = String.format("opcode %d (0x%02x) replaced by 0x%02x", k, p[start] & 0xff, m[start] & 0xff);
				break;
			case 1:
				m = concat(Arrays.copyOf(p, start), Arrays.copyOfRange(p, end, p.length));
				what = "opcode " + k + " removed";
				break;
			case 2:
				m = concat(Arrays.copyOf(p, end), Arrays.copyOfRange(p, start, p.length));
				what = "opcode " + k + " doubled";
				break;
			case 3: {
				int after = k + 2 < ops.size() ? ops.get(k + 2) : p.length;
				m = concat(Arrays.copyOf(p, start), Arrays.copyOfRange(p, end, after), Arrays.copyOfRange(p, start, end),
					Arrays.copyOfRange(p, after, p.length));
				what = "opcodes " + k + " and " + (k + 1) + " swapped";
				break;
			}
			case 4: {
				m = p.clone();
				if (end - start > 1) {
					int[] extremes = { 0, 1, 0x7f, 0x80, 0xff };
					int at = start + 1 + r.nextInt(end - start - 1);
					m[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : extremes[r.nextInt(extremes.length)]);
					what = "argument byte " + (at - start) + " of opcode " + k + " set to " + (m[at] & 0xff);
				}
				else {
					m[start] = (byte) PickleOps.ALL[r.nextInt(PickleOps.ALL.length)];
					what = "opcode " + k + " replaced by " + (m[start] & 0xff);
				}
				break;
			}
			default: {
				int[] simple = { '(', '0', '1', '2', 'N', ')', 't', ']', '}', 'a', 's', 'e', 'u', 'R', 'b', 0x94, 'Q', '.' };
				byte op = (byte) simple[r.nextInt(simple.length)];
				m = concat(Arrays.copyOf(p, start), new byte[] { op }, Arrays.copyOfRange(p, start, p.length));
				what = "opcode " + (char) op + " inserted before opcode " + k;
			}
		}
		Map<String, byte[]> records = new LinkedHashMap<>(o.records);
		records.put(o.pickleName, m);
		return new Mutant("pickle-op", what, sealed(records), ANY);
	}

	/** Bytes of one storage flipped and its CRC recomputed: the archive can no longer tell. */
	private static Mutant sealedData(Original o, Random r) throws IOException {
		List<String> used = new ArrayList<>(o.tensorsOfRecord.keySet());
		String name = used.get(r.nextInt(used.size()));
		byte[] data = o.records.get(name).clone();
		if (data.length == 0) return new Mutant("sealed-data", name + " (empty, unchanged)", o.bytes, NONE);
		int at = r.nextInt(data.length);
		data[at] ^= 1 << r.nextInt(8);
		Map<String, byte[]> records = new LinkedHashMap<>(o.records);
		records.put(name, data);
		return new Mutant("sealed-data", name + " byte " + at, sealed(records), new HashSet<>(o.tensorsOfRecord.get(name)));
	}

	private static byte[] sealed(Map<String, byte[]> records) throws IOException {
		Path file = Files.createTempFile("sealed", ".ckpt");
		try {
			TorchZipFiles zip = new TorchZipFiles();
			for (Map.Entry<String, byte[]> e : records.entrySet())
				zip.record(e.getKey(), e.getValue());
			return Files.readAllBytes(zip.writeAligned(file));
		}
		finally {
			Files.delete(file);
		}
	}

	/** A digit of the safetensors header replaced: offsets, shapes and lengths change, the JSON stays valid. */
	private static Mutant headerDigit(Original o, Random r) {
		byte[] b = o.bytes.clone();
		for (int tries = 0; tries < 1000; tries++) {
			int at = 8 + r.nextInt((int) o.dataStart - 8);
			if (b[at] >= '0' && b[at] <= '9') {
				byte before = b[at];
				b[at] = (byte) ('0' + r.nextInt(10));
				return new Mutant("header-digit", "byte " + at + ": " + (char) before + " to " + (char) b[at], b, ANY);
			}
		}
		return new Mutant("header-digit", "no digit found", b, NONE);
	}

	/** The safetensors header length field off by a little: padding absorbs some of it, the data area shifts. */
	private static Mutant lengthField(Original o, Random r) {
		byte[] b = o.bytes.clone();
		java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		long length = buffer.getLong(0);
		int delta = (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(16));
		buffer.putLong(0, length + delta);
		return new Mutant("length-field", "header length " + length + " to " + (length + delta), b, ANY);
	}

	private static byte[] concat(byte[]... parts) {
		int n = 0;
		for (byte[] p : parts)
			n += p.length;
		byte[] all = new byte[n];
		int at = 0;
		for (byte[] p : parts) {
			System.arraycopy(p, 0, all, at, p.length);
			at += p.length;
		}
		return all;
	}

	// --- the run ---

	@Test
	void everyMutantIsRefusedNamingTheFileOrLoadsWhatTheFileCanVouchFor() throws IOException {
		int cases = Integer.getInteger("ldm.fuzz.cases", DEFAULT_CASES);
		long seed = Long.getLong("ldm.fuzz.seed", 8L);
		Map<String, int[]> outcomes = new TreeMap<>(); // family -> refused, equal, differs
		List<String> failures = new ArrayList<>();
		String peakBefore = status("VmHWM");
		long start = System.nanoTime();
		for (int i = 0; i < cases; i++) {
			Random r = new Random(seed * 1_000_003L + i);
			Original o = originals.get(r.nextInt(originals.size()));
			Mutant m = mutate(o, r);
			String about = "case " + i + " (seed " + seed + "), " + o.name + ", " + m.family + ": " + m.detail;
			Path file = Files.write(dir.resolve("case" + i + "-" + o.name.replace('/', '-')), m.bytes);
			int before = manager.getManagedArrays().size();
			String outcome;
			try {
				outcome = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> outcome(o, m, file), about);
			}
			catch (AssertionError e) { // a hang
				outcome = "failure: " + e.getMessage();
			}
			if (manager.getManagedArrays().size() != before) outcome = "failure: arrays leaked";
			Files.delete(file);
			int[] counts = outcomes.computeIfAbsent((o.torch ? "ckpt " : "safetensors ") + m.family, f -> new int[3]);
			if (outcome.startsWith("failure")) failures.add(about + ": " + outcome);
			else counts[outcome.equals("refused") ? 0 : outcome.equals("equal") ? 1 : 2]++;
		}
		report(cases, seed, outcomes, failures.size(), (System.nanoTime() - start) / 1e9, peakBefore);
		assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases failed:\n"
			+ failures.stream().limit(MAX_REPORTED).collect(Collectors.joining("\n")));
		assertEquals(cases, outcomes.values().stream().mapToInt(c -> c[0] + c[1] + c[2]).sum());
	}

	/** "refused", "equal", "differs", or "failure: why". */
	private static String outcome(Original o, Mutant m, Path file) {
		Map<String, String> loaded;
		Map<String, Object> metadata;
		try (StateDict sd = Checkpoints.load(file, manager)) {
			loaded = digests(sd);
			metadata = sd.metadata();
		}
		catch (CheckpointFormatException e) {
			String message = String.valueOf(e.getMessage());
			if (!message.startsWith(file.toString())) return "failure: the message does not start with the file: " + message;
			if (message.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) return "failure: the message has control characters: " + message;
			return "refused";
		}
		catch (Throwable t) {
			return "failure: " + t.getClass().getName() + ": " + t.getMessage();
		}
		if (loaded.equals(o.digests) && List.copyOf(loaded.keySet()).equals(List.copyOf(o.digests.keySet()))
			&& metadata.equals(o.metadata))
			return "equal";
		if (m.mayDiffer == ANY) return "differs";
		if (!List.copyOf(loaded.keySet()).equals(List.copyOf(o.digests.keySet())) || !metadata.equals(o.metadata))
			return "failure: keys or metadata changed, though the file can vouch for them";
		for (Map.Entry<String, String> e : loaded.entrySet())
			if (!e.getValue().equals(o.digests.get(e.getKey())) && !m.mayDiffer.contains(e.getKey()))
				return "failure: tensor '" + e.getKey() + "' loaded differently, though the file can vouch for it";
		return "differs";
	}

	private static void report(int cases, long seed, Map<String, int[]> outcomes, int failures, double seconds, String peakBefore)
		throws IOException
	{
		StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "fuzz: %d cases (seed %d) over %d checkpoints in %.0f s%n",
			cases, seed, originals.size(), seconds));
		int[] total = new int[3];
		for (Map.Entry<String, int[]> e : outcomes.entrySet()) {
			int[] c = e.getValue();
			s.append(String.format(Locale.ROOT, "  %-26s refused %5d  equal %5d  differs (no integrity check) %5d%n", e.getKey(), c[0], c[1], c[2]));
			for (int k = 0; k < 3; k++)
				total[k] += c[k];
		}
		s.append(String.format(Locale.ROOT, "  %-26s refused %5d  equal %5d  differs (no integrity check) %5d  failures %d%n", "all",
			total[0], total[1], total[2], failures));
		s.append("  peak RSS (VmHWM) of the test JVM: ").append(peakBefore).append(" before the cases, ").append(status("VmHWM"))
			.append(" after\n");
		System.out.print(s);
	}

	/** A field of /proc/self/status, e.g. VmHWM, the peak resident set size; "unknown" where there is none. */
	private static String status(String field) throws IOException {
		Path status = Paths.get("/proc/self/status");
		if (Files.isReadable(status))
			for (String line : Files.readAllLines(status))
				if (line.startsWith(field + ":")) return line.substring(field.length() + 1).trim().replaceAll("\\s+", " ");
		return "unknown";
	}
}
