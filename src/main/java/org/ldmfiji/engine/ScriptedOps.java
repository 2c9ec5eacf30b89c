package org.ldmfiji.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * libtorch ops that DJL's JNI does not bind, reached through a small TorchScript module whose source is below and
 * whose archive {@link TorchScriptArchive} writes in memory at first use:
 * <ul>
 * <li>casts to and from bfloat16 (DJL aborts the JVM on any bfloat16 creation or cast of its own: its native dtype
 * switch knows DJL's codes 0–8 only);</li>
 * <li>fused {@code group_norm} (one kernel instead of a layer norm over a view plus the affine), fused SiLU, and the
 * two together;</li>
 * <li>the channels-last memory format.</li>
 * </ul>
 * Every op works on float32 and on bfloat16 tensors; a group norm of a bfloat16 tensor takes float32 affine weights and
 * computes its statistics in float32. Results belong to the input's manager (and to the current {@code NDScope}).
 *
 * <p>DJL reports a bfloat16 tensor's data type as {@code UNKNOWN}; shapes, views and its ordinary ops (conv2d, linear,
 * matmul, layer norm, sigmoid, gelu, add, mul, cat, pooling, interpolation) work, but never call {@code softmax},
 * {@code toType} to bfloat16 or read its data directly: use {@link #softmaxFloat32}, {@link #toBfloat16} and
 * {@link #toFloat32}.
 */
public final class ScriptedOps {

	/** The TorchScript class, in the dialect {@code torch.jit.save} writes (aten ops under {@code torch.}). */
	static final String CLASS_NAME = "ScriptedOps";

	/** ScalarType codes of the serialised dialect: 6 float32, 15 bfloat16; MemoryFormat 2: channels-last. */
	static final String SOURCE = String.join("\n",
		"class ScriptedOps(Module):",
		"  __parameters__ = []",
		"  __buffers__ = []",
		"  training : bool",
		"  def to_bf16(self: __torch__.ScriptedOps, x: Tensor) -> Tensor:",
		"    return torch.to(x, 15)",
		"  def to_f32(self: __torch__.ScriptedOps, x: Tensor) -> Tensor:",
		"    return torch.to(x, 6)",
		"  def silu(self: __torch__.ScriptedOps, x: Tensor) -> Tensor:",
		"    return torch.silu(x)",
		"  def group_norm(self: __torch__.ScriptedOps, x: Tensor, groups: int, weight: Tensor, bias: Tensor,",
		"    eps: float) -> Tensor:",
		"    return torch.group_norm(x, groups, weight, bias, eps, False)",
		"  def group_norm_silu(self: __torch__.ScriptedOps, x: Tensor, groups: int, weight: Tensor, bias: Tensor,",
		"    eps: float) -> Tensor:",
		"    return torch.silu_(torch.group_norm(x, groups, weight, bias, eps, False))",
		"  def channels_last(self: __torch__.ScriptedOps, x: Tensor) -> Tensor:",
		"    return torch.contiguous(x, memory_format=2)",
		"");

	private static final Logger LOG = LoggerFactory.getLogger(ScriptedOps.class);

	private ScriptedOps() {}

	private static volatile PtSymbolBlock module;
	private static String failure;

	/**
	 * True if the helper module loaded (it is loaded on the first call). Where it cannot be (a libtorch whose loader
	 * refuses it), callers keep to DJL's own ops: float32 composes its group norm, bfloat16 is unavailable.
	 */
	public static boolean available() {
		return module() != null;
	}

	/** Why the module did not load; null if it did. */
	public static synchronized String failure() {
		module();
		return failure;
	}

	private static PtSymbolBlock module() {
		PtSymbolBlock loaded = module;
		return loaded != null ? loaded : load();
	}

	private static synchronized PtSymbolBlock load() {
		if (module == null && failure == null) {
			Inference.prepareThread();
			// The module has no tensors, so one copy serves every device; its manager lives as long as the process.
			PtNDManager owner = (PtNDManager) NDManager.newBaseManager(Device.cpu());
			try {
				byte[] archive = TorchScriptArchive.write(CLASS_NAME, SOURCE);
				module = JniUtils.loadModule(owner, new ByteArrayInputStream(archive), false, false);
			} catch (IOException | RuntimeException e) {
				owner.close();
				failure = "libtorch refused the project's own TorchScript helper module: " + e.getMessage();
				LOG.warn(failure);
			}
		}
		return module;
	}

	private static PtSymbolBlock requireModule() {
		PtSymbolBlock m = module();
		if (m == null) throw new IllegalStateException(failure);
		return m;
	}

	/** A float32 (or any) tensor as bfloat16. */
	public static NDArray toBfloat16(NDArray x) {
		return run("to_bf16", x);
	}

	/** A bfloat16 (or any) tensor as float32. */
	public static NDArray toFloat32(NDArray x) {
		return run("to_f32", x);
	}

	/** {@code F.silu(x)} = x · sigmoid(x), one kernel. */
	public static NDArray silu(NDArray x) {
		return run("silu", x);
	}

	/** {@code F.group_norm(x, groups, weight, bias, eps)}: one kernel, statistics in float32 for bfloat16 input. */
	public static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
		return runNorm("group_norm", x, groups, weight, bias, eps);
	}

	/** {@code F.silu(F.group_norm(x, ...))}, the SiLU applied in place to the norm's fresh output. */
	public static NDArray groupNormSilu(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
		return runNorm("group_norm_silu", x, groups, weight, bias, eps);
	}

	/** The same values in the channels-last (NHWC-strided) layout; convolutions then run and return channels-last. */
	public static NDArray channelsLast(NDArray x) {
		return run("channels_last", x);
	}

	/** Softmax along {@code axis} computed and returned in float32, for float32 or bfloat16 input. */
	public static NDArray softmaxFloat32(NDArray x, int axis) {
		return JniUtils.softmax((PtNDArray) x, axis, DataType.FLOAT32);
	}

	private static NDArray run(String method, NDArray x) {
		try (IValue in = IValue.from((PtNDArray) x);
			IValue out = IValueUtils.runMethod(requireModule(), method, in)) {
			return out.toTensor((PtNDManager) x.getManager());
		}
	}

	private static NDArray runNorm(String method, NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
		try (IValue in = IValue.from((PtNDArray) x);
			IValue g = IValue.from((long) groups);
			IValue w = IValue.from((PtNDArray) weight);
			IValue b = IValue.from((PtNDArray) bias);
			IValue e = IValue.from(eps);
			IValue out = IValueUtils.runMethod(requireModule(), method, in, g, w, b, e)) {
			return out.toTensor((PtNDManager) x.getManager());
		}
	}
}
