package org.ldmfiji.io;

import java.io.IOException;

/**
 * A model config that cannot be used. The message names the file, the key path
 * (for example {@code model.params.unet_config.params.num_res_blocks}) and what is
 * wrong or expected, so the problem is clear where the config is loaded.
 */
public final class ConfigException extends IOException {

	private static final long serialVersionUID = 1L;

	private final String source;
	private final String keyPath;

	ConfigException(String source, String keyPath, String problem) {
		this(source, keyPath, problem, null);
	}

	ConfigException(String source, String keyPath, String problem, Throwable cause) {
		super(source + (keyPath.isEmpty() ? "" : ": " + keyPath) + ": " + problem, cause);
		this.source = source;
		this.keyPath = keyPath;
	}

	/** The file (or resource, or caller-given name) the config came from. */
	public String getSource() {
		return source;
	}

	/** The dotted key path of the offending entry; empty for problems with the whole document. */
	public String getKeyPath() {
		return keyPath;
	}
}
