#!/usr/bin/env python3
"""Reference timing of CompVis latent-diffusion's UNet (bsr_sr config) and VQ-f4 first stage on CPU.

Same protocol as the Java bench (`LdmCli bench --arch bsr_sr --latent 64 --steps 5 --warmup 2 --threads 2`):
eager, torch.no_grad(), fp32, batch 1, x = [1, 6, L, L], t = tensor([500]), `warmup` untimed forward passes,
then median / min / max over `steps` timed passes. Random weights: every conv / linear weight and bias is
U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (torch's default bound; zero_module'd layers are re-initialised too,
as the Java `LatentDiffusion.fresh` does), GroupNorm weight 1 / bias 0.

Usage:
  python3 reference_unet_bench.py [LATENT] [THREADS] [STEPS] [CHECKOUT]
         [--warmup 2] [--first-stage] [--fs-repeats 3] [--profile] [--profile-steps 3] [--seed 0]
  e.g. python3 reference_unet_bench.py 64 2 5 ../latent-diffusion --first-stage

CHECKOUT is an unpacked CompVis/latent-diffusion tree (needs ldm/modules/...). Only the UNet / autoencoder
modules are imported; ldm.util (which pulls in PIL) is replaced by a stub in sys.modules. No reference file
is modified.
"""
import argparse
import math
import os
import statistics
import sys
import time
import types


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("latent", nargs="?", type=int, default=64)
    p.add_argument("threads", nargs="?", type=int, default=2)
    p.add_argument("steps", nargs="?", type=int, default=5)
    p.add_argument("checkout", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                "latent-diffusion"))
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--first-stage", action="store_true", help="also time VQ-f4 encode (image 4L^2) / decode (latent L^2)")
    p.add_argument("--fs-repeats", type=int, default=3, help="timed encode/decode repeats after the first call")
    p.add_argument("--profile", action="store_true", help="torch.profiler op breakdown of the UNet step")
    p.add_argument("--profile-steps", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def import_reference(checkout):
    if not os.path.isdir(os.path.join(checkout, "ldm", "modules", "diffusionmodules")):
        sys.exit(f"not a latent-diffusion checkout: {checkout}")
    sys.path.insert(0, checkout)
    # ldm/util.py imports PIL etc.; the modules we use only need instantiate_from_config at import time.
    stub = types.ModuleType("ldm.util")

    def instantiate_from_config(config):  # never called for the UNet / Encoder / Decoder
        raise RuntimeError("stubbed ldm.util.instantiate_from_config")
    stub.instantiate_from_config = instantiate_from_config
    sys.modules["ldm.util"] = stub
    from ldm.modules.diffusionmodules.openaimodel import UNetModel
    from ldm.modules.diffusionmodules.model import Encoder, Decoder
    return UNetModel, Encoder, Decoder


def init_random(module, torch):
    """torch-default-style U(-1/sqrt(fan_in), +) on every conv / linear weight and bias (incl. zero_module'd)."""
    for m in module.modules():
        if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d, torch.nn.Linear)):
            fan_in = m.weight[0].numel()
            bound = 1.0 / math.sqrt(fan_in)
            torch.nn.init.uniform_(m.weight, -bound, bound)
            if m.bias is not None:
                torch.nn.init.uniform_(m.bias, -bound, bound)


def peak_rss_mib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def minflt():
    with open("/proc/self/stat") as f:
        s = f.read()
    return int(s[s.rindex(")") + 2:].split()[7])  # field 10 overall (minflt)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1e3, out


CATEGORIES = [
    ("convolution", ("conv", "mkldnn_convolution", "_convolution", "thnn_conv", "_slow_conv2d", "_nnpack")),
    ("group_norm", ("group_norm", "native_group_norm")),
    ("attention matmul (einsum/bmm)", ("einsum", "bmm", "matmul")),
    ("softmax", ("softmax",)),
    ("silu", ("silu",)),
    ("linear/addmm (time embed)", ("linear", "addmm", "mm")),
    ("elementwise add/mul", ("add", "mul", "div", "sub")),
    ("cat", ("cat",)),
    ("upsample/avgpool", ("upsample", "avg_pool", "interpolate")),
    ("copy/contiguous/to", ("copy_", "contiguous", "clone", "to", "_to_copy", "type")),
]


def categorise(name):
    n = name.lower().replace("aten::", "")
    for cat, keys in CATEGORIES:
        for k in keys:
            if n == k or n.startswith(k + "_") or n == "_" + k or (k in ("conv", "mkldnn_convolution") and k in n):
                return cat
    return "other"


def profile_unet(torch, model, x, t, steps):
    from torch.profiler import profile, ProfilerActivity
    with torch.no_grad():
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            for _ in range(steps):
                model(x, t)
    ka = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in ka)
    print(f"\n== torch.profiler: self CPU time over {steps} UNet steps, total {total / 1e3 / steps:.1f} ms/step ==")
    rows = sorted(ka, key=lambda e: -e.self_cpu_time_total)
    print(f"{'op':40s} {'calls/step':>10s} {'ms/step':>9s} {'share':>7s}")
    for e in rows[:25]:
        print(f"{e.key:40s} {e.count / steps:10.0f} {e.self_cpu_time_total / 1e3 / steps:9.2f} "
              f"{100.0 * e.self_cpu_time_total / total:6.1f}%")
    cats = {}
    for e in ka:
        c = categorise(e.key)
        ms, n = cats.get(c, (0.0, 0))
        cats[c] = (ms + e.self_cpu_time_total / 1e3 / steps, n + e.count / steps)
    print("\n-- by category (self CPU) --")
    for c, (ms, n) in sorted(cats.items(), key=lambda kv: -kv[1][0]):
        print(f"{c:32s} {ms:9.2f} ms/step {100.0 * ms * steps * 1e3 / total:6.1f}%  ({n:.0f} ops/step)")
    # the heaviest shapes for conv / group_norm / attention
    print("\n-- top op+shape groups --")
    ks = prof.key_averages(group_by_input_shape=True)
    for e in sorted(ks, key=lambda e: -e.self_cpu_time_total)[:20]:
        print(f"{e.key:28s} {str(e.input_shapes)[:90]:90s} {e.count / steps:4.0f}x {e.self_cpu_time_total / 1e3 / steps:8.2f} ms")


def main():
    a = parse()
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    UNetModel, Encoder, Decoder = import_reference(a.checkout)

    # CompVis models/ldm/bsr_sr/config.yaml, unet_config.params
    unet = UNetModel(image_size=64, in_channels=6, out_channels=3, model_channels=160,
                     attention_resolutions=[16, 8], num_res_blocks=2, channel_mult=[1, 2, 2, 4],
                     num_head_channels=32).eval()
    init_random(unet, torch)
    nparams = sum(p.numel() for p in unet.parameters())
    x = torch.randn(1, 6, a.latent, a.latent)
    t = torch.tensor([500])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads, "
          f"UNet {nparams:,} parameters, input {list(x.shape)}; load avg {os.getloadavg()[0]:.2f}")

    times = []
    with torch.no_grad():
        for _ in range(a.warmup):
            unet(x, t)
        f0 = minflt()
        for _ in range(a.steps):
            ms, _ = timed(lambda: unet(x, t))
            times.append(ms)
        f1 = minflt()
    print(f"denoiser step: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms, "
          f"max {max(times):.1f} ms over {len(times)} steps  (all: {', '.join(f'{v:.1f}' for v in times)}; "
          f"minor faults/step {(f1 - f0) / len(times):.0f})")

    if a.first_stage:
        # bsr_sr first_stage_config: VQModelInterface, embed_dim 3, n_embed 8192, ddconfig below
        dd = dict(double_z=False, z_channels=3, resolution=256, in_channels=3, out_ch=3, ch=128, ch_mult=[1, 2, 4],
                  num_res_blocks=2, attn_resolutions=[], dropout=0.0)
        enc = Encoder(**dd).eval()
        dec = Decoder(**dd).eval()
        quant_conv = torch.nn.Conv2d(3, 3, 1)
        post_quant_conv = torch.nn.Conv2d(3, 3, 1)
        for m in (enc, dec, quant_conv, post_quant_conv):
            init_random(m, torch)
        codebook = torch.empty(8192, 3).uniform_(-1.0 / 8192, 1.0 / 8192)  # taming VectorQuantizer2 init

        def quantize(z):  # taming VectorQuantizer2.forward (legacy), inference part
            zh = z.permute(0, 2, 3, 1).contiguous()
            zf = zh.view(-1, 3)
            d = (zf ** 2).sum(1, keepdim=True) + (codebook ** 2).sum(1) - 2 * torch.einsum("bd,dn->bn", zf, codebook.t())
            idx = torch.argmin(d, dim=1)
            zq = codebook[idx].view(zh.shape)
            zq = zh + (zq - zh)
            return zq.permute(0, 3, 1, 2).contiguous()

        f = 4
        img = torch.rand(1, 3, a.latent * f, a.latent * f) * 2 - 1
        z = torch.randn(1, 3, a.latent, a.latent)
        with torch.no_grad():
            enc_first, _ = timed(lambda: quant_conv(enc(img)))
            dec_first, _ = timed(lambda: dec(post_quant_conv(quantize(z))))
            encs = [timed(lambda: quant_conv(enc(img)))[0] for _ in range(a.fs_repeats)]
            decs = [timed(lambda: dec(post_quant_conv(quantize(z))))[0] for _ in range(a.fs_repeats)]
        print(f"first stage (VQ-f4): encode first call {enc_first:.1f} ms, then median {statistics.median(encs):.1f} "
              f"(min {min(encs):.1f}); decode (quantise + post_quant_conv + decoder) first call {dec_first:.1f} ms, "
              f"then median {statistics.median(decs):.1f} (min {min(decs):.1f})")

    print(f"peak resident memory: {peak_rss_mib():.0f} MiB")

    if a.profile:
        profile_unet(torch, unet, x, t, a.profile_steps)


if __name__ == "__main__":
    main()
