package org.ldmfiji.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A torch.save zip archive (torch >= 1.6): one {@code <prefix>/data.pkl} and the raw little-endian storages
 * {@code <prefix>/data/<key>}. torch writes storages uncompressed (STORED), so they are slices of the file's mapping
 * like safetensors tensors; a compressed one (re-zipped by another tool) is inflated once into a direct buffer, its
 * claimed size charged to the file's {@link MemoryAllowance} first.
 * <p>
 * Every record read is checked against the CRC-32 torch.save wrote for it, once, when it is first used: a flipped
 * byte in a weight must end in a message, not in a model that quietly computes something else.
 */
final class TorchZip implements Closeable {

	/**
	 * The data.pkl of a real checkpoint takes about 200 bytes per tensor, well under a few MB; this bounds the memory
	 * its values may take (see {@link RestrictedUnpickler#BYTES_PER_STREAM_BYTE}).
	 */
	static final long MAX_PICKLE_BYTES = 32L << 20;

	private final Path file;
	private final MappedFile mapped;
	private final ZipDirectory directory;
	private final ZipDirectory.Record pickle;
	private final String prefix;
	private final Map<String, ByteBuffer> inflated = new HashMap<>();
	private final Map<String, HandedOut> inflatedHandedOut = new HashMap<>();
	private final Set<String> verified = new HashSet<>();
	private long crcNanos;
	private long crcBytes;

	private TorchZip(Path file, MappedFile mapped, ZipDirectory directory) throws CheckpointFormatException {
		this.file = file;
		this.mapped = mapped;
		this.directory = directory;
		this.pickle = findPickle();
		this.prefix = pickle.name.substring(0, pickle.name.length() - "data.pkl".length());
	}

	/** Time and bytes spent on CRC-32 checks of uncompressed records, for measurements. */
	long crcNanos() {
		return crcNanos;
	}

	long crcBytes() {
		return crcBytes;
	}

	/** @param copyOnWrite see {@link MappedFile#open(Path, boolean, LoadLimits)} */
	static TorchZip open(Path file, boolean copyOnWrite, LoadLimits limits) throws IOException {
		MappedFile mapped = MappedFile.open(file, copyOnWrite, limits);
		try {
			TorchZip zip = new TorchZip(file, mapped, ZipDirectory.read(mapped, limits));
			zip.checkByteOrder();
			return zip;
		}
		catch (IOException | RuntimeException e) {
			mapped.close();
			throw e;
		}
	}

	MemoryAllowance allowance() {
		return mapped.allowance();
	}

	String pickleName() {
		return pickle.name;
	}

	byte[] pickle() throws IOException {
		String about = "record " + Text.quote(pickle.name);
		if (pickle.size > MAX_PICKLE_BYTES)
			throw CheckpointFormatException.in(file, about + " is " + pickle.size + " bytes, more than the "
				+ (MAX_PICKLE_BYTES >> 20) + " MiB a checkpoint's pickle may have");
		directory.locate(pickle);
		return recordBytes(pickle, about);
	}

	/** A small record's bytes, checked. */
	private byte[] recordBytes(ZipDirectory.Record r, String about) throws IOException {
		if (r.method == ZipDirectory.STORED) {
			checkStored(r, about);
			byte[] bytes = mapped.readBytes(r.dataOffset, (int) r.size);
			CRC32 crc = new CRC32();
			crc.update(bytes);
			checkCrc(r, about, crc.getValue());
			return bytes;
		}
		ByteBuffer bytes = inflate(r, about);
		byte[] array = new byte[bytes.remaining()];
		bytes.get(array);
		return array;
	}

	/**
	 * torch.save writes the byte order of the machine it ran on; storages are little-endian on every machine torch
	 * runs on today, but a big-endian one would have to be swapped, which this reader does not do.
	 */
	private void checkByteOrder() throws IOException {
		ZipDirectory.Record r = directory.records.get(prefix + "byteorder");
		if (r == null) return; // written by torch >= 1.9 only; earlier files are little-endian
		String about = "record " + Text.quote(r.name);
		if (r.size > 16) throw CheckpointFormatException.in(file, about + " is " + r.size + " bytes long, not 'little' or 'big'");
		directory.locate(r);
		String order = new String(recordBytes(r, about), java.nio.charset.StandardCharsets.UTF_8);
		if (order.equals("little")) return;
		throw CheckpointFormatException.in(file, order.equals("big")
			? "was saved on a big-endian machine; this reader reads little-endian checkpoints only: re-save it on a "
				+ "little-endian machine or convert it to safetensors"
			: about + " says " + Text.quote(order) + ", not 'little' or 'big'; the checkpoint is damaged");
	}

	/**
	 * The little-endian bytes of elements {@code [first, first + count)} of a storage, at position 0 and aligned.
	 * @param tensorKey names the tensor in messages
	 * @param exclusive true if an array will wrap the bytes (they are then shared with no other array), false if they
	 *        are only read
	 */
	ByteBuffer elements(String tensorKey, TorchStorage storage, long first, long count, boolean exclusive) throws IOException {
		String name = prefix + "data/" + storage.key;
		String tensor = "tensor " + Text.quote(tensorKey);
		String about = tensor + ": storage record " + Text.quote(name);
		ZipDirectory.Record record = directory.records.get(name);
		if (record == null) throw CheckpointFormatException.in(file, about + " is missing from the archive");
		int width = storage.type.bytes;
		// torch.load reads exactly this many bytes and refuses a record of another size; reading a prefix would let an
		// edited storage type (float32 to float16) reinterpret the bytes
		if (record.size != storage.recordBytes)
			throw CheckpointFormatException.in(file, about + " holds " + record.size + " bytes, but its storage "
				+ Text.escape(storage.persistentType) + " of " + storage.persistentNumel + " elements needs " + storage.recordBytes
				+ "; the checkpoint is damaged or was altered");
		directory.locate(record);
		long offset = first * width;
		long length = count * width;
		if (record.method == ZipDirectory.STORED) {
			checkStored(record, about);
			if (verified.add(name)) {
				long start = System.nanoTime();
				long crc = mapped.crc32(record.dataOffset, record.size);
				crcNanos += System.nanoTime() - start;
				crcBytes += record.size;
				checkCrc(record, about, crc);
			}
			return exclusive ? mapped.exclusive(record.dataOffset + offset, length, width, tensor)
				: mapped.view(record.dataOffset + offset, length, width, tensor);
		}
		ByteBuffer all = inflated.get(name);
		if (all == null) {
			all = inflate(record, about);
			inflated.put(name, all);
			inflatedHandedOut.put(name, new HandedOut());
		}
		ByteBuffer part = all.duplicate();
		part.limit((int) (offset + length)).position((int) offset);
		part = part.slice().order(ByteOrder.LITTLE_ENDIAN);
		if (!exclusive || length == 0 || inflatedHandedOut.get(name).claim(offset, offset + length)) return part;
		allowance().charge(length, tensor + " (a copy of bytes another tensor shares)");
		ByteBuffer copy = ByteBuffer.allocateDirect((int) length);
		copy.put(part).rewind();
		return copy.order(ByteOrder.LITTLE_ENDIAN);
	}

	private ZipDirectory.Record findPickle() throws CheckpointFormatException {
		List<String> pickles = new ArrayList<>();
		boolean torchScript = false;
		for (String name : directory.records.keySet()) {
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
				: "holds " + pickles.size() + " data.pkl records; a torch.save checkpoint has one");
		return directory.records.get(pickles.get(0));
	}

	private void checkStored(ZipDirectory.Record r, String about) throws CheckpointFormatException {
		if (r.compressedSize != r.size)
			throw CheckpointFormatException.in(file, about + " is stored uncompressed but its zip header gives two sizes ("
				+ r.compressedSize + " and " + r.size + " bytes); the checkpoint is damaged");
	}

	private void checkCrc(ZipDirectory.Record r, String about, long actual) throws CheckpointFormatException {
		if (actual != r.crc)
			throw CheckpointFormatException.in(file, about + " fails its CRC-32 check (the archive says " + String.format("%08x", r.crc)
				+ ", its bytes give " + String.format("%08x", actual) + "); the checkpoint is damaged: copy or download it again");
	}

	/** Inflates a DEFLATED record into a fresh direct buffer of exactly its declared size, charged first, and checks its CRC-32. */
	private ByteBuffer inflate(ZipDirectory.Record r, String about) throws IOException {
		if (r.method != ZipDirectory.DEFLATED)
			throw CheckpointFormatException.in(file, about + " uses zip compression method " + r.method
				+ ", which this reader does not support (torch.save stores records uncompressed)");
		if (r.size > Integer.MAX_VALUE - 4096)
			throw CheckpointFormatException.in(file, about + " is compressed and larger than 2 GiB; re-save it uncompressed");
		// Charged before allocating: a 2 MB record may claim to inflate to 2 GB.
		allowance().charge(r.size, about + " (compressed, to be inflated)");
		ByteBuffer out = ByteBuffer.allocateDirect((int) r.size);
		Inflater inflater = new Inflater(true);
		try {
			ByteBuffer in = ByteBuffer.allocate(1 << 16);
			byte[] beyond = new byte[1];
			long at = r.dataOffset;
			long end = r.dataOffset + r.compressedSize;
			while (!inflater.finished()) {
				if (inflater.needsInput()) {
					if (at == end) throw CheckpointFormatException.in(file, about + " ends before its compressed data does; the checkpoint is damaged");
					in.clear().limit((int) Math.min(in.capacity(), end - at));
					mapped.read(in, at);
					at += in.flip().remaining();
					inflater.setInput(in);
				}
				if (inflater.needsDictionary()) throw new DataFormatException("a preset dictionary is required");
				if (!out.hasRemaining()) {
					if (inflater.inflate(beyond) > 0)
						throw CheckpointFormatException.in(file, about + " inflates to more than the " + r.size + " bytes it declares; the checkpoint is damaged");
				}
				else inflater.inflate(out);
			}
			if (out.hasRemaining() || at != end || inflater.getRemaining() != 0)
				throw CheckpointFormatException.in(file, about + " inflates to " + out.position() + " bytes, not the " + r.size
					+ " it declares, or its compressed size is wrong; the checkpoint is damaged");
		}
		catch (DataFormatException e) {
			throw CheckpointFormatException.in(file, about + " cannot be inflated (" + e.getMessage() + "); the checkpoint is damaged", e);
		}
		finally {
			inflater.end();
		}
		out.rewind();
		CRC32 crc = new CRC32();
		crc.update(out.duplicate());
		checkCrc(r, about, crc.getValue());
		return out.order(ByteOrder.LITTLE_ENDIAN);
	}

	@Override
	public void close() throws IOException {
		mapped.close();
	}
}
