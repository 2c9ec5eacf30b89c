package org.ldmfiji.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive (what {@code torch.jit.save} writes and {@code torch.jit.load} reads) for a module
 * class without parameters, from its TorchScript source text alone. The archive lives in memory and is loaded from
 * there, so the project never reads a TorchScript file from anywhere.
 *
 * <p>Layout, the smallest set libtorch's loader accepts (checked against what torch 2.x writes for a scripted module
 * and against libtorch 2.7.1 through DJL), every entry under one top-level folder and stored uncompressed:
 * <ul>
 * <li>{@code code/__torch__.py}: the class, in the serialised TorchScript dialect ({@code class C(Module):} with
 * {@code __parameters__}, {@code __buffers__}, {@code training : bool} and fully typed methods);</li>
 * <li>{@code data.pkl}: the module object, a pickle (protocol 2) of {@code __torch__.C} built from an empty tuple
 * and given the state {@code {"training": False}};</li>
 * <li>{@code constants.pkl}: the constant table, an empty tuple;</li>
 * <li>{@code version}: the file format version, 3, the lowest that knows the ops used here without upgraders.</li>
 * </ul>
 */
public final class TorchScriptArchive {

	/** The format version written to {@code version}. */
	static final String FORMAT_VERSION = "3";

	private static final String FOLDER = "archive/";

	private TorchScriptArchive() {}

	/**
	 * The archive of one parameterless module.
	 *
	 * @param className a Python identifier; the source must define {@code class <className>(Module):}
	 * @param source    the serialised TorchScript text of {@code __torch__.py}
	 */
	public static byte[] write(String className, String source) {
		if (!className.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("not a class name: " + className);
		if (!source.contains("class " + className + "(Module):"))
			throw new IllegalArgumentException("the source does not define class " + className + "(Module)");
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
			store(zip, "data.pkl", moduleObject(className));
			store(zip, "code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
			store(zip, "constants.pkl", EMPTY_TUPLE);
			store(zip, "version", (FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
		} catch (IOException e) {
			throw new UncheckedIOException("cannot write a TorchScript archive in memory", e);
		}
		return bytes.toByteArray();
	}

	// pickle protocol 2 opcodes
	private static final byte PROTO = (byte) 0x80, GLOBAL = 'c', EMPTY_TUPLE_OP = ')', NEWOBJ = (byte) 0x81,
		EMPTY_DICT = '}', MARK = '(', BINUNICODE = 'X', NEWFALSE = (byte) 0x89, SETITEMS = 'u', BUILD = 'b', STOP = '.';

	private static final byte[] EMPTY_TUPLE = {PROTO, 2, EMPTY_TUPLE_OP, STOP};

	/** {@code __torch__.<className>.__new__(cls)} with {@code __dict__ = {"training": False}}. */
	static byte[] moduleObject(String className) {
		ByteArrayOutputStream p = new ByteArrayOutputStream();
		p.write(PROTO);
		p.write(2);
		p.write(GLOBAL);
		p.writeBytes(("__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
		p.write(EMPTY_TUPLE_OP);
		p.write(NEWOBJ);
		p.write(EMPTY_DICT);
		p.write(MARK);
		byte[] key = "training".getBytes(StandardCharsets.UTF_8);
		p.write(BINUNICODE);
		for (int i = 0; i < 4; i++) p.write(key.length >>> (8 * i)); // little-endian length
		p.writeBytes(key);
		p.write(NEWFALSE);
		p.write(SETITEMS);
		p.write(BUILD);
		p.write(STOP);
		return p.toByteArray();
	}

	private static void store(ZipOutputStream zip, String name, byte[] data) throws IOException {
		ZipEntry e = new ZipEntry(FOLDER + name);
		e.setMethod(ZipEntry.STORED);
		e.setSize(data.length);
		e.setCompressedSize(data.length);
		CRC32 crc = new CRC32();
		crc.update(data);
		e.setCrc(crc.getValue());
		zip.putNextEntry(e);
		zip.write(data);
		zip.closeEntry();
	}
}
