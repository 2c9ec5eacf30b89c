package org.ldmfiji.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Where the opcodes of a pickle stream start, so that a fuzzer can mutate whole opcodes rather than random bytes. */
final class PickleOps {

	/** Every opcode of protocols 0 to 5 (the last two are out-of-band buffers, which checkpoints never use). */
	static final int[] ALL = { '(', '.', '0', '1', '2', 'N', 0x88, 0x89, ')', 't', 0x85, 0x86, 0x87, ']', 'l', 'a', 'e', '}',
		'd', 's', 'u', 0x8f, 0x90, 0x91, 0x93, 'R', 0x81, 0x92, 'o', 'b', 0x94, 'Q', 0x80, 'K', 'q', 'h', 'M', 'J', 'r', 'j',
		'G', 0x95, 'U', 0x8c, 'C', 0x8a, 'T', 'X', 'B', 0x8b, 0x8d, 0x8e, 0x96, 'I', 'L', 'F', 'S', 'V', 'p', 'g', 'P', 'c',
		'i', 0x97, 0x98 };

	private PickleOps() {
	}

	/** @return the offset of each opcode, in order, up to and including STOP or the first one not understood */
	static List<Integer> starts(byte[] p) {
		List<Integer> starts = new ArrayList<>();
		ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
		int at = 0;
		while (at < p.length) {
			starts.add(at);
			int op = p[at] & 0xff;
			int next = next(p, b, at + 1, op);
			if (op == '.' || next < 0 || next > p.length) break;
			at = next;
		}
		return starts;
	}

	/** @return where the opcode after the one at {@code at - 1} starts, or -1 */
	private static int next(byte[] p, ByteBuffer b, int at, int op) {
		switch (op) {
			case 0x80: case 'K': case 'q': case 'h':
				return at + 1;
			case 'M':
				return at + 2;
			case 'J': case 'r': case 'j':
				return at + 4;
			case 'G': case 0x95:
				return at + 8;
			case 'U': case 0x8c: case 'C': case 0x8a:
				return at < p.length ? at + 1 + (p[at] & 0xff) : -1;
			case 'T': case 'X': case 'B': case 0x8b:
				return at + 4 <= p.length ? (int) Math.min(Integer.MAX_VALUE, at + 4 + (b.getInt(at) & 0xffffffffL)) : -1;
			case 0x8d: case 0x8e: case 0x96:
				return at + 8 <= p.length && b.getLong(at) >= 0 && b.getLong(at) < p.length ? at + 8 + (int) b.getLong(at) : -1;
			case 'I': case 'L': case 'F': case 'S': case 'V': case 'p': case 'g': case 'P':
				return line(p, at);
			case 'c': case 'i':
				int first = line(p, at);
				return first < 0 ? -1 : line(p, first);
			default:
				for (int known : ALL)
					if (known == op) return at;
				return -1;
		}
	}

	private static int line(byte[] p, int at) {
		for (int i = at; i < p.length; i++)
			if (p[i] == '\n') return i + 1;
		return -1;
	}
}
