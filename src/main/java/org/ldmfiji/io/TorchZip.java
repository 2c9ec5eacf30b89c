package org.ldmfiji.io;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;

/**
 * A torch.save zip archive (torch >= 1.6): one {@code <prefix>/data.pkl} and the raw little-endian storages
 * {@code <prefix>/data/<key>}. torch writes storages uncompressed (STORED), so they are memory-mapped at their raw
 * offset like safetensors tensors; a compressed one (re-zipped by another tool) is inflated once into a direct
 * buffer.
 */
final class TorchZip implements Closeable {

	/** The data.pkl of a real checkpoint is a few MB; this only bounds memory. */
	private static final long MAX_PICKLE_BYTES = 256L << 20;
	/** Deflate cannot expand data more than about 1032-fold; a larger claimed size is a lie. */
	private static final long MAX_INFLATION = 1100;

	private final Path file;
	private final ZipFile zip;
	private final MappedFile mapped;
	private final ZipArchiveEntry pickle;
	private final String prefix;
	private final Map<String, ByteBuffer> inflated = new HashMap<>();

	private TorchZip(Path file, ZipFile zip, MappedFile mapped) throws CheckpointFormatException {
		this.file = file;
		this.zip = zip;
		this.mapped = mapped;
		this.pickle = findPickle();
		this.prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
	}

	/** @param copyOnWrite see {@link MappedFile#open(Path, boolean)} */
	static TorchZip open(Path file, boolean copyOnWrite) throws IOException {
		ZipFile zip;
		try {
			zip = ZipFile.builder().setPath(file).get();
		}
		catch (FileSystemException e) { // no such file, no permission: not a format problem
			throw e;
		}
		catch (IOException | RuntimeException e) {
			throw CheckpointFormatException.in(file, "is not a readable zip archive (" + e.getMessage()
				+ "); the checkpoint is truncated or damaged", e);
		}
		MappedFile mapped = null;
		try {
			mapped = MappedFile.open(file, copyOnWrite);
			return new TorchZip(file, zip, mapped);
		}
		catch (IOException | RuntimeException e) {
			zip.close();
			if (mapped != null) mapped.close();
			throw e;
		}
	}

	String pickleName() {
		return pickle.getName();
	}

	byte[] pickle() throws IOException {
		String about = "record '" + pickle.getName() + "'";
		if (pickle.getSize() > MAX_PICKLE_BYTES)
			throw CheckpointFormatException.in(file, about + " is " + pickle.getSize() + " bytes, more than the "
				+ (MAX_PICKLE_BYTES >> 20) + " MiB a checkpoint's pickle may have");
		ByteBuffer bytes = ByteBuffer.allocate((int) checkedSize(pickle, about));
		read(pickle, about, bytes);
		return bytes.array();
	}

	/**
	 * The little-endian bytes of elements {@code [first, first + count)} of a storage, at position 0 and aligned.
	 * @param tensorKey names the tensor in messages
	 */
	ByteBuffer elements(String tensorKey, TorchStorage storage, long first, long count) throws IOException {
		String name = prefix + "data/" + storage.key;
		String about = "tensor '" + tensorKey + "': storage record '" + name + "'";
		ZipArchiveEntry entry = zip.getEntry(name);
		if (entry == null) throw CheckpointFormatException.in(file, about + " is missing from the archive");
		int width = storage.type.bytes;
		if (storage.numel > entry.getSize() / width)
			throw CheckpointFormatException.in(file, about + " holds " + entry.getSize() + " bytes, fewer than its " + storage.numel
				+ " " + storage.type.torchName + " elements need");
		if (entry.getMethod() == ZipEntry.STORED) {
			long offset = entry.getDataOffset();
			if (offset < 0 || entry.getCompressedSize() != entry.getSize())
				throw CheckpointFormatException.in(file, about + " has an inconsistent zip header");
			return mapped.tensorBytes(offset + first * width, count * width, width);
		}
		ByteBuffer all = inflated.get(name);
		if (all == null) {
			all = ByteBuffer.allocateDirect((int) checkedSize(entry, about));
			read(entry, about, all);
			inflated.put(name, all);
		}
		// copied, so that arrays never share memory, just as separately mapped regions do not
		ByteBuffer part = all.duplicate();
		part.limit((int) ((first + count) * width)).position((int) (first * width));
		ByteBuffer copy = ByteBuffer.allocateDirect(part.remaining());
		copy.put(part).rewind();
		return copy.order(ByteOrder.LITTLE_ENDIAN);
	}

	private ZipArchiveEntry findPickle() throws CheckpointFormatException {
		List<String> pickles = new ArrayList<>();
		boolean torchScript = false;
		for (Enumeration<ZipArchiveEntry> e = zip.getEntries(); e.hasMoreElements();) {
			String name = e.nextElement().getName();
			int slash = name.indexOf('/');
			if (slash <= 0 || name.indexOf('/', slash + 1) >= 0) continue;
			if (name.endsWith("/data.pkl")) pickles.add(name);
			torchScript |= name.endsWith("/constants.pkl");
		}
		if (torchScript)
			throw CheckpointFormatException.in(file, "is a TorchScript archive (torch.jit.save), not a torch.save checkpoint; "
				+ "save the model's state_dict with torch.save, or as safetensors");
		if (pickles.size() != 1)
			throw CheckpointFormatException.in(file, pickles.isEmpty()
				? "is a zip archive without a <name>/data.pkl record, so not a torch.save checkpoint"
				: "holds several data.pkl records " + pickles + "; a torch.save checkpoint has one");
		return zip.getEntry(pickles.get(0));
	}

	/** The record's size, if the file can hold it: sizes come from the archive and are not trusted. */
	private long checkedSize(ZipArchiveEntry entry, String about) throws CheckpointFormatException {
		long size = entry.getSize();
		long stored = entry.getCompressedSize();
		boolean plausible = size >= 0 && stored >= 0 && stored <= mapped.size()
			&& (entry.getMethod() == ZipEntry.STORED ? size == stored : size / MAX_INFLATION <= stored + 4096);
		if (!plausible) throw CheckpointFormatException.in(file, about + " claims a size the file cannot hold; it is damaged");
		if (size > Integer.MAX_VALUE)
			throw CheckpointFormatException.in(file, about + " is compressed and larger than 2 GiB; re-save it uncompressed");
		return size;
	}

	private void read(ZipArchiveEntry entry, String about, ByteBuffer into) throws IOException {
		if (!zip.canReadEntryData(entry))
			throw CheckpointFormatException.in(file, about + " uses a zip compression method this reader does not support");
		byte[] chunk = new byte[1 << 16];
		try (InputStream in = zip.getInputStream(entry)) {
			while (into.hasRemaining()) {
				int n = in.read(chunk, 0, Math.min(chunk.length, into.remaining()));
				if (n < 0) throw CheckpointFormatException.in(file, about + " ends early; the checkpoint is truncated");
				into.put(chunk, 0, n);
			}
		}
		catch (CheckpointFormatException e) {
			throw e;
		}
		catch (IOException | RuntimeException e) {
			throw CheckpointFormatException.in(file, about + " cannot be read (" + e.getMessage() + "); the checkpoint is damaged", e);
		}
		into.rewind();
	}

	@Override
	public void close() throws IOException {
		try {
			zip.close();
		}
		finally {
			mapped.close();
		}
	}
}
