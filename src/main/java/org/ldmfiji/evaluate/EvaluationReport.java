package org.ldmfiji.evaluate;

import com.google.gson.GsonBuilder;
import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one evaluation: a row of metrics per held-out image, their means, whether each bar of issue 6 is
 * met, and side-by-side pictures. Written as {@code report.json}, {@code report.md} and one PNG per picture.
 */
public final class EvaluationReport {

	/** Grayscale panels in [0, 1] shown side by side, each scaled (nearest) to the tallest one's height. */
	static final class Picture {
		final String name;
		final List<FloatProcessor> panels = new ArrayList<>();

		Picture(String name) {
			this.name = name;
		}
	}

	final String task, model, data, settings;
	final List<String> panelCaptions;
	final List<Map<String, Double>> rows = new ArrayList<>();
	final Map<String, String> bars = new LinkedHashMap<>();
	/** The result in one line, for evaluations whose figures meet no bar; null if the bars say it. */
	private String summary;
	final transient List<Picture> pictures = new ArrayList<>();

	EvaluationReport(String task, String model, String data, String settings, List<String> panelCaptions) {
		this.task = task;
		this.model = model;
		this.data = data;
		this.settings = settings;
		this.panelCaptions = panelCaptions;
	}

	/** The mean of each metric over the images (infinite values, from identical images, included as such). */
	public Map<String, Double> means() {
		Map<String, Double> mean = new LinkedHashMap<>();
		if (rows.isEmpty()) return mean;
		for (String key : rows.get(0).keySet()) {
			double sum = 0;
			for (Map<String, Double> r : rows) sum += r.get(key);
			mean.put(key, sum / rows.size());
		}
		return mean;
	}

	/** A bar of the issue with whether the means meet it. */
	void bar(String what, boolean met, String figures) {
		bars.put(what, (met ? "met" : "NOT met") + " (" + figures + ")");
	}

	void summary(String line) {
		summary = line;
	}

	/** The result in one line, or null. */
	public String summary() {
		return summary;
	}

	public Map<String, String> bars() {
		return bars;
	}

	public List<Map<String, Double>> rows() {
		return rows;
	}

	/** Writes report.json, report.md and the pictures into {@code folder} (created if needed). */
	public void write(Path folder) throws IOException {
		Files.createDirectories(folder);
		Map<String, Object> json = new LinkedHashMap<>();
		json.put("task", task);
		json.put("model", model);
		json.put("data", data);
		json.put("sampling", settings);
		json.put("images", rows.size());
		if (summary != null) json.put("summary", summary);
		json.put("means", means());
		json.put("bars", bars);
		json.put("per_image", rows);
		List<String> files = new ArrayList<>();
		for (Picture p : pictures) files.add(p.name + ".png");
		json.put("pictures", files);
		json.put("picture_panels", panelCaptions);
		Files.write(folder.resolve("report.json"), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues()
			.create().toJson(json).getBytes(StandardCharsets.UTF_8));
		Files.write(folder.resolve("report.md"), markdown().getBytes(StandardCharsets.UTF_8));
		for (Picture p : pictures) {
			if (!new FileSaver(new ImagePlus(p.name, montage(p))).saveAsPng(folder.resolve(p.name + ".png").toString())) {
				throw new IOException("could not write " + folder.resolve(p.name + ".png"));
			}
		}
	}

	String markdown() {
		StringBuilder md = new StringBuilder();
		md.append("# Evaluation: ").append(task).append("\n\n");
		md.append("- model: `").append(model).append("`\n");
		md.append("- held-out data: ").append(data).append('\n');
		md.append("- sampling: ").append(settings).append('\n');
		md.append("- images: ").append(rows.size()).append("\n\n");
		if (summary != null) md.append(summary).append("\n\n");
		md.append("| metric | mean |\n| --- | ---: |\n");
		for (Map.Entry<String, Double> e : means().entrySet()) {
			md.append("| ").append(e.getKey()).append(" | ").append(format(e.getValue())).append(" |\n");
		}
		if (!bars.isEmpty()) {
			md.append("\n| bar | result |\n| --- | --- |\n");
			for (Map.Entry<String, String> e : bars.entrySet()) md.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
		}
		if (!pictures.isEmpty()) {
			md.append("\nPictures, left to right: ").append(String.join(" / ", panelCaptions)).append("\n\n");
			for (Picture p : pictures) md.append("![").append(p.name).append("](").append(p.name).append(".png)\n\n");
		}
		return md.toString();
	}

	static String format(double v) {
		return Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf") : String.format(Locale.ROOT, "%.4f", v);
	}

	/** The panels side by side on a white background, 4 pixels apart, each scaled to the tallest one's height. */
	private static ImageProcessor montage(Picture p) {
		int height = 0;
		for (FloatProcessor f : p.panels) height = Math.max(height, f.getHeight());
		List<ImageProcessor> scaled = new ArrayList<>();
		int width = 0;
		for (FloatProcessor f : p.panels) {
			f.setInterpolationMethod(ImageProcessor.NONE);
			ImageProcessor s = f.getHeight() == height ? f : f.resize(f.getWidth() * height / f.getHeight(), height);
			s.setMinAndMax(0, 1);
			scaled.add(s.convertToByte(true));
			width += s.getWidth();
		}
		int gap = 4;
		ByteProcessor out = new ByteProcessor(width + gap * (scaled.size() - 1), height);
		out.setColor(255);
		out.fill();
		int x = 0;
		for (ImageProcessor s : scaled) {
			out.insert(s, x, 0);
			x += s.getWidth() + gap;
		}
		return out;
	}
}
