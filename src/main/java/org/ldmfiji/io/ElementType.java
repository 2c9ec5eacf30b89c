package org.ldmfiji.io;

import ai.djl.ndarray.types.DataType;

/**
 * The element types a checkpoint may store, with their names in safetensors headers and in torch pickles, and the
 * DJL type each one loads as. BF16 and I16 are widened in Java because DJL's PyTorch JNI has no usable case for
 * them: creating or casting to BFLOAT16 aborts the JVM, and INT16 goes through the same broken dtype switch.
 */
enum ElementType {
	FLOAT32("F32", "FloatStorage", "float32", 4, DataType.FLOAT32),
	FLOAT16("F16", "HalfStorage", "float16", 2, DataType.FLOAT16),
	BFLOAT16("BF16", "BFloat16Storage", "bfloat16", 2, DataType.FLOAT32),
	FLOAT64("F64", "DoubleStorage", "float64", 8, DataType.FLOAT64),
	INT64("I64", "LongStorage", "int64", 8, DataType.INT64),
	INT32("I32", "IntStorage", "int32", 4, DataType.INT32),
	INT16("I16", "ShortStorage", "int16", 2, DataType.INT32),
	INT8("I8", "CharStorage", "int8", 1, DataType.INT8),
	UINT8("U8", "ByteStorage", "uint8", 1, DataType.UINT8),
	BOOL("BOOL", "BoolStorage", "bool", 1, DataType.BOOLEAN);

	final String safetensorsName;
	final String storageClass;
	final String torchName;
	/** Bytes per element in the file. */
	final int bytes;
	/** The type of the NDArray it loads as. */
	final DataType arrayType;

	ElementType(String safetensorsName, String storageClass, String torchName, int bytes, DataType arrayType) {
		this.safetensorsName = safetensorsName;
		this.storageClass = storageClass;
		this.torchName = torchName;
		this.bytes = bytes;
		this.arrayType = arrayType;
	}

	boolean isWidened() {
		return arrayType.getNumOfBytes() != bytes;
	}

	/** @return null for a name that is not supported */
	static ElementType fromSafetensors(String name) {
		for (ElementType t : values())
			if (t.safetensorsName.equals(name)) return t;
		return null;
	}

	/** @param name the class name of a typed storage, e.g. {@code FloatStorage}; null if not supported */
	static ElementType fromStorageClass(String name) {
		for (ElementType t : values())
			if (t.storageClass.equals(name)) return t;
		return null;
	}

	/** @param name a torch dtype attribute, e.g. {@code float32} of {@code torch.float32}; null if not supported */
	static ElementType fromTorchDtype(String name) {
		for (ElementType t : values())
			if (t.torchName.equals(name)) return t;
		return null;
	}

	static String safetensorsNames() {
		StringBuilder names = new StringBuilder();
		for (ElementType t : values())
			names.append(names.length() == 0 ? "" : ", ").append(t.safetensorsName);
		return names.toString();
	}
}
