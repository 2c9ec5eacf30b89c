package org.ldmfiji.io;

/**
 * A storage named by a torch pickle's persistent id {@code ('storage', <StorageClass>, key, location, numel)}: the
 * record {@code <prefix>/data/<key>} of the zip holds its {@code numel} elements, little-endian. The location (e.g.
 * {@code cuda:0}) is irrelevant here and not kept.
 */
final class TorchStorage {

	final String key;
	/** Null for an element type this package cannot load: an error only if a tensor of it is materialised. */
	final ElementType type;
	/** For messages, e.g. {@code torch.ComplexFloatStorage}. */
	final String typeName;
	/** Elements of {@link #type}. */
	final long numel;
	/**
	 * The size its record must have: numel times the element size of the persistent id's type, which
	 * {@code _rebuild_tensor_v3} may then view as another dtype; -1 if that type is not supported.
	 */
	final long recordBytes;

	TorchStorage(String key, ElementType type, String typeName, long numel, long recordBytes) {
		this.key = key;
		this.type = type;
		this.typeName = typeName;
		this.numel = numel;
		this.recordBytes = recordBytes;
	}
}
