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
	/** What the persistent id says, for messages: e.g. {@code torch.HalfStorage} and 2. */
	final String persistentType;
	final long persistentNumel;

	/** As the persistent id describes it. */
	TorchStorage(String key, ElementType type, String typeName, long numel, long recordBytes) {
		this(key, type, typeName, numel, recordBytes, typeName, numel);
	}

	private TorchStorage(String key, ElementType type, String typeName, long numel, long recordBytes, String persistentType,
		long persistentNumel)
	{
		this.key = key;
		this.type = type;
		this.typeName = typeName;
		this.numel = numel;
		this.recordBytes = recordBytes;
		this.persistentType = persistentType;
		this.persistentNumel = persistentNumel;
	}

	/** The same bytes viewed as elements of another dtype, as {@code _rebuild_tensor_v3} does. */
	TorchStorage viewedAs(ElementType viewType, String viewTypeName) {
		long bytes = Math.max(recordBytes, 0);
		return new TorchStorage(key, viewType, viewTypeName, viewType == null ? 0 : bytes / viewType.bytes, recordBytes,
			persistentType, persistentNumel);
	}
}
