// End-to-end macro for Debian's ImageJ: the bridge's test command over two test images, then one it must refuse.
// Argument: a folder with in/ (the test images) and out/ (written here).
dir = getArgument();
setBatchMode(true);
names = newArray("fluorescence_16bit.tif", "stack_8bit.tif");
for (i = 0; i < names.length; i++) {
	open(dir + "/in/" + names[i]);
	run("Test Add Constant...", "value=100 suffix=_e2e");
	saveAs("Tiff", dir + "/out/" + getTitle());
	close("*");
}
print("e2e: saved " + names.length + " images");
open(dir + "/in/rgb.tif");
run("Test Add Constant...", "value=100 suffix=_e2e");
print("e2e: went on after a refused command");
saveAs("Tiff", dir + "/out/" + getTitle());
