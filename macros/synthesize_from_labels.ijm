// Synthesis from a label image: integer labels 0..K-1 (one per class of a label-map model; the bundled default,
// fluo-labels, takes 0 background, 1 cell body, 2 nucleus) become a new image of the same size, one per plane of the
// label image: 16-bit from a grayscale model such as fluo-labels, RGB from a colour one.
//
// In Fiji or ImageJ: open the label image and run this file (add Synthesize's macro keys to the options below).
// Unattended: name the label image, where to save the result, and options for Synthesize (its macro keys):
//   xvfb-run -a imagej -b synthesize_from_labels.ijm "labels=[test-images/cells_labels_8bit.tif] output=[/data/synthesized.tif] options=[steps=20 seed=1]"
argument = getArgument();
options = "";
if (argument != "") {
	setBatchMode(true);
	open(value(argument, "labels"));
	options = value(argument, "options");
}
if (nImages == 0)
	exit("Open a label image first");
run("Synthesize...", "label_image=[" + getTitle() + "] " + options);
output = value(argument, "output");
if (output != "")
	saveAs("Tiff", output);

// the value of key=value or key=[value with spaces] in the argument; "" if absent
function value(text, key) {
	return call("ij.Macro.getValue", text + " ", key, "");
}
