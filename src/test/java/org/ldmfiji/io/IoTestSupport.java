package org.ldmfiji.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Test resources and comparisons shared by the io tests. */
final class IoTestSupport {

	private IoTestSupport() {
	}

	static Path resource(String name) {
		try {
			return Paths.get(IoTestSupport.class.getResource("/" + name).toURI());
		}
		catch (URISyntaxException | NullPointerException e) {
			throw new IllegalStateException("missing test resource " + name, e);
		}
	}

	static JsonObject json(Path file) throws IOException {
		return JsonParser.parseString(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)).getAsJsonObject();
	}

	/** Every element, converted to double by torch (exact for all the test data). */
	static double[] values(NDArray array) {
		try (NDArray doubles = array.toType(DataType.FLOAT64, true)) {
			return doubles.toDoubleArray();
		}
	}

	/** The DJL type a torch dtype loads as. */
	static DataType loadedType(String torchDtype) {
		switch (torchDtype) {
			case "bfloat16":
				return DataType.FLOAT32;
			case "int16":
				return DataType.INT32;
			case "bool":
				return DataType.BOOLEAN;
			default:
				return DataType.valueOf(torchDtype.toUpperCase());
		}
	}

	/** Compares dtype, shape and every value with what make_test_files.py exported from torch. */
	static void assertTensor(JsonObject expected, NDArray actual, String key) {
		assertEquals(loadedType(expected.get("dtype").getAsString()), actual.getDataType(), key);
		JsonArray shape = expected.getAsJsonArray("shape");
		long[] expectedShape = new long[shape.size()];
		for (int i = 0; i < expectedShape.length; i++)
			expectedShape[i] = shape.get(i).getAsLong();
		assertArrayEquals(expectedShape, actual.getShape().getShape(), key);
		JsonArray values = expected.getAsJsonArray("values");
		double[] expectedValues = new double[values.size()];
		int i = 0;
		for (JsonElement v : values)
			expectedValues[i++] = v.getAsDouble();
		assertArrayEquals(expectedValues, values(actual), key);
	}

	/** Reads torch's own contiguity flag, which DJL does not expose. */
	static boolean isContiguous(NDArray array) {
		try {
			Class<?> library = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
			Field lib = library.getDeclaredField("LIB");
			lib.setAccessible(true);
			Method isContiguous = library.getDeclaredMethod("torchIsContiguous", long.class);
			isContiguous.setAccessible(true);
			return (Boolean) isContiguous.invoke(lib.get(null), ((PtNDArray) array).getHandle());
		}
		catch (ReflectiveOperationException e) {
			throw new AssertionError(e);
		}
	}
}
