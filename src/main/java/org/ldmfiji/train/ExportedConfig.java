package org.ldmfiji.train;

import org.ldmfiji.io.ConfigException;
import org.ldmfiji.io.ModelConfigReader;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A run's config as an exported model ships it: the same text with {@code use_ema: false} under the model's
 * {@code params}, since the exported weights have no {@code model_ema.*} copy. The reference builds its LitEma from
 * the freshly initialised denoiser before it loads a checkpoint (non-strictly), so with {@code use_ema: true} and no
 * EMA buffers in the file its {@code ema_scope} would sample with those initial weights, not the trained ones.
 *
 * <p>Only the one line is written or replaced, so the file keeps its comments and layout; the result is read back to
 * make sure the edit says what it should.
 */
final class ExportedConfig {

	private static final Pattern MODEL = Pattern.compile("model:\\s*(#.*)?");
	private static final Pattern USE_EMA = Pattern.compile("use_ema\\s*:.*");

	private ExportedConfig() {}

	/**
	 * @param name how error messages name the config
	 * @param why  the comment written after the setting
	 * @throws IllegalArgumentException if the config has no block-style {@code params} section to write into
	 */
	static String withoutEma(String text, String name, String why) {
		String newline = text.contains("\r\n") ? "\r\n" : "\n";
		List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
		// the model section: under a top-level 'model:', or the whole document (a top-level target and params)
		int start = 0;
		int end = lines.size();
		int sectionIndent = 0;
		for (int i = 0; i < lines.size(); i++) {
			if (!MODEL.matcher(lines.get(i)).matches()) continue;
			end = blockEnd(lines, i, 0);
			start = i + 1;
			sectionIndent = childIndent(lines, i, end, 2);
			break;
		}
		int params = -1;
		for (int i = start; i < end && params < 0; i++) {
			String line = lines.get(i);
			if (isContent(line) && indent(line) == sectionIndent && line.substring(sectionIndent).matches("params:\\s*(#.*)?")) params = i;
		}
		if (params < 0)
			throw new IllegalArgumentException(name + " has no block-style 'params:' section under 'model:' to write use_ema: false into");
		int paramsEnd = blockEnd(lines, params, sectionIndent);
		int paramIndent = childIndent(lines, params, paramsEnd, sectionIndent + 2);
		String setting = " ".repeat(paramIndent) + "use_ema: false  # " + why;
		int existing = -1;
		for (int i = params + 1; i < paramsEnd; i++) {
			String line = lines.get(i);
			if (isContent(line) && indent(line) == paramIndent && USE_EMA.matcher(line.substring(paramIndent)).matches()) existing = i;
		}
		if (existing >= 0) lines.set(existing, setting);
		else lines.add(params + 1, setting);
		String edited = String.join(newline, lines);
		try {
			if (ModelConfigReader.read(edited, name).diffusion.useEma)
				throw new IllegalStateException(name + ": writing use_ema: false into the config did not take effect");
		} catch (ConfigException e) {
			throw new IllegalStateException(name + ": the config no longer reads after writing use_ema: false into it: " + e.getMessage(), e);
		}
		return edited;
	}

	/** The line after the block that {@code lines[header]} opens: the next content line indented no deeper. */
	private static int blockEnd(List<String> lines, int header, int headerIndent) {
		for (int i = header + 1; i < lines.size(); i++) {
			if (isContent(lines.get(i)) && indent(lines.get(i)) <= headerIndent) return i;
		}
		return lines.size();
	}

	/** The indent of a block's entries: its first content line's. */
	private static int childIndent(List<String> lines, int header, int end, int otherwise) {
		for (int i = header + 1; i < end; i++) {
			if (isContent(lines.get(i))) return indent(lines.get(i));
		}
		return otherwise;
	}

	private static boolean isContent(String line) {
		String t = line.trim();
		return !t.isEmpty() && !t.startsWith("#");
	}

	private static int indent(String line) {
		int n = 0;
		while (n < line.length() && line.charAt(n) == ' ') n++;
		return n;
	}
}
