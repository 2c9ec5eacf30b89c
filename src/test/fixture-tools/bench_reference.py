#!/usr/bin/env python3
"""Reference figures for the side-by-side table of issue 7, in the units of `java -jar target/ldm-cli.jar bench`.

1. The reference UNet step (models/ldm/bsr_sr/config.yaml of the checkout, random weights, batch 1, t = 500) under
   PyTorch eager fp32, and under bf16 autocast with channels-last weights and input: `warmup` untimed passes, then
   median / min / max in ms over `steps` timed passes (as `bench --arch bsr_sr --latent L --steps S --warmup W`).
2. The reference super-resolution recipe end to end, as the CompVis notebook's `run(model, path, "superresolution",
   custom_steps=100)` does it (notebook_helpers.py): the low-resolution image in [-1, 1] as conditioning, the 4x
   bilinear (antialiased) upsampling as `image`, `split_input_params` (ks 128, stride 64, vqf 4,
   patch_distributed_vq) once the upsampled image is 128 px or more, `get_input(..., return_first_stage_outputs=True)`
   (which encodes the upsampled image and decodes a reconstruction), DDIMSampler with eta 1 in fp32, then
   `decode_first_stage(sample)` and, as the notebook also does, `decode_first_stage(sample, force_not_quantize=True)`.
   Each part: wall and CPU seconds, minor page faults, resident memory and its peak (as `bench --task sr`).

Random weights everywhere (init as reference_unet_bench.py does), so the images are noise: this times, it does not
judge quality. Nothing in the checkouts is edited; packages the reference imports but never reaches on these paths are
stubbed as make_extra_cases.py does, plus `einops` (only pure axis permutations are reached here) and torchvision's
resize (the notebook's call is F.interpolate(bilinear, antialias=True) on a tensor). The samplers' CUDA
`register_buffer` is patched to stay on the CPU.

Usage (never run by the build or the tests):
  /path/to/python3 bench_reference.py --ldm /path/to/latent-diffusion --taming /path/to/taming-transformers \
      [--threads 2] [--latent 64] [--steps 5] [--warmup 2] [--sr-image 256] [--sr-steps 100] [--no-step] [--no-sr] [--no-bf16]
A quick check that everything runs: --latent 32 --steps 1 --warmup 0 --sr-image 32 --sr-steps 2
"""
import argparse
import copy
import os
import statistics
import sys
import time
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ldm", required=True, help="an unpacked CompVis/latent-diffusion tree")
    p.add_argument("--taming", required=True, help="an unpacked CompVis/taming-transformers tree")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--latent", type=int, default=64, help="UNet step: latent side")
    p.add_argument("--steps", type=int, default=5, help="UNet step: timed passes")
    p.add_argument("--warmup", type=int, default=2, help="UNet step: untimed passes first")
    p.add_argument("--sr-image", type=int, default=256, help="SR: low-resolution input side")
    p.add_argument("--sr-steps", type=int, default=100, help="SR: DDIM steps (the notebook's custom_steps)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-step", action="store_true", help="skip the UNet step timings")
    p.add_argument("--no-sr", action="store_true", help="skip the end-to-end SR")
    p.add_argument("--no-bf16", action="store_true",
                   help="skip the bf16 autocast step (emulated, tens of times slower, on a CPU without bf16 instructions)")
    return p.parse_args()


def install_einops_stub():
    """`rearrange` for pure axis permutations ('b c h w -> b h w c'), the only kind reached on these paths."""
    try:
        import einops  # noqa: F401  (the real package wins)
        return False
    except ImportError:
        pass

    def rearrange(t, pattern, **sizes):
        lhs, rhs = (side.split() for side in pattern.split("->"))
        if "(" in pattern or sorted(lhs) != sorted(rhs) or sizes:
            raise RuntimeError(f"einops stub: only axis permutations are supported, not '{pattern}'")
        return t.permute(*[lhs.index(a) for a in rhs])

    def unreachable(*args, **kwargs):
        raise RuntimeError("einops stub: repeat is not reached on the benchmarked paths")
    mod = types.ModuleType("einops")
    mod.rearrange, mod.repeat = rearrange, unreachable
    sys.modules["einops"] = mod
    return True


def setup_reference(ldm_root, taming_root):
    import make_extra_cases  # stubs for pytorch_lightning, omegaconf, torchvision, PIL, tqdm, clip, kornia
    sys.path.insert(0, os.path.abspath(taming_root))
    sys.path.insert(0, os.path.abspath(ldm_root))
    stubbed = make_extra_cases.install_stubs() + (["einops"] if install_einops_stub() else [])
    from ldm.util import instantiate_from_config
    from ldm.models.diffusion.ddim import DDIMSampler

    def cpu_register_buffer(self, name, attr):  # the reference moves these to CUDA; identical otherwise
        setattr(self, name, attr)
    DDIMSampler.register_buffer = cpu_register_buffer
    return instantiate_from_config, DDIMSampler, stubbed


def bsr_sr_config(ldm_root):
    import yaml
    with open(os.path.join(ldm_root, "models", "ldm", "bsr_sr", "config.yaml")) as f:
        return yaml.safe_load(f)


class Sample:
    """What the process has used so far: wall, CPU, minor faults, resident memory (as the Java bench's ProcessSample)."""

    def __init__(self):
        from reference_unet_bench import minflt, peak_rss_mib
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        self.faults = minflt()
        self.peak = peak_rss_mib()
        self.rss = float("nan")
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    self.rss = int(line.split()[1]) / 1024.0


def row(name, a, b):
    print(f"{name:18s} {b.wall - a.wall:9.2f} {b.cpu - a.cpu:9.2f} {b.faults - a.faults:13,d} {b.rss:9.0f} {b.peak:9.0f}")


def header():
    print(f"{'part':18s} {'wall s':>9s} {'cpu s':>9s} {'minor faults':>13s} {'RSS MiB':>9s} {'peak MiB':>9s}")


def time_steps(torch, unet, x, t, warmup, steps):
    times = []
    for _ in range(warmup):
        unet(x, t)
    for _ in range(steps):
        t0 = time.perf_counter()
        unet(x, t)
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def describe(times):
    return (f"median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, max {max(times):.1f} ms "
            f"over {len(times)} steps")


def unet_steps(a, torch, instantiate_from_config, config):
    from reference_unet_bench import init_random
    unet = instantiate_from_config(config["model"]["params"]["unet_config"]).eval()
    init_random(unet, torch)
    channels = config["model"]["params"]["unet_config"]["params"]["in_channels"]
    x = torch.randn(1, channels, a.latent, a.latent)
    t = torch.tensor([500])
    print(f"reference UNet (bsr_sr), latent {a.latent}x{a.latent}, {sum(p.numel() for p in unet.parameters()):,} parameters")
    with torch.no_grad():
        fp32 = time_steps(torch, unet, x, t, a.warmup, a.steps)
        print(f"denoiser step, eager fp32: {describe(fp32)}")
        if a.no_bf16:
            return
        unet_cl = copy.deepcopy(unet).to(memory_format=torch.channels_last)
        x_cl = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16 = time_steps(torch, unet_cl, x_cl, t, a.warmup, a.steps)
        print(f"denoiser step, bf16 autocast + channels-last: {describe(bf16)} "
              f"({statistics.median(bf16) / statistics.median(fp32):.2f}x fp32)")


def super_resolution(a, torch, instantiate_from_config, DDIMSampler, config):
    import torch.nn.functional as F
    from reference_unet_bench import init_random
    begin = Sample()
    model = instantiate_from_config(config["model"]).eval()
    init_random(model, torch)
    if getattr(model, "use_ema", False):
        from ldm.modules.ema import LitEma
        model.model_ema = LitEma(model.model)  # the EMA copy holds the same random weights
    made = Sample()

    # notebook_helpers.get_cond("superresolution"): LR in [-1, 1] (b h w c), 4x upsampled image (b h w c)
    n = a.sr_image
    lr = torch.rand(1, 3, n, n)
    up = F.interpolate(lr, size=[4 * n, 4 * n], mode="bilinear", antialias=True)
    batch = {"LR_image": (2.0 * lr - 1.0).permute(0, 2, 3, 1), "image": up.permute(0, 2, 3, 1)}
    # notebook_helpers.run: split_input once the upsampled image is 128 px or more
    if 4 * n >= 128:
        model.split_input_params = {"ks": (128, 128), "stride": (64, 64), "vqf": 4, "patch_distributed_vq": True,
                                    "tie_braker": False, "clip_max_weight": 0.5, "clip_min_weight": 0.01,
                                    "clip_max_tie_weight": 0.5, "clip_min_tie_weight": 0.01}
    step_ends = []
    with torch.no_grad():
        progress("encode (get_input with first-stage outputs)")
        encode = Sample()
        z, c, x, xrec, xc = model.get_input(batch, model.first_stage_key, return_first_stage_outputs=True,
                                            force_c_encode=True, return_original_cond=True)
        with model.ema_scope("Plotting"):
            progress(f"sample, {a.sr_steps} DDIM steps")
            sample = Sample()
            out, _ = DDIMSampler(model).sample(a.sr_steps, batch_size=z.shape[0], shape=z.shape[1:], conditioning=c,
                                               eta=1.0, verbose=False, callback=lambda i: step_ends.append(Sample()))
        progress("decode, twice")
        decode = Sample()
        image = model.decode_first_stage(out)
        decoded = Sample()
        model.decode_first_stage(out, force_not_quantize=True)
        end = Sample()
    print(f"reference SR (notebook recipe): {n}x{n} to {image.shape[-1]}x{image.shape[-2]}, DDIM eta 1, {a.sr_steps} steps, "
          f"fp32, split_input {'on' if hasattr(model, 'split_input_params') else 'off'}")
    header()
    row("load", begin, made)
    row("encode", encode, sample)
    row("sample", sample, decode)
    previous = sample
    for i, s in enumerate(step_ends if len(step_ends) <= 10 else []):
        row(f"  step {i + 1}", previous, s)
        previous = s
    if len(step_ends) > 10:
        per = [(s.wall - p.wall) for p, s in zip([sample] + step_ends[:-1], step_ends)]
        print(f"  per step: median {statistics.median(per):.2f} s, min {min(per):.2f} s, max {max(per):.2f} s")
    row("decode", decode, decoded)
    row("decode again", decoded, end)
    row("encode to decoded", encode, decoded)
    row("as the notebook", encode, end)


def progress(part):
    """Which part runs now, on stderr at once: the parts of a large SR can take tens of minutes each."""
    print(f"{time.strftime('%H:%M:%S')} {part}", file=sys.stderr, flush=True)


def bf16_kernels(torch):
    """Whether oneDNN has bf16 kernels here; 'unknown' on a PyTorch too old to say (Debian 12's 1.13)."""
    probe = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None) if torch.backends.mkldnn.is_available() else None
    return probe() if probe is not None else "unknown"


def main():
    a = parse()
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    instantiate_from_config, DDIMSampler, stubbed = setup_reference(a.ldm, a.taming)
    config = bsr_sr_config(a.ldm)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, "
          f"bf16 kernels: {bf16_kernels(torch)}, "
          f"stubbed: {', '.join(stubbed) or 'none'}; load average {os.getloadavg()[0]:.2f}")
    if not a.no_step:
        unet_steps(a, torch, instantiate_from_config, config)
    if not a.no_sr:
        super_resolution(a, torch, instantiate_from_config, DDIMSampler, config)
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} processors")


if __name__ == "__main__":
    main()
