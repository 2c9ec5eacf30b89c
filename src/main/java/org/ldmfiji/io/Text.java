package org.ldmfiji.io;

/**
 * Strings read from a file, made fit for a one-line message: a key, a global's name or a pickle's raw bytes may hold
 * newlines, terminal escapes or megabytes of text.
 */
final class Text {

	private static final int MAX_CHARS = 80;

	private Text() {
	}

	/** In single quotes, escaped as Python's repr would, and cut after 80 characters. */
	static String quote(String s) {
		return "'" + escape(s) + "'";
	}

	/** Control, format and unassigned characters as {@code \n}, {@code \xNN} or {@code \\uNNNN}; backslash and quote escaped. */
	static String escape(String s) {
		StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 8);
		int shown = 0;
		for (int i = 0; i < s.length(); i++) {
			if (shown++ == MAX_CHARS) {
				out.append("...");
				break;
			}
			char c = s.charAt(i);
			switch (c) {
				case '\n': out.append("\\n"); continue;
				case '\r': out.append("\\r"); continue;
				case '\t': out.append("\\t"); continue;
				case '\\': out.append("\\\\"); continue;
				case '\'': out.append("\\'"); continue;
				default:
			}
			if (isVisible(c)) out.append(c);
			else if (c <= 0xff) out.append(String.format("\\x%02x", (int) c));
			else out.append(String.format("\\u%04x", (int) c));
		}
		return out.toString();
	}

	/** Raw bytes (a pickle's text that is not UTF-8): printable ASCII as it is, every other byte as {@code \xNN}. */
	static String escapeBytes(byte[] bytes) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < bytes.length; i++) {
			if (i == MAX_CHARS) {
				out.append("...");
				break;
			}
			int b = bytes[i] & 0xff;
			if (b == '\\' || b == '\'') out.append('\\').append((char) b);
			else if (b >= 0x20 && b < 0x7f) out.append((char) b);
			else out.append(String.format("\\x%02x", b));
		}
		return out.toString();
	}

	/** @return false if the string holds a lone surrogate, which no UTF-8 text can encode */
	static boolean isWellFormed(String s) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
			else if (Character.isSurrogate(c)) return false;
		}
		return true;
	}

	private static boolean isVisible(char c) {
		switch (Character.getType(c)) {
			case Character.CONTROL:
			case Character.FORMAT:
			case Character.UNASSIGNED:
			case Character.SURROGATE:
			case Character.PRIVATE_USE:
			case Character.LINE_SEPARATOR:
			case Character.PARAGRAPH_SEPARATOR:
				return false;
			default:
				return true;
		}
	}
}
