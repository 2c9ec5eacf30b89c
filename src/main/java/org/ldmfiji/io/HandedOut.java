package org.ldmfiji.io;

import java.util.Map;
import java.util.TreeMap;

/**
 * The byte ranges of one buffer (a file's mapping, an inflated record) already handed to arrays. An array wraps its
 * bytes without copying, so a second array over any of the same bytes must get a copy: in-place ops on one must
 * never show in the other.
 */
final class HandedOut {

	private final TreeMap<Long, Long> ranges = new TreeMap<>();

	/** @return true if {@code [start, end)} overlaps no range handed out before, and is now handed out */
	boolean claim(long start, long end) {
		Map.Entry<Long, Long> before = ranges.lowerEntry(end);
		if (before != null && before.getValue() > start) return false;
		ranges.put(start, end);
		return true;
	}
}
