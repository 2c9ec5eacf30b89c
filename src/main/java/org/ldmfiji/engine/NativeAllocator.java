package org.ldmfiji.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * In-process tuning of glibc malloc for libtorch's CPU tensors (no {@code LD_PRELOAD} needed, so it works
 * inside Fiji).
 *
 * <p>Why: libtorch allocates every tensor with {@code posix_memalign} and frees it when the op's output dies.
 * With glibc's defaults a freed block of more than the (dynamic, at most 32 MiB) mmap threshold goes back to
 * the kernel with {@code munmap}, the top of the heap is trimmed as soon as 2 × threshold is free, and the
 * per-thread arenas (64 MiB mmap'ed heaps; every Java thread and every OpenMP worker gets one) are shrunk with
 * {@code MADV_DONTNEED} or unmapped when empty. Each op then page-faults its output afresh, one fault per
 * 4 KiB page (about 15–25 µs each on a VM).
 *
 * <p>What: {@code mallopt} with
 * <ul>
 * <li>{@code M_MMAP_MAX = 0}: no per-block mmap; blocks come from the arena heaps and are reused;</li>
 * <li>{@code M_TRIM_THRESHOLD = 2^31-1}: the main heap's top is not returned with {@code sbrk(-n)}, and the
 * thread heaps are not shrunk with {@code MADV_DONTNEED};</li>
 * <li>{@code M_TOP_PAD = 256 MiB}: an emptied thread heap is not unmapped either (glibc deletes a heap only when
 * what it would free exceeds the top pad), and the main heap grows in large steps.</li>
 * </ul>
 * Memory freed by torch therefore stays in the process (as with tcmalloc or jemalloc with retention): resident
 * memory settles at the high-water mark instead of shrinking between ops.
 *
 * <p>Limit: a single block larger than a thread heap (64 MiB; e.g. an attention score matrix of 8 heads ×
 * 2048², or one 4096² head) that is allocated on a thread other than the process's initial one is still
 * mmap'ed by glibc whatever the settings (glibc falls back to mmap when a block does not fit a thread heap,
 * ignoring M_MMAP_MAX), and still faults once per page; M_ARENA_MAX cannot help either, because a thread keeps
 * the arena it was given and the arena limit is fixed once the JVM has started its threads. Smaller blocks
 * (query-chunked attention), transparent huge pages ({@link #THP_PROPERTY}, on by default), or a preloaded
 * tcmalloc avoid that.
 *
 * <p>Does nothing, and never fails, where glibc is not the process allocator (Windows, macOS, musl, or
 * tcmalloc/jemalloc preloaded). Disabled with {@code -Dldm.malloc.tune=false}.
 */
public final class NativeAllocator {

	/** System property; {@code false} disables the tuning. */
	public static final String PROPERTY = "ldm.malloc.tune";

	/**
	 * System property; {@code false} stops asking libtorch for transparent huge pages on large tensors. On by
	 * default because the blocks over 64 MiB that glibc still maps afresh are common at image sizes (a decoder tile's
	 * full-resolution activations, a nearest-neighbour upsampling's output): measured on 2 vCPUs under load, the
	 * 4× SR decoder of a 64² latent page-faulted 365,000–431,000 times per pass without and 11,000–19,000 times with
	 * them, a 128 MiB upsampling took 650–780 ms of CPU without and 50 ms with, and the process's peak memory did
	 * not grow. Costs 2 MiB alignment per tensor of 2 MiB or more, and with the kernel's THP defrag setting
	 * "madvise" a fault may wait for memory compaction.
	 */
	public static final String THP_PROPERTY = "ldm.malloc.thp";

	private static final Logger LOG = LoggerFactory.getLogger(NativeAllocator.class);

	// glibc <malloc.h>
	static final int M_TRIM_THRESHOLD = -1;
	static final int M_TOP_PAD = -2;
	static final int M_MMAP_THRESHOLD = -3;
	static final int M_MMAP_MAX = -4;
	static final int M_ARENA_MAX = -8;

	static final int TRIM_THRESHOLD = Integer.MAX_VALUE;
	static final int TOP_PAD = 256 << 20;

	/** Outcome of the one attempt. */
	public enum Outcome { NOT_TRIED, TUNED, DISABLED, NOT_GLIBC, FAILED }

	private static Outcome outcome = Outcome.NOT_TRIED;

	/** glibc's malloc_trim, once tuned; null otherwise. */
	private static Function mallocTrim;

	private NativeAllocator() {}

	/**
	 * Tunes glibc malloc once per process (later calls return the first outcome). Call before the engine does
	 * heavy work; harmless at any time.
	 */
	public static synchronized Outcome tune() {
		if (outcome == Outcome.NOT_TRIED) outcome = tryTune();
		return outcome;
	}

	/** The outcome of {@link #tune()}, or {@code NOT_TRIED}. */
	public static synchronized Outcome outcome() {
		return outcome;
	}

	private static Outcome tryTune() {
		String prop = System.getProperty(PROPERTY, "true").trim().toLowerCase(Locale.ROOT);
		if (prop.equals("false") || prop.equals("0") || prop.equals("off")) {
			LOG.debug("glibc malloc tuning disabled by -D{}={}", PROPERTY, prop);
			return Outcome.DISABLED;
		}
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
		if (!os.contains("linux")) {
			LOG.debug("malloc tuning skipped: {} is not Linux", os);
			return Outcome.NOT_GLIBC;
		}
		try {
			// By its soname, not as "c": JNA maps "c" to the whole process on Linux, and the malloc check below
			// needs glibc's own symbols. musl has no libc.so.6 (nor gnu_get_libc_version).
			NativeLibrary libc;
			Function version;
			try {
				libc = NativeLibrary.getInstance("libc.so.6");
				version = libc.getFunction("gnu_get_libc_version");
			} catch (UnsatisfiedLinkError e) {
				LOG.debug("malloc tuning skipped: the C library is not glibc ({})", e.getMessage());
				return Outcome.NOT_GLIBC;
			}
			String glibc = version.invokeString(new Object[0], false);
			// An allocator preloaded or linked ahead of glibc (tcmalloc, jemalloc) owns malloc; leave it alone.
			Pointer processMalloc = NativeLibrary.getProcess().getFunction("malloc");
			Pointer glibcMalloc = libc.getFunction("malloc");
			if (Pointer.nativeValue(processMalloc) != Pointer.nativeValue(glibcMalloc)) {
				LOG.debug("malloc tuning skipped: malloc is interposed (not glibc {}'s)", glibc);
				return Outcome.NOT_GLIBC;
			}
			if (!"false".equalsIgnoreCase(System.getProperty(THP_PROPERTY, "true").trim())) {
				// libtorch reads THP_MEM_ALLOC_ENABLE once, at its first CPU allocation: only effective if that
				// has not happened yet. Tensors >= 2 MiB then get 2 MiB-aligned blocks advised MADV_HUGEPAGE, so a
				// block glibc still mmaps (> 64 MiB, see above) faults once per 2 MiB instead of once per 4 KiB.
				int r = libc.getFunction("setenv").invokeInt(new Object[] {"THP_MEM_ALLOC_ENABLE", "1", 0});
				LOG.debug("THP_MEM_ALLOC_ENABLE=1 for libtorch: {}", r == 0 ? "set" : "setenv failed");
			}
			mallocTrim = libc.getFunction("malloc_trim");
			Function mallopt = libc.getFunction("mallopt");
			boolean ok = set(mallopt, "M_MMAP_MAX", M_MMAP_MAX, 0)
				& set(mallopt, "M_TRIM_THRESHOLD", M_TRIM_THRESHOLD, TRIM_THRESHOLD)
				& set(mallopt, "M_TOP_PAD", M_TOP_PAD, TOP_PAD);
			LOG.debug("glibc {} malloc tuned for tensor reuse (M_MMAP_MAX=0, M_TRIM_THRESHOLD={}, M_TOP_PAD={}): {}",
				glibc, TRIM_THRESHOLD, TOP_PAD, ok ? "ok" : "partly rejected");
			return ok ? Outcome.TUNED : Outcome.FAILED;
		} catch (LinkageError | RuntimeException e) {
			// no JNA, no libc, an odd platform: the engine works without the tuning
			LOG.debug("malloc tuning skipped: {}", e.toString());
			return Outcome.FAILED;
		}
	}

	/**
	 * Gives the memory that freed tensors left in glibc's heaps back to the system ({@code malloc_trim(0)}), so that
	 * the next piece of a large run starts from its live arrays rather than from the last piece's high-water mark.
	 * For the boundaries between tiles and between sampling and decoding, not between ops: the tuning above keeps
	 * freed memory for reuse, but tiles of another network (the decoder after the denoiser) or at another place in
	 * the heaps cannot reuse all of it and take fresh memory beside it. Measured on a 1024² bsr_sr SR without this:
	 * the peak grew from 3.4 GiB after a denoiser tile to 5.1, 5.6 and 5.9 GiB over the first three decoder tiles.
	 * Costs one page fault per 2 MiB page (huge pages) re-used afterwards. Does nothing where the tuning did not run.
	 */
	public static void release() {
		Function trim;
		synchronized (NativeAllocator.class) {
			trim = mallocTrim;
		}
		if (trim != null) trim.invokeInt(new Object[] {0});
	}

	private static boolean set(Function mallopt, String name, int param, int value) {
		int r = mallopt.invokeInt(new Object[] {param, value});
		if (r != 1) LOG.debug("mallopt({}, {}) rejected", name, value);
		return r == 1;
	}
}
