// Batch super-resolution: every image of a folder enlarged by the model's factor and saved as <name>_sr.tif, with
// Plugins > Latent Diffusion > Process Folder. The model loads once; a file that fails is logged and the batch goes
// on; the summary ("N done, N skipped, N failed") ends up in the Log.
//
// In Fiji or ImageJ: Plugins > Macros > Run... this file; it asks for the two folders.
// Unattended, with an argument that is handed to Process Folder as it is (any of its keys may be added):
//   xvfb-run -a imagej -b batch_super_resolution.ijm "input_directory=[/data/in] output_directory=[/data/out] steps=20 skip_existing"
options = getArgument();
if (options == "") {
	input = getDirectory("Folder of images to enlarge");
	output = getDirectory("Folder for the results");
	options = "input_directory=[" + input + "] output_directory=[" + output + "]";
}
setBatchMode(true);
run("Process Folder...", "task=sr " + options);
