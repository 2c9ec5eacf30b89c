package org.ldmfiji.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * A checkpoint file opened for tensor access without copying. The file is mapped once (a file over 2 GiB in a few
 * overlapping windows) and tensors get slices of that mapping: a process may hold only about 65,000 mappings
 * ({@code vm.max_map_count}), and a file of that many tiny tensors mapped one by one ended in "Map failed" or a JVM
 * crash.
 * <p>
 * The mapping is copy-on-write ({@link FileChannel.MapMode#PRIVATE}): torch may then run in-place ops on the arrays
 * (with a read-only map they would fault), and the file itself is never modified. So that in-place ops on one array
 * never show in another, no byte is handed to two arrays: a region overlapping one handed out before is copied. A
 * private map needs a channel opened for writing; where the file may not be opened so (permissions, read-only file
 * system) regions are read into fresh direct buffers instead.
 */
final class MappedFile implements Closeable {

	private static final long PAGE = 4096;
	/** Regions longer than a window step get a mapping of their own; only tensors over 1 GiB do, so few ever exist. */
	private static final int MAX_OWN_MAPPINGS = 64;
	private static final int READ_CHUNK = 1 << 20;

	private final Path path;
	private final FileChannel channel;
	private final boolean copyOnWrite;
	private final long size;
	private final LoadLimits limits;
	private final MemoryAllowance allowance;
	private final Map<Long, ByteBuffer> windows = new HashMap<>();
	private final Map<Long, ByteBuffer> ownMappings = new HashMap<>();
	private int ownMappingsMade;
	private final HandedOut handedOut = new HandedOut();

	private MappedFile(Path path, FileChannel channel, boolean copyOnWrite, LoadLimits limits) throws IOException {
		this.path = path;
		this.channel = channel;
		this.copyOnWrite = copyOnWrite;
		this.size = channel.size();
		this.limits = limits;
		this.allowance = limits.allowanceFor(path, size);
	}

	/**
	 * @param copyOnWrite false to read every region into a fresh buffer even where the file could be mapped (tests
	 *        use it to exercise the path taken for read-only files)
	 */
	static MappedFile open(Path file, boolean copyOnWrite, LoadLimits limits) throws IOException {
		if (copyOnWrite) {
			try {
				return new MappedFile(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE), true, limits);
			}
			catch (NoSuchFileException e) {
				throw e;
			}
			catch (FileSystemException | UnsupportedOperationException e) {
				// not writable here (permissions, read-only file system): fall back to copies
			}
		}
		return new MappedFile(file, FileChannel.open(file, StandardOpenOption.READ), false, limits);
	}

	Path path() {
		return path;
	}

	long size() {
		return size;
	}

	/** What this load may still allocate. */
	MemoryAllowance allowance() {
		return allowance;
	}

	/** Reads bytes into a heap array, for headers. */
	byte[] readBytes(long position, int length) throws IOException {
		checkWithin(position, length);
		ByteBuffer buffer = ByteBuffer.allocate(length);
		readFully(buffer, position);
		return buffer.array();
	}

	/**
	 * Bytes for an array to wrap: little-endian, at position 0 (DJL's {@code create} passes the buffer's base address
	 * to torch and ignores its position), aligned to {@code elementSize} in memory, and shared with no other array.
	 * @param what names the tensor in messages
	 */
	ByteBuffer exclusive(long position, long length, int elementSize, String what) throws IOException {
		checkWithin(position, length);
		checkTensorSize(length, what);
		if (length == 0) return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
		boolean shared = !handedOut.claim(position, position + length);
		if (shared) allowance.charge(length, what + " (a copy of bytes another tensor shares)");
		if (!copyOnWrite) return read(position, (int) length);
		// A window starts on a page, so the address has the file offset's alignment.
		boolean aligned = position % elementSize == 0;
		if (!shared && !aligned) allowance.charge(length, what + " (a copy at an aligned address)");
		ByteBuffer mapped = mapped(position, length);
		return shared || !aligned ? copyOf(mapped) : mapped;
	}

	/**
	 * Bytes to read from, not to wrap: the caller copies what it needs (strided views, widened types). Aligned to
	 * {@code elementSize}; may be shared.
	 */
	ByteBuffer view(long position, long length, int elementSize, String what) throws IOException {
		checkWithin(position, length);
		checkTensorSize(length, what);
		if (length == 0) return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
		if (!copyOnWrite) {
			allowance.charge(length, what + " (a copy to read from)");
			return read(position, (int) length);
		}
		if (position % elementSize == 0) return mapped(position, length);
		allowance.charge(length, what + " (a copy at an aligned address)");
		return copyOf(mapped(position, length));
	}

	/** The CRC-32 of a region, read from the mapping (or in chunks where the file is not mapped). */
	long crc32(long position, long length) throws IOException {
		checkWithin(position, length);
		CRC32 crc = new CRC32();
		if (copyOnWrite) {
			long chunk = Math.max(PAGE, limits.windowStep / 2);
			for (long at = position; at < position + length; at += chunk)
				crc.update(mapped(at, Math.min(chunk, position + length - at)));
		}
		else {
			ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
			for (long at = position; at < position + length; at += buffer.limit()) {
				buffer.clear().limit((int) Math.min(READ_CHUNK, position + length - at));
				readFully(buffer, at);
				crc.update(buffer);
			}
		}
		return crc.getValue();
	}

	/** Fills {@code into} from its position to its limit with the bytes from {@code position} on. */
	void read(ByteBuffer into, long position) throws IOException {
		checkWithin(position, into.remaining());
		long at = position;
		while (into.hasRemaining()) {
			int n = channel.read(into, at);
			if (n < 0) throw CheckpointFormatException.in(path, "ends at byte " + at + ", before the data it declares; the file is truncated");
			at += n;
		}
	}

	private void checkWithin(long position, long length) throws CheckpointFormatException {
		// Mapping past the end would silently extend the file through a writable channel: never let it happen.
		if (position < 0 || length < 0 || length > size - position)
			throw CheckpointFormatException.in(path, "bytes " + position + " to " + (position + length)
				+ " lie beyond the end of the file (" + size + " bytes); the file is truncated or corrupt");
	}

	private void checkTensorSize(long length, String what) throws CheckpointFormatException {
		if (length > Integer.MAX_VALUE - PAGE)
			throw CheckpointFormatException.in(path, what + " is " + length + " bytes, larger than the 2 GiB per tensor this reader supports");
	}

	/** A slice of the mapping, at position 0. */
	private ByteBuffer mapped(long position, long length) throws IOException {
		long step = limits.windowStep;
		long windowLength = 2 * step - PAGE;
		ByteBuffer base;
		long baseStart;
		try {
			if (size <= windowLength) {
				baseStart = 0;
				base = window(0, size);
			}
			else if (length <= step - PAGE) {
				baseStart = position / step * step;
				base = window(baseStart, Math.min(windowLength, size - baseStart));
			}
			else {
				baseStart = position;
				base = ownMapping(position, length);
			}
		}
		catch (NonWritableChannelException e) {
			throw new IllegalStateException("a copy-on-write mapping needs a writable channel", e);
		}
		ByteBuffer slice = base.duplicate();
		slice.position((int) (position - baseStart)).limit((int) (position - baseStart + length));
		return slice.slice().order(ByteOrder.LITTLE_ENDIAN);
	}

	private ByteBuffer window(long start, long length) throws IOException {
		ByteBuffer w = windows.get(start);
		if (w == null) {
			w = map(start, length);
			windows.put(start, w);
		}
		return w;
	}

	private ByteBuffer ownMapping(long position, long length) throws IOException {
		ByteBuffer m = ownMappings.get(position);
		if (m != null && m.capacity() >= length) return m;
		if (ownMappingsMade >= MAX_OWN_MAPPINGS)
			throw CheckpointFormatException.in(path, "has more than " + MAX_OWN_MAPPINGS + " tensors over "
				+ (limits.windowStep >> 20) + " MiB; the file is corrupt or hostile");
		m = map(position, length);
		ownMappingsMade++;
		ownMappings.put(position, m);
		return m;
	}

	private ByteBuffer map(long start, long length) throws IOException {
		try {
			return channel.map(FileChannel.MapMode.PRIVATE, start, length);
		}
		catch (IOException e) { // "Map failed": out of address space or mappings, never expected with so few
			throw new IOException(path + ": cannot be memory-mapped (" + e.getMessage() + ")", e);
		}
	}

	private ByteBuffer read(long position, int length) throws IOException {
		ByteBuffer copy = ByteBuffer.allocateDirect(length);
		readFully(copy, position);
		return copy.order(ByteOrder.LITTLE_ENDIAN);
	}

	private void readFully(ByteBuffer buffer, long position) throws IOException {
		read(buffer, position);
		buffer.flip();
	}

	private static ByteBuffer copyOf(ByteBuffer bytes) {
		ByteBuffer aligned = ByteBuffer.allocateDirect(bytes.remaining());
		aligned.put(bytes.duplicate()).rewind();
		return aligned.order(ByteOrder.LITTLE_ENDIAN);
	}

	@Override
	public void close() throws IOException {
		// The mappings stay valid after the channel closes and are released when the arrays' buffers are collected.
		channel.close();
	}
}
