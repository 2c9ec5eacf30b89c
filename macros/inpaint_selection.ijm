// Inpainting of a selection: a new image <title>_inpainted in which only the area selection is regenerated; every
// other pixel comes back exactly as it was.
//
// In Fiji or ImageJ: open an image, draw a rectangle, oval, polygon or freehand selection and run this file; the
// dialog of Plugins > Latent Diffusion > Inpaint Selection asks for the parameters.
// Unattended: name the image, the rectangle (x,y,width,height), where to save the result, and options for Inpaint
// Selection (its macro keys):
//   xvfb-run -a imagej -b inpaint_selection.ijm "image=[/data/cells.tif] rectangle=[10,12,24,16] output=[/data/cells_inpainted.tif] options=[steps=20 seed=1]"
argument = getArgument();
options = "";
if (argument != "") {
	setBatchMode(true);
	open(value(argument, "image"));
	r = split(value(argument, "rectangle"), ",");
	if (r.length != 4)
		exit("rectangle must be x,y,width,height, e.g. rectangle=[10,12,24,16]");
	makeRectangle(parseInt(r[0]), parseInt(r[1]), parseInt(r[2]), parseInt(r[3]));
	options = value(argument, "options");
}
if (nImages == 0)
	exit("Open an image and draw an area selection around the part to inpaint");
if (options == "")
	run("Inpaint Selection...");
else
	run("Inpaint Selection...", options);
output = value(argument, "output");
if (output != "")
	saveAs("Tiff", output);

// the value of key=value or key=[value with spaces] in the argument; "" if absent
function value(text, key) {
	return call("ij.Macro.getValue", text + " ", key, "");
}
