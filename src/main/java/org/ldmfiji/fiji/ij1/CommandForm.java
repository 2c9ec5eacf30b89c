package org.ldmfiji.fiji.ij1;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import ij.gui.GenericDialog;
import org.scijava.module.Module;
import org.scijava.module.ModuleItem;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A command's inputs as one ImageJ 1 form: the values come from a macro's options, from a dialog, or from the
 * command's own defaults, and all three go through the same checks before they are set on the module. The first
 * required image input is the current image, as for every ImageJ 1 command; further image inputs are chosen by
 * window title.
 */
final class CommandForm {

	static final String NO_IMAGE = "none";

	private final Module module;
	private final String title;
	private final List<InputField> fields;
	private final InputField currentImage;

	private CommandForm(Module module, List<InputField> fields, InputField currentImage) {
		this.module = module;
		this.title = module.getInfo().getTitle();
		this.fields = fields;
		this.currentImage = currentImage;
	}

	/** The form for a module whose services and initialisers have run (they resolve what is not the user's to give). */
	static CommandForm of(Module module) {
		List<InputField> fields = new ArrayList<>();
		InputField currentImage = null;
		for (ModuleItem<?> item : module.getInfo().inputs()) {
			InputField field = InputField.of(item);
			if (field == null) {
				if (item.isRequired() && !module.isInputResolved(item.getName()))
					throw new IllegalArgumentException("the input '" + item.getName() + "' (" + item.getType().getSimpleName()
							+ ") cannot be given from ImageJ 1; run this command from a SciJava script instead");
				continue;
			}
			if (!Macro.trimKey(item.getName()).equals(item.getName()))
				throw new IllegalArgumentException("the parameter '" + item.getName() + "' cannot be a macro key: ImageJ's recorder would write it as '"
						+ Macro.trimKey(item.getName()) + "'; name parameters in lower snake_case");
			if (field.kind == InputField.Kind.IMAGE && currentImage == null && item.isRequired()) currentImage = field;
			fields.add(field);
		}
		return new CommandForm(module, fields, currentImage);
	}

	/** Every macro key this command understands, in the order of its parameters. */
	Set<String> keys() {
		Set<String> keys = new LinkedHashSet<>();
		for (InputField f : fields) keys.add(f.key());
		return Collections.unmodifiableSet(keys);
	}

	/** Fills the inputs from a macro's options; a key the command does not have is refused, never ignored. */
	void fill(MacroOptions options) {
		for (String key : options.keys()) {
			if (!keys().contains(key))
				throw new IllegalArgumentException("unknown key '" + key + "'; " + title + " takes " + String.join(", ", keys()));
		}
		for (InputField f : fields) {
			if (f == currentImage && !options.has(f.key())) assignCurrentImage(f);
			else if (f.kind == InputField.Kind.FLAG) assign(f, Boolean.toString(options.flag(f.key())));
			else assign(f, options.has(f.key()) ? options.value(f.key(), null) : defaultText(f));
		}
	}

	/** Fills the inputs with the command's defaults (headless, where no dialog can ask). */
	void fillWithDefaults() {
		for (InputField f : fields) {
			if (f == currentImage) assignCurrentImage(f);
			else assign(f, defaultText(f));
		}
	}

	/** Asks in a dialog (which ImageJ's recorder records as key=value); false when the user cancels it. */
	boolean fillFromDialog() {
		GenericDialog gd = new GenericDialog(title);
		for (InputField f : fields) addTo(gd, f);
		gd.showDialog();
		if (gd.wasCanceled()) return false;
		for (InputField f : fields) {
			if (f == currentImage) assignCurrentImage(f);
			else assign(f, readFrom(gd, f));
		}
		return true;
	}

	private void addTo(GenericDialog gd, InputField f) {
		String key = f.key();
		switch (f.kind) {
			case NUMBER:
				gd.addNumericField(key, Double.parseDouble(defaultText(f)), 3);
				break;
			case INTEGER:
				gd.addNumericField(key, Double.parseDouble(defaultText(f)), 0);
				break;
			case FLAG:
				gd.addCheckbox(key, Boolean.parseBoolean(defaultText(f)));
				break;
			case CHOICE:
				gd.addChoice(key, f.choices().toArray(new String[0]), defaultText(f));
				break;
			case IMAGE:
				if (f == currentImage) break; // the current image, as for every ImageJ 1 command
				List<String> titles = imageTitles(f);
				gd.addChoice(key, titles.toArray(new String[0]), titles.get(0));
				break;
			default:
				gd.addStringField(key, defaultText(f), 30);
		}
	}

	private String readFrom(GenericDialog gd, InputField f) {
		switch (f.kind) {
			case NUMBER:
			case INTEGER:
				double d = gd.getNextNumber();
				if (gd.invalidNumber()) throw new IllegalArgumentException("'" + f.key() + "' is not a number");
				return Double.toString(d);
			case FLAG:
				return Boolean.toString(gd.getNextBoolean());
			case CHOICE:
				return gd.getNextChoice();
			case IMAGE:
				return gd.getNextChoice();
			default:
				return gd.getNextString();
		}
	}

	private List<String> imageTitles(InputField f) {
		List<String> titles = new ArrayList<>();
		if (!f.item.isRequired()) titles.add(NO_IMAGE);
		String[] open = WindowManager.getImageTitles();
		if (open != null) Collections.addAll(titles, open);
		if (titles.isEmpty()) throw new IllegalArgumentException(title + " needs an open image for '" + f.key() + "'");
		return titles;
	}

	/** The value a field starts with, written as a user would write it. */
	private String defaultText(InputField f) {
		Object v = module.getInput(f.key());
		switch (f.kind) {
			case NUMBER:
			case INTEGER:
				if (v instanceof Number) return v.toString();
				Object min = f.item.getMinimumValue();
				return min instanceof Number ? min.toString() : "0";
			case FLAG:
				return Boolean.toString(Boolean.TRUE.equals(v));
			case CHOICE:
				List<String> choices = f.choices();
				return v != null && choices.contains(v.toString()) ? v.toString() : choices.get(0);
			case FILE:
				return v == null ? "" : ((File) v).getPath();
			case IMAGE:
				return f.item.isRequired() ? imageTitles(f).get(0) : NO_IMAGE;
			default:
				return v == null ? "" : v.toString();
		}
	}

	/** The current image as the object itself (a title need not be unique). */
	private void assignCurrentImage(InputField f) {
		ImagePlus imp = WindowManager.getCurrentImage();
		if (imp == null) throw new IllegalArgumentException(title + " needs an open image");
		module.setInput(f.key(), imp);
		module.resolveInput(f.key());
	}

	/** Checks {@code text} against the field and sets it on the module (resolved, so no later step asks again). */
	private void assign(InputField f, String text) {
		module.setInput(f.key(), value(f, text));
		module.resolveInput(f.key());
	}

	private Object value(InputField f, String text) {
		ModuleItem<?> item = f.item;
		Class<?> type = InputField.boxed(item.getType());
		switch (f.kind) {
			case NUMBER:
				double d = number(f, text);
				return type == Float.class ? (Object) (float) d : (Object) d;
			case INTEGER:
				double n = number(f, text);
				if (n != Math.rint(n)) throw new IllegalArgumentException("'" + f.key() + "' must be a whole number, not " + text);
				if (type == Integer.class) return (int) checkedRange(f, n, Integer.MIN_VALUE, Integer.MAX_VALUE);
				if (type == Short.class) return (short) checkedRange(f, n, Short.MIN_VALUE, Short.MAX_VALUE);
				if (type == Byte.class) return (byte) checkedRange(f, n, Byte.MIN_VALUE, Byte.MAX_VALUE);
				return (long) n;
			case FLAG:
				return Boolean.parseBoolean(text);
			case CHOICE:
				List<String> choices = f.choices();
				int index = choices.indexOf(text);
				if (index < 0)
					throw new IllegalArgumentException("'" + f.key() + "' must be one of " + String.join(", ", choices) + ", not '" + text + "'");
				return type.isEnum() ? type.getEnumConstants()[index] : text;
			case FILE:
				if (text.isEmpty()) return required(f, null);
				return new File(text);
			case IMAGE:
				if (text.equals(NO_IMAGE) && !item.isRequired()) return null;
				ImagePlus imp = WindowManager.getImage(text);
				if (imp == null) throw new IllegalArgumentException("'" + f.key() + "': no open image is titled '" + text + "'");
				return imp;
			default:
				return text;
		}
	}

	private static Object required(InputField f, Object value) {
		if (value == null && f.item.isRequired()) throw new IllegalArgumentException("'" + f.key() + "' is required");
		return value;
	}

	private static double number(InputField f, String text) {
		double d;
		try {
			d = Double.parseDouble(text.trim());
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException("'" + f.key() + "' must be a number, not '" + text + "'");
		}
		if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("'" + f.key() + "' must be a finite number, not " + text);
		Object min = f.item.getMinimumValue();
		Object max = f.item.getMaximumValue();
		if (min instanceof Number && d < ((Number) min).doubleValue() || max instanceof Number && d > ((Number) max).doubleValue())
			throw new IllegalArgumentException("'" + f.key() + "' must be between " + bound(min, "-inf") + " and " + bound(max, "inf") + ", not " + text);
		return d;
	}

	private static double checkedRange(InputField f, double n, double lo, double hi) {
		if (n < lo || n > hi) throw new IllegalArgumentException("'" + f.key() + "' is out of range: " + n);
		return n;
	}

	private static String bound(Object b, String none) {
		return b instanceof Number ? b.toString() : none;
	}
}
