package org.ldmfiji.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes torch.save-like zip archives from records built in a test. */
final class TorchZipFiles {

	private final Map<String, byte[]> records = new LinkedHashMap<>();

	/** {@code archive/data.pkl} */
	TorchZipFiles pickle(byte[] data) {
		return record("archive/data.pkl", data);
	}

	/** {@code archive/data/<key>} holding the given floats */
	TorchZipFiles floats(String key, float... values) {
		ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : values)
			b.putFloat(v);
		return record("archive/data/" + key, b.array());
	}

	TorchZipFiles record(String name, byte[] data) {
		records.put(name, data);
		return this;
	}

	/** @param method ZipEntry.STORED, as torch writes, or ZipEntry.DEFLATED */
	Path write(Path file, int method) throws IOException {
		try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
			for (Map.Entry<String, byte[]> r : records.entrySet()) {
				ZipEntry entry = new ZipEntry(r.getKey());
				entry.setMethod(method);
				if (method == ZipEntry.STORED) {
					CRC32 crc = new CRC32();
					crc.update(r.getValue());
					entry.setSize(r.getValue().length);
					entry.setCompressedSize(r.getValue().length);
					entry.setCrc(crc.getValue());
				}
				zip.putNextEntry(entry);
				zip.write(r.getValue());
				zip.closeEntry();
			}
		}
		return file;
	}

	Path write(Path file) throws IOException {
		return write(file, ZipEntry.STORED);
	}

	/** Writes every record uncompressed with its data at a multiple of 64 bytes, as torch.save does. */
	Path writeAligned(Path file) throws IOException {
		try (AlignedZip zip = new AlignedZip(file)) {
			for (Map.Entry<String, byte[]> r : records.entrySet())
				zip.put(r.getKey(), r.getValue());
		}
		return file;
	}

	/**
	 * A zip written record by record, uncompressed, each record's data at a multiple of 64 bytes: torch.save pads the
	 * local header's extra field (a block it names "FB") so that storages can be used in place.
	 */
	static final class AlignedZip implements java.io.Closeable {
		private final CountingStream counting;
		private final ZipOutputStream zip;

		AlignedZip(Path file) throws IOException {
			counting = new CountingStream(Files.newOutputStream(file));
			zip = new ZipOutputStream(counting);
		}

		void put(String name, byte[] bytes) throws IOException {
			zip.flush();
			long dataStart = counting.count + 30 + name.getBytes(StandardCharsets.UTF_8).length + 4;
			int padding = (int) ((64 - dataStart % 64) % 64);
			byte[] extra = new byte[4 + padding];
			extra[0] = 'F';
			extra[1] = 'B';
			extra[2] = (byte) padding;
			ZipEntry entry = new ZipEntry(name);
			entry.setMethod(ZipEntry.STORED);
			entry.setExtra(extra);
			CRC32 crc = new CRC32();
			crc.update(bytes);
			entry.setSize(bytes.length);
			entry.setCompressedSize(bytes.length);
			entry.setCrc(crc.getValue());
			zip.putNextEntry(entry);
			zip.write(bytes);
			zip.closeEntry();
		}

		@Override
		public void close() throws IOException {
			zip.close();
		}
	}

	private static final class CountingStream extends java.io.FilterOutputStream {
		long count;

		CountingStream(OutputStream out) {
			super(out);
		}

		@Override
		public void write(int b) throws IOException {
			out.write(b);
			count++;
		}

		@Override
		public void write(byte[] b, int off, int len) throws IOException {
			out.write(b, off, len);
			count += len;
		}
	}

	/** Offsets of fields in a central directory header. */
	static final int CENTRAL_CRC = 16;
	static final int CENTRAL_SIZE = 24;
	/** Offsets of fields in a local header. */
	static final int LOCAL_SIGNATURE = 0;
	static final int LOCAL_NAME_LENGTH = 26;
	static final int LOCAL_EXTRA_LENGTH = 28;

	/** Overwrites a 4-byte field of the central directory header of record {@code name}, as a hostile editor might. */
	static void patchCentral(Path file, String name, int field, int value) throws IOException {
		patch(file, 0x02014b50, 46, 28, name, field, value, 4);
	}

	/** Overwrites a field of {@code width} bytes (2 or 4) of the local header of record {@code name}. */
	static void patchLocal(Path file, String name, int field, int value, int width) throws IOException {
		patch(file, 0x04034b50, 30, 26, name, field, value, width);
	}

	/** Where the data of record {@code name} starts (after its local header). */
	static int dataOffset(Path file, String name) throws IOException {
		byte[] zip = Files.readAllBytes(file);
		ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
		int at = header(zip, 0x04034b50, 30, 26, name);
		return at + 30 + (b.getShort(at + 26) & 0xffff) + (b.getShort(at + 28) & 0xffff);
	}

	/** Replaces every occurrence of a record name by another of the same length, in local and central headers alike. */
	static void rename(Path file, String from, String to) throws IOException {
		byte[] zip = Files.readAllBytes(file);
		byte[] a = from.getBytes(StandardCharsets.UTF_8);
		byte[] b = to.getBytes(StandardCharsets.UTF_8);
		if (a.length != b.length) throw new IllegalArgumentException("names of different lengths");
		for (int at = 0; at + a.length <= zip.length; at++)
			if (Arrays.equals(Arrays.copyOfRange(zip, at, at + a.length), a)) System.arraycopy(b, 0, zip, at, b.length);
		Files.write(file, zip);
	}

	static void flipByte(Path file, long position) throws IOException {
		byte[] bytes = Files.readAllBytes(file);
		bytes[(int) position] ^= 0x10;
		Files.write(file, bytes);
	}

	private static void patch(Path file, int signature, int fixed, int nameLengthAt, String name, int field, int value, int width)
		throws IOException
	{
		byte[] zip = Files.readAllBytes(file);
		ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
		int at = header(zip, signature, fixed, nameLengthAt, name);
		if (width == 2) b.putShort(at + field, (short) value);
		else b.putInt(at + field, value);
		Files.write(file, zip);
	}

	private static int header(byte[] zip, int signature, int fixed, int nameLengthAt, String name) {
		ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
		byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
		for (int at = 0; at + fixed + wanted.length <= zip.length; at++) {
			if (b.getInt(at) != signature || (b.getShort(at + nameLengthAt) & 0xffff) != wanted.length) continue;
			if (Arrays.equals(Arrays.copyOfRange(zip, at + fixed, at + fixed + wanted.length), wanted)) return at;
		}
		throw new IllegalArgumentException("no header for " + name);
	}
}
