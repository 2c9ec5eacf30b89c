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

/**
 * A checkpoint file opened for tensor access without copying. Regions are mapped copy-on-write
 * ({@link FileChannel.MapMode#PRIVATE}): torch may then run in-place ops on the arrays (with a read-only map they
 * would fault), and the file itself is never modified. A private map needs a channel opened for writing; where the
 * file may not be opened so (permissions, read-only file system) regions are read into fresh direct buffers instead.
 */
final class MappedFile implements Closeable {

	private final Path path;
	private final FileChannel channel;
	private final boolean copyOnWrite;
	private final long size;

	private MappedFile(Path path, FileChannel channel, boolean copyOnWrite) throws IOException {
		this.path = path;
		this.channel = channel;
		this.copyOnWrite = copyOnWrite;
		this.size = channel.size();
	}

	/**
	 * @param copyOnWrite false to read every region into a fresh buffer even where the file could be mapped (tests
	 *        use it to exercise the path taken for read-only files)
	 */
	static MappedFile open(Path file, boolean copyOnWrite) throws IOException {
		if (copyOnWrite) {
			try {
				return new MappedFile(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE), true);
			}
			catch (NoSuchFileException e) {
				throw e;
			}
			catch (FileSystemException | UnsupportedOperationException e) {
				// not writable here (permissions, read-only file system): fall back to copies
			}
		}
		return new MappedFile(file, FileChannel.open(file, StandardOpenOption.READ), false);
	}

	long size() {
		return size;
	}

	/** Reads bytes into a heap array, for headers. */
	byte[] readBytes(long position, int length) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(length);
		readFully(buffer, position);
		return buffer.array();
	}

	/**
	 * The little-endian bytes of one tensor, at position 0 (DJL's {@code create} passes the buffer's base address to
	 * torch and ignores its position) and aligned to {@code elementSize} in memory.
	 */
	ByteBuffer tensorBytes(long position, long length, int elementSize) throws IOException {
		// Mapping past the end would silently extend the file through a writable channel: never let it happen.
		if (position < 0 || length < 0 || length > size - position)
			throw CheckpointFormatException.in(path, "bytes " + position + " to " + (position + length)
				+ " lie beyond the end of the file (" + size + " bytes); the file is truncated or corrupt");
		if (length > Integer.MAX_VALUE)
			throw CheckpointFormatException.in(path, "a tensor of " + length + " bytes is larger than the 2 GiB this reader supports");
		if (length == 0) return ByteBuffer.allocateDirect(0).order(ByteOrder.LITTLE_ENDIAN);
		if (copyOnWrite) {
			try {
				ByteBuffer mapped = channel.map(FileChannel.MapMode.PRIVATE, position, length);
				// A mapping starts at the page holding its first byte, so the address has the file offset's alignment.
				if (position % elementSize == 0) return mapped.order(ByteOrder.LITTLE_ENDIAN);
				ByteBuffer aligned = ByteBuffer.allocateDirect((int) length);
				aligned.put(mapped).rewind();
				return aligned.order(ByteOrder.LITTLE_ENDIAN);
			}
			catch (NonWritableChannelException e) {
				// fall through to a copy
			}
		}
		ByteBuffer copy = ByteBuffer.allocateDirect((int) length);
		readFully(copy, position);
		return copy.order(ByteOrder.LITTLE_ENDIAN);
	}

	private void readFully(ByteBuffer buffer, long position) throws IOException {
		long at = position;
		while (buffer.hasRemaining()) {
			int n = channel.read(buffer, at);
			if (n < 0) throw CheckpointFormatException.in(path, "ends at byte " + at + ", before the data it declares; the file is truncated");
			at += n;
		}
		buffer.rewind();
	}

	@Override
	public void close() throws IOException {
		channel.close();
	}
}
