package org.ldmfiji.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
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

	/** Offsets of fields in a central directory header. */
	static final int CENTRAL_CRC = 16;
	static final int CENTRAL_SIZE = 24;

	/** Overwrites a 4-byte field of the central directory header of record {@code name}, as a hostile editor might. */
	static void patchCentral(Path file, String name, int field, int value) throws IOException {
		byte[] zip = Files.readAllBytes(file);
		ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
		byte[] wanted = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
		for (int at = 0; at + 46 + wanted.length <= zip.length; at++) {
			if (b.getInt(at) != 0x02014b50 || (b.getShort(at + 28) & 0xffff) != wanted.length) continue;
			if (java.util.Arrays.equals(java.util.Arrays.copyOfRange(zip, at + 46, at + 46 + wanted.length), wanted)) {
				b.putInt(at + field, value);
				Files.write(file, zip);
				return;
			}
		}
		throw new IllegalArgumentException("no central directory header for " + name);
	}
}
