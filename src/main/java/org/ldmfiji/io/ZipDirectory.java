package org.ldmfiji.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The central directory of a zip archive (ZIP64 included), read strictly: a torch.save checkpoint is written by one
 * library in one way, so anything a tool might tolerate elsewhere (a second record of the same name, a local header
 * that disagrees with the directory, records that overlap) is damage or tampering here, and refused. Sizes and
 * offsets are checked against the file before anything is allocated from them.
 */
final class ZipDirectory {

	/** One record, as the central directory describes it. */
	static final class Record {
		final String name;
		final int flags;
		final int method;
		final long crc;
		final long compressedSize;
		final long size;
		final long localHeaderOffset;
		/** Where the record's data starts, once its local header has been read; -1 before. */
		long dataOffset = -1;

		private Record(String name, int flags, int method, long crc, long compressedSize, long size, long localHeaderOffset) {
			this.name = name;
			this.flags = flags;
			this.method = method;
			this.crc = crc;
			this.compressedSize = compressedSize;
			this.size = size;
			this.localHeaderOffset = localHeaderOffset;
		}
	}

	static final int STORED = 0;
	static final int DEFLATED = 8;

	private static final int EOCD = 0x06054b50;
	private static final int ZIP64_LOCATOR = 0x07064b50;
	private static final int ZIP64_EOCD = 0x06064b50;
	private static final int CENTRAL = 0x02014b50;
	private static final int LOCAL = 0x04034b50;
	private static final int EOCD_LENGTH = 22;
	private static final int CENTRAL_LENGTH = 46;
	private static final int LOCAL_LENGTH = 30;
	private static final long U32 = 0xffffffffL;
	/** Encrypted (bit 0) or strongly encrypted (bit 6) records cannot be read. */
	private static final int ENCRYPTED = 0x41;
	/** The records a torch.save archive has besides one per storage (data.pkl, version, byteorder, ...). */
	private static final int OTHER_RECORDS = 1024;
	/** Storages per tensor a checkpoint may plausibly have (the weights plus an optimizer's two moments). */
	private static final int RECORDS_PER_TENSOR = 4;

	private final MappedFile file;
	/** Directory order. */
	final Map<String, Record> records;
	/** Local header offsets in ascending order, then the directory's offset: where each record must end by. */
	private final long[] boundaries;

	private ZipDirectory(MappedFile file, Map<String, Record> records, long[] boundaries) {
		this.file = file;
		this.records = Collections.unmodifiableMap(records);
		this.boundaries = boundaries;
	}

	static ZipDirectory read(MappedFile file, LoadLimits limits) throws IOException {
		long size = file.size();
		int tailLength = (int) Math.min(size, EOCD_LENGTH + 0xffff);
		ByteBuffer tail = ByteBuffer.wrap(file.readBytes(size - tailLength, tailLength)).order(ByteOrder.LITTLE_ENDIAN);
		int eocd = -1;
		for (int at = tailLength - EOCD_LENGTH; at >= 0 && eocd < 0; at--)
			if (tail.getInt(at) == EOCD && (tail.getShort(at + 20) & 0xffff) == tailLength - at - EOCD_LENGTH) eocd = at;
		if (eocd < 0) throw damaged(file, "it has no end-of-central-directory record");
		long eocdOffset = size - tailLength + eocd;
		if ((tail.getShort(eocd + 4) & 0xffff) != 0 || (tail.getShort(eocd + 6) & 0xffff) != 0)
			throw damaged(file, "it claims to span several disks");
		long entries = tail.getShort(eocd + 10) & 0xffff;
		long directorySize = tail.getInt(eocd + 12) & U32;
		long directoryOffset = tail.getInt(eocd + 16) & U32;
		long directoryEnd = eocdOffset;
		if (eocd >= 20 && tail.getInt(eocd - 20) == ZIP64_LOCATOR) {
			long zip64Offset = tail.getLong(eocd - 20 + 8);
			if (zip64Offset < 0 || zip64Offset > eocdOffset - 20 - 56) throw damaged(file, "its ZIP64 locator points outside the file");
			ByteBuffer z = ByteBuffer.wrap(file.readBytes(zip64Offset, 56)).order(ByteOrder.LITTLE_ENDIAN);
			if (z.getInt(0) != ZIP64_EOCD) throw damaged(file, "its ZIP64 end-of-central-directory record is missing");
			entries = z.getLong(32);
			directorySize = z.getLong(40);
			directoryOffset = z.getLong(48);
			directoryEnd = zip64Offset;
		}
		else if (entries == 0xffff || directorySize == U32 || directoryOffset == U32)
			throw damaged(file, "its ZIP64 end-of-central-directory locator is missing");
		if (directoryOffset < 0 || directorySize < 0 || directoryOffset > directoryEnd || directorySize != directoryEnd - directoryOffset)
			throw damaged(file, "its central directory (" + directorySize + " bytes at " + directoryOffset
				+ ") does not end where the end-of-directory record starts");
		if (entries < 0 || entries > directorySize / CENTRAL_LENGTH)
			throw damaged(file, "it claims " + entries + " records, more than its " + directorySize + "-byte directory can list");
		long maxRecords = (long) limits.maxTensors * RECORDS_PER_TENSOR + OTHER_RECORDS;
		if (entries > maxRecords)
			throw CheckpointFormatException.in(file.path(), "is a zip archive of " + entries + " records, more than the " + maxRecords
				+ " a checkpoint may have; the file is corrupt or hostile");
		if (directorySize > Integer.MAX_VALUE) throw damaged(file, "its central directory claims " + directorySize + " bytes");
		file.allowance().charge(directorySize * 3, "the zip archive's directory");
		ByteBuffer directory = ByteBuffer.wrap(file.readBytes(directoryOffset, (int) directorySize)).order(ByteOrder.LITTLE_ENDIAN);
		Map<String, Record> records = new LinkedHashMap<>();
		long[] boundaries = new long[(int) entries + 1];
		int at = 0;
		for (int i = 0; i < entries; i++) {
			Record r = central(file, directory, at, directoryOffset);
			if (records.put(r.name, r) != null)
				throw CheckpointFormatException.in(file.path(), "holds two records named " + Text.quote(r.name)
					+ "; an archive torch.save wrote has one of each, so it was altered");
			boundaries[i] = r.localHeaderOffset;
			at += CENTRAL_LENGTH + (directory.getShort(at + 28) & 0xffff) + (directory.getShort(at + 30) & 0xffff)
				+ (directory.getShort(at + 32) & 0xffff);
		}
		if (at != directorySize) throw damaged(file, "its central directory holds more than the " + entries + " records it claims");
		boundaries[(int) entries] = directoryOffset;
		Arrays.sort(boundaries, 0, (int) entries);
		for (int i = 1; i < entries; i++)
			if (boundaries[i] == boundaries[i - 1]) throw damaged(file, "two of its records start at the same byte");
		return new ZipDirectory(file, records, boundaries);
	}

	/** Parses the central directory entry at {@code at}, checking that it lies within the directory. */
	private static Record central(MappedFile file, ByteBuffer d, int at, long directoryOffset) throws CheckpointFormatException {
		if (at > d.limit() - CENTRAL_LENGTH || d.getInt(at) != CENTRAL)
			throw damaged(file, "its central directory is corrupt at byte " + (directoryOffset + at));
		int flags = d.getShort(at + 8) & 0xffff;
		int method = d.getShort(at + 10) & 0xffff;
		long crc = d.getInt(at + 16) & U32;
		long compressed = d.getInt(at + 20) & U32;
		long size = d.getInt(at + 24) & U32;
		int nameLength = d.getShort(at + 28) & 0xffff;
		int extraLength = d.getShort(at + 30) & 0xffff;
		int commentLength = d.getShort(at + 32) & 0xffff;
		long localHeader = d.getInt(at + 42) & U32;
		if (at + (long) CENTRAL_LENGTH + nameLength + extraLength + commentLength > d.limit())
			throw damaged(file, "its central directory is corrupt at byte " + (directoryOffset + at));
		String name = name(file, d, at + CENTRAL_LENGTH, nameLength);
		// ZIP64: the fields that say 0xffffffff are in the extra field, in this order
		ByteBuffer zip64 = extraField(file, d, at + CENTRAL_LENGTH + nameLength, extraLength, 0x0001, name);
		try {
			if (size == U32) size = zip64.getLong();
			if (compressed == U32) compressed = zip64.getLong();
			if (localHeader == U32) localHeader = zip64.getLong();
		}
		catch (RuntimeException e) { // absent or too short
			throw damaged(file, "record " + Text.quote(name) + " lacks the ZIP64 sizes its header refers to");
		}
		if (size < 0 || compressed < 0 || localHeader < 0 || localHeader > directoryOffset - LOCAL_LENGTH)
			throw damaged(file, "record " + Text.quote(name) + " has a size or offset outside the file");
		return new Record(name, flags, method, crc, compressed, size, localHeader);
	}

	/**
	 * Reads a record's local header, checks that it agrees with the directory and that the data lies between it and
	 * the next record, and notes where the data starts.
	 */
	void locate(Record r) throws IOException {
		if (r.dataOffset >= 0) return;
		String about = "record " + Text.quote(r.name);
		if ((r.flags & ENCRYPTED) != 0) throw CheckpointFormatException.in(file.path(), about + " is encrypted");
		ByteBuffer local = ByteBuffer.wrap(file.readBytes(r.localHeaderOffset, LOCAL_LENGTH)).order(ByteOrder.LITTLE_ENDIAN);
		if (local.getInt(0) != LOCAL) throw damaged(file, about + " has no local header where the directory says it starts");
		int nameLength = local.getShort(26) & 0xffff;
		int extraLength = local.getShort(28) & 0xffff;
		if ((local.getShort(8) & 0xffff) != r.method)
			throw damaged(file, about + " has a local header whose compression method disagrees with the directory");
		ByteBuffer rest = ByteBuffer.wrap(file.readBytes(r.localHeaderOffset + LOCAL_LENGTH, nameLength + extraLength))
			.order(ByteOrder.LITTLE_ENDIAN);
		byte[] localName = Arrays.copyOf(rest.array(), nameLength);
		if (!Arrays.equals(localName, r.name.getBytes(StandardCharsets.UTF_8)))
			throw damaged(file, about + " has the name '" + Text.escapeBytes(localName) + "' in its local header (name length "
				+ nameLength + ")");
		extraField(file, rest, nameLength, extraLength, -1, r.name); // only checks that the blocks fill it exactly
		int next = Arrays.binarySearch(boundaries, 0, boundaries.length - 1, r.localHeaderOffset) + 1;
		long end = boundaries[next];
		long dataOffset = r.localHeaderOffset + LOCAL_LENGTH + nameLength + extraLength;
		if (dataOffset > end || r.compressedSize > end - dataOffset)
			throw damaged(file, about + " overlaps the next record (its local header's extra length, " + extraLength
				+ ", or its size, " + r.compressedSize + " bytes, is wrong)");
		r.dataOffset = dataOffset;
	}

	/**
	 * Checks that the extra field is a sequence of (id, length, data) blocks that fill it exactly.
	 * @return the data of the block with {@code id}, little-endian, or an empty buffer
	 */
	private static ByteBuffer extraField(MappedFile file, ByteBuffer b, int from, int length, int id, String name)
		throws CheckpointFormatException
	{
		ByteBuffer found = ByteBuffer.allocate(0);
		int at = from;
		while (at < from + length) {
			if (at + 4 > from + length) throw damaged(file, "record " + Text.quote(name) + " has a malformed extra field");
			int blockId = b.getShort(at) & 0xffff;
			int blockLength = b.getShort(at + 2) & 0xffff;
			if (at + 4 + blockLength > from + length) throw damaged(file, "record " + Text.quote(name) + " has a malformed extra field");
			if (blockId == id) {
				ByteBuffer dup = b.duplicate();
				dup.position(at + 4).limit(at + 4 + blockLength);
				found = dup.slice().order(ByteOrder.LITTLE_ENDIAN);
			}
			at += 4 + blockLength;
		}
		return found;
	}

	private static String name(MappedFile file, ByteBuffer d, int at, int length) throws CheckpointFormatException {
		ByteBuffer bytes = d.duplicate();
		bytes.position(at).limit(at + length);
		try {
			return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
		}
		catch (CharacterCodingException e) {
			throw damaged(file, "a record name is not valid UTF-8");
		}
	}

	private static CheckpointFormatException damaged(MappedFile file, String why) {
		return CheckpointFormatException.in(file.path(), "is not a readable zip archive (" + why + "); the checkpoint is truncated or damaged");
	}
}
