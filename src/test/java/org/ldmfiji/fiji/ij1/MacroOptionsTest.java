package org.ldmfiji.fiji.ij1;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MacroOptionsTest {

	/** Each option as key:value, value "-" for a bare key, joined by "; ". */
	private static String describe(MacroOptions o) {
		List<String> parts = new ArrayList<>();
		for (String k : o.keys()) parts.add(k + ":" + (hasValue(o, k) ? o.value(k, null) : "-"));
		return String.join("; ", parts);
	}

	private static boolean hasValue(MacroOptions o, String key) {
		try {
			o.value(key, null);
			return true;
		} catch (IllegalArgumentException bare) {
			return false;
		}
	}

	@ParameterizedTest(name = "[{index}] {0}")
	@CsvSource(delimiter = '|', value = {
			"steps=20 seed=1                         | steps:20; seed:1",
			"'steps=20 seed=1 '                      | steps:20; seed:1",
			"model=[my model] steps=5                | model:my model; steps:5",
			"output=[/a b/c.tif] overwrite           | output:/a b/c.tif; overwrite:-",
			"empty=[] x=1                            | empty:; x:1",
			"'  a=1   b=2  '                         | a:1; b:2",
			"flag                                    | flag:-",
			"path=C:\\dir\\f.tif                      | path:C:\\dir\\f.tif",
	})
	void splitsAsTheRecorderWrites(String options, String expected) {
		assertEquals(expected, describe(MacroOptions.parse(options)));
	}

	@ParameterizedTest(name = "[{index}] {0}")
	@CsvSource(delimiter = '|', value = {
			"a=[open                  | the value of 'a' opens a [ that is never closed",
			"a=1 a=2                  | the key 'a' is given twice",
			"=5                       | a value without a key at position 0 of the options '=5'",
	})
	void refusesWhatItCannotRead(String options, String message) {
		assertEquals(message, assertThrows(IllegalArgumentException.class, () -> MacroOptions.parse(options)).getMessage());
	}

	@ParameterizedTest(name = "[{index}] {0}")
	@CsvSource(delimiter = '|', value = {
			"x          | true",
			"x=true     | true",
			"x=FALSE    | false",
			"y=1        | false",
			"''         | false",
	})
	void aCheckboxIsOnWhenItsKeyIsThere(String options, boolean on) {
		assertEquals(on, MacroOptions.parse(options).flag("x"));
	}
}
