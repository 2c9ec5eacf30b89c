package org.ldmfiji.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes safetensors files byte by byte, so tests control every field, including broken ones. */
final class SafetensorsFiles {

	private SafetensorsFiles() {
	}

	/** The length field, the header text padded with spaces to {@code headerLength}, then the data. */
	static Path write(Path file, long lengthField, String header, int headerLength, byte[] data) throws IOException {
		StringBuilder padded = new StringBuilder(header);
		while (padded.length() < headerLength)
			padded.append(' ');
		byte[] text = padded.toString().getBytes(StandardCharsets.UTF_8);
		ByteBuffer b = ByteBuffer.allocate(8 + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
		b.putLong(lengthField).put(text).put(data);
		return Files.write(file, b.array());
	}

	static Path write(Path file, String header, byte[] data) throws IOException {
		int length = header.getBytes(StandardCharsets.UTF_8).length;
		return write(file, length, header, length, data);
	}

	static byte[] floats(float... values) {
		ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : values)
			b.putFloat(v);
		return b.array();
	}
}
