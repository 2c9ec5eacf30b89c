package org.ldmfiji.fiji.ij1;

import ij.ImagePlus;
import org.scijava.ItemVisibility;
import org.scijava.module.ModuleItem;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/** One command input as ImageJ 1 sees it: a dialog field whose label is the parameter name, i.e. the macro key. */
final class InputField {

	enum Kind { NUMBER, INTEGER, FLAG, CHOICE, TEXT, FILE, IMAGE }

	final ModuleItem<?> item;
	final Kind kind;

	private InputField(ModuleItem<?> item, Kind kind) {
		this.item = item;
		this.kind = kind;
	}

	String key() {
		return item.getName();
	}

	/** The field for {@code item}, or null when ImageJ 1 has no way to give it (services, messages, other types). */
	static InputField of(ModuleItem<?> item) {
		ItemVisibility visibility = item.getVisibility();
		if (visibility == ItemVisibility.MESSAGE || visibility == ItemVisibility.INVISIBLE) return null;
		Kind kind = kindOf(item);
		return kind == null ? null : new InputField(item, kind);
	}

	private static Kind kindOf(ModuleItem<?> item) {
		Class<?> t = boxed(item.getType());
		if (t == ImagePlus.class) return Kind.IMAGE;
		if (t == Boolean.class) return Kind.FLAG;
		if (t == Integer.class || t == Long.class || t == Short.class || t == Byte.class) return Kind.INTEGER;
		if (t == Double.class || t == Float.class) return Kind.NUMBER;
		if (t.isEnum() || (t == String.class && item.getChoices() != null && !item.getChoices().isEmpty())) return Kind.CHOICE;
		if (t == String.class) return Kind.TEXT;
		if (t == File.class) return Kind.FILE;
		return null;
	}

	/** The allowed values of a {@link Kind#CHOICE} field, as the user writes them. */
	List<String> choices() {
		List<String> out = new ArrayList<>();
		Class<?> t = item.getType();
		if (t.isEnum()) {
			for (Object c : t.getEnumConstants()) out.add(c.toString());
		} else {
			for (Object c : item.getChoices()) out.add(String.valueOf(c));
		}
		return out;
	}

	static Class<?> boxed(Class<?> t) {
		if (!t.isPrimitive()) return t;
		if (t == boolean.class) return Boolean.class;
		if (t == int.class) return Integer.class;
		if (t == long.class) return Long.class;
		if (t == short.class) return Short.class;
		if (t == byte.class) return Byte.class;
		if (t == double.class) return Double.class;
		if (t == float.class) return Float.class;
		return t;
	}
}
