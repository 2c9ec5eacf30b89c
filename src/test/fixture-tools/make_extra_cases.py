#!/usr/bin/env python3
"""Generate the extra latent-diffusion parity fixtures `seg`, `ctx` and `uncond`.

Same layout and conventions as the four cases in fixtures/ldm-reference
(config.yaml, model.ckpt | model.safetensors, vectors.safetensors, vectors.json),
made with the REAL reference code:

  * CompVis/latent-diffusion  (ldm.models.diffusion.ddpm.LatentDiffusion, DDIMSampler, PLMSSampler)
  * CompVis/taming-transformers (taming.modules.vqvae.quantize.VectorQuantizer2, on the VQ decode path)

Neither is installed here; both are imported from source trees given on the command line.
Nothing in them is edited. Packages the reference imports but whose code is never reached on
the paths used here (pytorch_lightning, omegaconf, torchvision, PIL, tqdm, clip, kornia) are
replaced by tiny in-memory stub modules, only when the real package is not importable.
The two samplers hard-code CUDA in `register_buffer`; that method is patched at runtime so the
buffers stay on the CPU (no arithmetic changes).

Seeded sampler tensors (the noise stream of torch.manual_seed(seed) + torch.randn, draw for draw,
through the reference's own samplers; "seed" in vectors.json):
  uncond: ddim_eta1_latent (DDIMSampler, S=10, eta 1), ddpm_latent (LatentDiffusion.p_sample_loop,
          timesteps=20, i.e. t = 19..0);
  seg:    mask_latent, mask_x0 (= fs_latent), ddim_masked_latent / plms_masked_latent (S=10, eta 0,
          mask/x0 blending).
After writing a case, check_seeded() re-runs them from the stored files with torch.randn/randn_like
traced, and asserts the draw order, the draw-for-draw stream, and that another seed changes them.

Usage:
  python3 make_extra_cases.py --ldm /path/to/latent-diffusion --taming /path/to/taming-transformers \
      --out /path/to/out [--cases seg ctx uncond] [--replay /path/to/fixtures/ldm-reference] \
      [--sampler-seed uncond=N --sampler-seed seg=N]

--replay re-runs the reference on the stored inputs and weights of existing cases in the same
layout and prints the largest deviation of every tensor (a check of this harness, not needed to
generate anything).

DPM-Solver++(2M) tensors (dpmpp2m_latent, dpmpp2m_decoded; dpmpp2m_steps and dpmpp2m_model_timesteps
in vectors.json; for seg also the seeded dpmpp2m_masked_latent) come from the official solver
(LuChengTHU/dpm-solver, dpm_solver_pytorch.py, imported from the file given by --dpm-solver) and are
ADDED to existing case folders, every stored tensor and scalar left as it is:
  python3 make_extra_cases.py --ldm ... --taming ... --dpm-solver /path/to/dpm_solver_pytorch.py \
      --add-dpmpp2m /path/to/fixture-root [--cases seg ctx uncond]
With --replay and --dpm-solver, the replay also re-runs DPM-Solver++ for the cases that hold it.
"""
import argparse
import copy
import importlib.util
import json
import math
import os
import subprocess
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import yaml
from safetensors.torch import load_file, save_file

UNET_T = 517
DDIM_STEPS = 10
PLMS_STEPS = 10
DDIM_ETA = 0.0
# seeded samplers (torch.manual_seed(<case "sampler_seed">) immediately before each call; the seed is
# written to vectors.json as "seed")
DDIM_ETA1_STEPS = 10   # uncond: DDIMSampler.sample(S=10, eta=1.0)
DDPM_STEPS = 20        # uncond: LatentDiffusion.p_sample_loop(timesteps=20), i.e. t = 19, 18, ..., 0
MASKED_STEPS = 10      # seg: DDIM (eta 0) and PLMS with mask/x0; the same S as ddim_steps / plms_steps
DPMPP2M_STEPS = 10     # DPM-Solver++(2M), as in the four shared cases
GLOBAL_STEP = 4242
EPOCH = 7

# --------------------------------------------------------------------------------------------
# Reference import: stubs for unreachable imports + CPU patch of the samplers' register_buffer
# --------------------------------------------------------------------------------------------

REF = types.SimpleNamespace()


def _missing(name):
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):
        return True


def _stub(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    mod.__fixturegen_stub__ = True
    sys.modules[name] = mod
    return mod


def _unreachable(what):
    def f(*args, **kwargs):
        raise RuntimeError(f"stub for {what} was called: this code path needs the real package")
    return f


def install_stubs():
    stubbed = []
    if _missing("pytorch_lightning"):
        class LightningModule(nn.Module):
            """Only what LatentDiffusion uses at inference: an nn.Module with a `device`."""

            @property
            def device(self):
                for p in self.parameters():
                    return p.device
                for b in self.buffers():
                    return b.device
                return torch.device("cpu")

        pl = _stub("pytorch_lightning", LightningModule=LightningModule)
        util = _stub("pytorch_lightning.utilities")
        dist = _stub("pytorch_lightning.utilities.distributed", rank_zero_only=lambda f: f)
        pl.utilities = util
        util.distributed = dist
        stubbed.append("pytorch_lightning")
    if _missing("omegaconf"):
        class ListConfig(list):  # never produced here: configs are plain dicts/lists from yaml
            pass
        oc = _stub("omegaconf")
        oc.listconfig = _stub("omegaconf.listconfig", ListConfig=ListConfig)
        oc.ListConfig = ListConfig
        stubbed.append("omegaconf")
    if _missing("torchvision"):
        tv = _stub("torchvision")
        tv.utils = _stub("torchvision.utils", make_grid=_unreachable("torchvision.utils.make_grid"))
        stubbed.append("torchvision")
    if _missing("PIL"):
        pil = _stub("PIL")
        for sub in ("Image", "ImageDraw", "ImageFont"):
            setattr(pil, sub, _stub("PIL." + sub))
        stubbed.append("PIL")
    if _missing("tqdm"):
        def tqdm(iterable=None, *args, **kwargs):
            return iterable
        _stub("tqdm", tqdm=tqdm)
        stubbed.append("tqdm")
    for name in ("clip", "kornia"):
        if _missing(name):
            _stub(name)
            stubbed.append(name)
    return stubbed


def _git_head(path):
    try:
        return subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except Exception:
        return None


def setup_reference(ldm_root, taming_root):
    ldm_root, taming_root = os.path.abspath(ldm_root), os.path.abspath(taming_root)
    sys.path.insert(0, taming_root)
    sys.path.insert(0, ldm_root)
    REF.stubbed = install_stubs()

    from ldm.util import instantiate_from_config
    from ldm.models.diffusion.ddim import DDIMSampler
    from ldm.models.diffusion.plms import PLMSSampler
    from ldm.models.autoencoder import VQModelInterface, AutoencoderKL
    from ldm.modules.distributions.distributions import DiagonalGaussianDistribution
    import taming.modules.vqvae.quantize as quantize

    def cpu_register_buffer(self, name, attr):
        # the reference moves tensors to torch.device("cuda") here; identical otherwise
        setattr(self, name, attr)

    DDIMSampler.register_buffer = cpu_register_buffer
    PLMSSampler.register_buffer = cpu_register_buffer

    REF.instantiate_from_config = instantiate_from_config
    REF.DDIMSampler = DDIMSampler
    REF.PLMSSampler = PLMSSampler
    REF.VQModelInterface = VQModelInterface
    REF.AutoencoderKL = AutoencoderKL
    REF.DiagonalGaussianDistribution = DiagonalGaussianDistribution
    REF.quantize_file = quantize.__file__
    REF.ldm_root, REF.taming_root = ldm_root, taming_root


# --------------------------------------------------------------------------------------------
# Configs (cut down from the reference model zoo; written with yaml.safe_dump like the others)
# --------------------------------------------------------------------------------------------

def lossless():
    return {"target": "torch.nn.Identity"}


def config_seg():
    """models/ldm/semantic_synthesis256: SpatialRescaler on a one-hot label map, concat."""
    return {"model": {
        "base_learning_rate": 1.0e-06,
        "target": "ldm.models.diffusion.ddpm.LatentDiffusion",
        "params": {
            "linear_start": 0.0015,
            "linear_end": 0.0205,
            "log_every_t": 100,
            "timesteps": 1000,
            "loss_type": "l1",
            "first_stage_key": "image",
            "cond_stage_key": "segmentation",
            "image_size": 64,
            "channels": 3,
            "concat_mode": True,
            "cond_stage_trainable": True,
            "unet_config": {
                "target": "ldm.modules.diffusionmodules.openaimodel.UNetModel",
                "params": {
                    "image_size": 64,
                    "in_channels": 6,
                    "out_channels": 3,
                    "model_channels": 32,
                    # 8 never occurs (ds is 1 or 2): like the original's [32, 16, 8] with 3 levels
                    "attention_resolutions": [8, 2],
                    "num_res_blocks": 1,
                    "channel_mult": [1, 1],
                    "num_heads": 8,
                },
            },
            "first_stage_config": {
                "target": "ldm.models.autoencoder.VQModelInterface",
                "params": {
                    "embed_dim": 3,
                    "n_embed": 64,
                    "ddconfig": {
                        "attn_type": "vanilla",
                        "double_z": False,
                        "z_channels": 3,
                        "resolution": 64,
                        "in_channels": 3,
                        "out_ch": 3,
                        "ch": 32,
                        "ch_mult": [1, 1, 1],
                        "num_res_blocks": 1,
                        # curr_res runs 64, 32, 16 (encoder) and 16, 32, 64 (decoder) from
                        # `resolution`, not from the input: attention at the middle level
                        "attn_resolutions": [32],
                        "dropout": 0.0,
                    },
                    "lossconfig": lossless(),
                },
            },
            "cond_stage_config": {
                "target": "ldm.modules.encoders.modules.SpatialRescaler",
                "params": {
                    "n_stages": 2,
                    "method": "bilinear",
                    "multiplier": 0.5,
                    "in_channels": 8,
                    "out_channels": 3,
                    "bias": False,
                },
            },
            "use_ema": False,
        },
    }}


def config_ctx():
    """configs/retrieval-augmented-diffusion/768x768.yaml (crossattn, cond stage torch.nn.Identity,
    explicit scale_factor, KL first stage with attention) + txt2img-1p4B-eval (legacy: False)."""
    return {"model": {
        "base_learning_rate": 0.0001,
        "target": "ldm.models.diffusion.ddpm.LatentDiffusion",
        "params": {
            "linear_start": 0.00085,
            "linear_end": 0.012,
            "num_timesteps_cond": 1,
            "log_every_t": 200,
            "timesteps": 1000,
            "first_stage_key": "jpg",
            "cond_stage_key": "nix",
            "image_size": 12,
            "channels": 4,
            "cond_stage_trainable": False,
            "conditioning_key": "crossattn",
            "monitor": "val/loss_simple_ema",
            "scale_by_std": False,
            "scale_factor": 0.5,
            "use_ema": False,
            "unet_config": {
                "target": "ldm.modules.diffusionmodules.openaimodel.UNetModel",
                "params": {
                    "image_size": 12,
                    "in_channels": 4,
                    "out_channels": 4,
                    "model_channels": 32,
                    "attention_resolutions": [2],
                    "num_res_blocks": 1,
                    "channel_mult": [1, 1],
                    "use_scale_shift_norm": False,
                    "resblock_updown": False,
                    "num_head_channels": 16,
                    "use_spatial_transformer": True,
                    "transformer_depth": 2,
                    "context_dim": 32,
                    "use_checkpoint": True,
                    "legacy": False,
                },
            },
            "first_stage_config": {
                "target": "ldm.models.autoencoder.AutoencoderKL",
                "params": {
                    "monitor": "val/rec_loss",
                    "embed_dim": 4,
                    "ddconfig": {
                        "double_z": True,
                        "z_channels": 4,
                        "resolution": 64,
                        "in_channels": 3,
                        "out_ch": 3,
                        "ch": 32,
                        "ch_mult": [1, 1, 1],
                        "num_res_blocks": 1,
                        # curr_res 64, 32, 16: attention at the lowest level, encoder and decoder
                        "attn_resolutions": [16],
                        "dropout": 0.0,
                    },
                    "lossconfig": lossless(),
                },
            },
            "cond_stage_config": {"target": "torch.nn.Identity"},
        },
    }}


def config_uncond():
    """configs/latent-diffusion/ffhq-ldm-vq-4.yaml / models/ldm/ffhq256: unconditional, VQ f4."""
    return {"model": {
        "base_learning_rate": 2.0e-06,
        "target": "ldm.models.diffusion.ddpm.LatentDiffusion",
        "params": {
            "linear_start": 0.0015,
            "linear_end": 0.0195,
            "num_timesteps_cond": 1,
            "log_every_t": 200,
            "timesteps": 1000,
            "first_stage_key": "image",
            "image_size": 64,
            "channels": 3,
            "monitor": "val/loss_simple_ema",
            "unet_config": {
                "target": "ldm.modules.diffusionmodules.openaimodel.UNetModel",
                "params": {
                    "image_size": 64,
                    "in_channels": 3,
                    "out_channels": 3,
                    "model_channels": 32,
                    "attention_resolutions": [2, 1],
                    "num_res_blocks": 1,
                    "channel_mult": [1, 1],
                    "num_heads": 2,
                    "num_heads_upsample": 4,
                    "use_new_attention_order": True,
                    "conv_resample": False,
                },
            },
            "first_stage_config": {
                "target": "ldm.models.autoencoder.VQModelInterface",
                "params": {
                    "embed_dim": 3,
                    "n_embed": 64,
                    "ddconfig": {
                        "attn_type": "vanilla",
                        "double_z": False,
                        "z_channels": 3,
                        "resolution": 256,
                        "in_channels": 3,
                        "out_ch": 3,
                        "ch": 32,
                        "ch_mult": [1, 1, 1],
                        "num_res_blocks": 1,
                        "attn_resolutions": [],
                        "dropout": 0.0,
                    },
                    "lossconfig": lossless(),
                },
            },
            "cond_stage_config": "__is_unconditional__",
            "use_ema": True,
        },
    }}


# --------------------------------------------------------------------------------------------
# Weights: every parameter randomised (zero-initialised output layers included)
# --------------------------------------------------------------------------------------------

def randomise_(module, gen):
    """Same statistics as the existing fixtures: weights N(0, 1/fan_in) (fan_in = prod(shape[1:]),
    also for embeddings/codebooks), biases N(0, 0.1^2), norm scales 1 + N(0, 0.2^2),
    norm shifts N(0, 0.1^2)."""
    norm_scales = set()
    for m in module.modules():
        if isinstance(m, (nn.GroupNorm, nn.LayerNorm)) and getattr(m, "weight", None) is not None:
            norm_scales.add(id(m.weight))
    with torch.no_grad():
        for _, p in module.named_parameters():
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if id(p) in norm_scales:
                p.copy_(1.0 + 0.2 * noise)
            elif p.dim() == 1:
                p.copy_(0.1 * noise)
            else:
                fan_in = int(np.prod(p.shape[1:]))
                p.copy_(noise / math.sqrt(fan_in))


def set_ema_(model, gen):
    """EMA copy drawn independently (same statistics), so EMA != raw weights."""
    twin = copy.deepcopy(model.model)
    randomise_(twin, gen)
    ema = model.model_ema
    buffers = dict(ema.named_buffers())
    with torch.no_grad():
        for name, p in twin.named_parameters():
            buffers[ema.m_name2s_name[name]].copy_(p)
        ema.num_updates.fill_(GLOBAL_STEP)


# --------------------------------------------------------------------------------------------
# Running the reference
# --------------------------------------------------------------------------------------------

def build(cfg):
    return REF.instantiate_from_config(cfg["model"])


def load_weights(model, path):
    if path.endswith(".safetensors"):
        sd = load_file(path)
    else:
        sd = torch.load(path, map_location="cpu", weights_only=False)["state_dict"]
    # the reference scripts load with strict=False; require a perfect match anyway
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    return model.eval()


def run_samplers(model, cond, x_T, guidance, uncond):
    """10-step DDIM (eta 0) and PLMS from x_T, exactly as the reference scripts call them."""
    b, c, h, w = x_T.shape
    kw = dict(S=DDIM_STEPS, batch_size=b, shape=(c, h, w), conditioning=cond, eta=DDIM_ETA, verbose=False,
              x_T=x_T.clone(), unconditional_guidance_scale=guidance, unconditional_conditioning=uncond)
    ddim = REF.DDIMSampler(model)
    ddim_latent, _ = ddim.sample(**kw)
    ddim_timesteps = [int(t) for t in ddim.ddim_timesteps]
    kw["S"] = PLMS_STEPS
    kw["x_T"] = x_T.clone()
    plms = REF.PLMSSampler(model)
    plms_latent, _ = plms.sample(**kw)
    return ddim_latent, plms_latent, ddim_timesteps


def seg_mask(b, h, w):
    """Latent mask for the masked samplers: 1 = keep x0 (known), 0 = generate (hole). A different
    rectangle of zeros per batch item: item 0 an interior hole, item 1 a hole on the bottom-left border.
    Deterministic (no random draws)."""
    assert b == 2 and (h, w) == (8, 12), (b, h, w)
    m = torch.ones((b, 1, h, w), dtype=torch.float32)
    m[0, :, 2:6, 3:9] = 0.0    # rows 2..5, cols 3..8
    m[1, :, 4:8, 0:5] = 0.0    # rows 4..7, cols 0..4
    return m


def seeded_ddim_eta1(model, x_T, seed):
    """uncond: DDIMSampler.sample(S=10, eta=1.0, x_T) with torch.manual_seed(seed) immediately before
    (x_T is given, so the only draws are the sampler's own noise_like calls)."""
    b, c, h, w = x_T.shape
    ddim = REF.DDIMSampler(model)
    torch.manual_seed(seed)
    out, _ = ddim.sample(S=DDIM_ETA1_STEPS, batch_size=b, shape=(c, h, w), conditioning=None, eta=1.0,
                         verbose=False, x_T=x_T.clone())
    return out, [int(t) for t in ddim.ddim_timesteps]


def seeded_ddpm(model, x_T, seed):
    """uncond: the ancestral sampler LatentDiffusion.p_sample_loop(timesteps=20), t = 19..0, with
    torch.manual_seed(seed) immediately before."""
    torch.manual_seed(seed)
    return model.p_sample_loop(cond=None, shape=tuple(x_T.shape), x_T=x_T.clone(), timesteps=DDPM_STEPS,
                               verbose=False)


def seeded_masked(model, kind, cond, x_T, mask, x0, seed):
    """seg: DDIM (eta 0) or PLMS with the reference's mask/x0 blending, torch.manual_seed(seed)
    immediately before the call."""
    b, c, h, w = x_T.shape
    sampler = (REF.DDIMSampler if kind == "ddim" else REF.PLMSSampler)(model)
    torch.manual_seed(seed)
    out, _ = sampler.sample(S=MASKED_STEPS, batch_size=b, shape=(c, h, w), conditioning=cond, eta=DDIM_ETA,
                            verbose=False, x_T=x_T.clone(), mask=mask.clone(), x0=x0.clone().contiguous())
    return out


def schedule_vectors(model):
    s = REF.DDIMSampler(model)
    s.make_schedule(ddim_num_steps=25, ddim_eta=1.0, verbose=False)
    f32 = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64) if not torch.is_tensor(a) else a).float()
    return {
        "ddim25_eta1_sigmas": f32(s.ddim_sigmas),
        "ddim25_alphas": f32(s.ddim_alphas),
        "ddim25_alphas_prev": f32(s.ddim_alphas_prev),
        "alphas_cumprod": model.alphas_cumprod.detach().float().clone(),
    }


def first_stage_vectors(model, image):
    v = {"fs_image": image}
    enc = model.encode_first_stage(image)
    if isinstance(enc, REF.DiagonalGaussianDistribution):
        v["fs_posterior_mean"] = enc.mean
        v["fs_posterior_std"] = enc.std
        v["fs_latent"] = model.scale_factor * enc.mode()
    else:
        v["fs_encoded"] = enc
        v["fs_latent"] = model.get_first_stage_encoding(enc)
    v["fs_decoded"] = model.decode_first_stage(v["fs_latent"])
    return v


def finish(v):
    out = {}
    for k, t in v.items():
        t = t.detach().cpu().contiguous()
        out[k] = t if t.dtype == torch.int64 else t.float()
    return out


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

def voronoi_labels(gen, b, h, w, n_classes, n_seeds=7):
    ys = torch.arange(h, dtype=torch.float32)[:, None]
    xs = torch.arange(w, dtype=torch.float32)[None, :]
    maps = []
    for _ in range(b):
        sy = torch.rand(n_seeds, generator=gen) * h
        sx = torch.rand(n_seeds, generator=gen) * w
        cls = torch.randperm(n_classes, generator=gen)[:n_seeds] if n_seeds <= n_classes else \
            torch.randint(0, n_classes, (n_seeds,), generator=gen)
        d = (ys[None] - sy[:, None, None]) ** 2 + (xs[None] - sx[:, None, None]) ** 2
        maps.append(cls[d.argmin(0)])
    return torch.stack(maps).long()


CASES = {
    # name: (config fn, weights file, batch, image H, W, seed, extra)
    "seg": dict(config=config_seg, weights="model.safetensors", batch=2, image_hw=(32, 48), seed=1003,
                sampler_seed=27182),
    "ctx": dict(config=config_ctx, weights="model.ckpt", batch=2, image_hw=(48, 32), seed=2002,
                tokens=5, guidance=2.5),
    "uncond": dict(config=config_uncond, weights="model.ckpt", batch=1, image_hw=(40, 32), seed=3003,
                   sampler_seed=31415),
}


def reference_string():
    return ("CompVis latent-diffusion (ldm.models.diffusion.ddpm.LatentDiffusion, DDIMSampler, PLMSSampler)"
            f" @ {REF.ldm_commit or 'unknown'}, taming-transformers (VectorQuantizer2) @ {REF.taming_commit or 'unknown'},"
            f" torch {torch.__version__}")


def make_case(name, out_root):
    spec = CASES[name]
    cfg = spec["config"]()
    folder = os.path.join(out_root, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.yaml"), "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False, default_flow_style=False)
    # re-read what was written: the model is built from the file
    with open(os.path.join(folder, "config.yaml")) as f:
        cfg = yaml.safe_load(f)
    p = cfg["model"]["params"]

    gen = torch.Generator().manual_seed(spec["seed"])
    torch.manual_seed(spec["seed"])  # module constructors draw from the global RNG (then overwritten)

    # 1. build, randomise, save
    model = build(cfg)
    randomise_(model, gen)
    if model.use_ema:
        set_ema_(model, gen)
    # model.state_dict() as is (an OrderedDict carrying `_metadata`), like Lightning's checkpoints
    sd = model.state_dict()
    wpath = os.path.join(folder, spec["weights"])
    if wpath.endswith(".safetensors"):
        save_file({k: v.contiguous() for k, v in sd.items()}, wpath)
    else:
        torch.save({"state_dict": sd, "global_step": GLOBAL_STEP, "epoch": EPOCH}, wpath)
    del model

    # 2. reload from the saved file into a fresh model and run the reference
    model = load_weights(build(cfg), wpath)
    check_structure(name, model)
    b = spec["batch"]
    H, W = spec["image_hw"]
    ddc = p["first_stage_config"]["params"]["ddconfig"]
    f = 2 ** (len(ddc["ch_mult"]) - 1)
    h, w = H // f, W // f
    zc = p["channels"]

    v = {}
    info = {"downsampling_factor": f, "scale_factor": float(model.scale_factor)}
    with torch.no_grad():
        image = torch.rand((b, 3, H, W), generator=gen) * 2 - 1
        unet_x = torch.randn((b, zc, h, w), generator=gen)
        unet_t = torch.full((b,), UNET_T, dtype=torch.int64)
        x_T = torch.randn((b, zc, h, w), generator=gen)
        guidance, cond, uncond = 1.0, None, None

        if name == "seg":
            n_cls = p["cond_stage_config"]["params"]["in_channels"]
            labels = voronoi_labels(gen, b, H, W, n_cls)
            onehot = torch.nn.functional.one_hot(labels, n_cls).permute(0, 3, 1, 2).float().contiguous()
            cond = model.get_learned_conditioning(onehot)
            cond_v = {"cond_segmentation_labels": labels, "cond_segmentation_onehot": onehot,
                      "cond_concat": cond}
        elif name == "ctx":
            dim = p["unet_config"]["params"]["context_dim"]
            raw_c = torch.randn((b, spec["tokens"], dim), generator=gen)
            raw_u = torch.randn((b, spec["tokens"], dim), generator=gen)
            cond = model.get_learned_conditioning(raw_c)      # torch.nn.Identity
            uncond = model.get_learned_conditioning(raw_u)
            guidance = spec["guidance"]
            cond_v = {"cond_context": cond, "uncond_context": uncond}
            info["guidance_scale"] = guidance
        else:
            cond_v = {}

        with model.ema_scope():
            v.update(first_stage_vectors(model, image))
            v.update(cond_v)
            v["unet_x"] = unet_x
            v["unet_t"] = unet_t
            v["unet_eps"] = model.apply_model(unet_x, unet_t, cond)
            v["sampler_x_T"] = x_T
            ddim_latent, plms_latent, ddim_ts = run_samplers(model, cond, x_T, guidance, uncond)
            v["ddim_latent"] = ddim_latent
            v["ddim_decoded"] = model.decode_first_stage(ddim_latent)
            v["plms_latent"] = plms_latent
            v["plms_decoded"] = model.decode_first_stage(plms_latent)
            v.update(schedule_vectors(model))
            # seeded samplers: added after everything else, so nothing above depends on them
            # (they use only the global RNG, re-seeded right before each call; `gen` is not touched)
            if name == "uncond":
                v["ddim_eta1_latent"], eta1_ts = seeded_ddim_eta1(model, x_T, spec["sampler_seed"])
                assert eta1_ts == ddim_ts, (eta1_ts, ddim_ts)
                v["ddpm_latent"] = seeded_ddpm(model, x_T, spec["sampler_seed"])
                seeded_info = {"seed": spec["sampler_seed"], "ddim_eta1_steps": DDIM_ETA1_STEPS,
                               "ddpm_steps": DDPM_STEPS}
            elif name == "seg":
                assert MASKED_STEPS == DDIM_STEPS == PLMS_STEPS
                mask = seg_mask(b, h, w)
                x0 = v["fs_latent"].clone()   # the first-stage latent of fs_image (scale_factor 1)
                v["mask_latent"] = mask
                v["mask_x0"] = x0
                v["ddim_masked_latent"] = seeded_masked(model, "ddim", cond, x_T, mask, x0, spec["sampler_seed"])
                v["plms_masked_latent"] = seeded_masked(model, "plms", cond, x_T, mask, x0, spec["sampler_seed"])
                seeded_info = {"seed": spec["sampler_seed"]}
            else:
                seeded_info = {}
        raw_eps = model.apply_model(unet_x, unet_t, cond) if model.use_ema else None

    v = finish(v)
    save_file(v, os.path.join(folder, "vectors.safetensors"))
    info.update({
        "ddim_steps": DDIM_STEPS,
        "ddim_timesteps": ddim_ts,
        "plms_steps": PLMS_STEPS,
        "plms_timesteps": None,
        "ddim_eta": DDIM_ETA,
        "unet_in_channels": p["unet_config"]["params"]["in_channels"],
        **seeded_info,
        "tensors": {k: list(t.shape) for k, t in v.items()},
        "reference": reference_string(),
    })
    with open(os.path.join(folder, "vectors.json"), "w") as fjs:
        json.dump(info, fjs, indent=1)
    for fn in os.listdir(folder):  # safetensors writes 0600
        os.chmod(os.path.join(folder, fn), 0o644)
    return folder, raw_eps


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

def check_structure(name, model):
    """Assert that the features a case is meant to exercise are really built by the reference."""
    from ldm.modules.diffusionmodules.openaimodel import (AttentionBlock, QKVAttention, QKVAttentionLegacy,
                                                          Downsample, Upsample)
    from ldm.modules.attention import SpatialTransformer
    from ldm.modules.diffusionmodules.model import AttnBlock
    unet = model.model.diffusion_model
    fs = model.first_stage_model
    facts = []
    attn_fs = [n for n, m in fs.named_modules() if isinstance(m, AttnBlock)]
    facts.append(f"first-stage AttnBlocks: {attn_fs}")
    attn = [(n, m.num_heads, type(m.attention).__name__) for n, m in unet.named_modules()
            if isinstance(m, AttentionBlock)]
    st = [(n, len(m.transformer_blocks), m.transformer_blocks[0].attn1.heads) for n, m in unet.named_modules()
          if isinstance(m, SpatialTransformer)]
    if attn:
        facts.append(f"UNet AttentionBlocks (name, heads, kind): {attn}")
    if st:
        facts.append(f"UNet SpatialTransformers (name, depth, heads): {st}")
    if name == "seg":
        assert sorted(attn_fs) == ["decoder.mid.attn_1", "decoder.up.1.attn.0", "decoder.up.1.attn.1",
                                   "encoder.down.1.attn.0", "encoder.mid.attn_1"], attn_fs
        cs = model.cond_stage_model
        assert type(cs).__name__ == "SpatialRescaler" and cs.channel_mapper.bias is None
        assert model.model.conditioning_key == "concat"
        assert all(h == 8 and k == "QKVAttentionLegacy" for _, h, k in attn)
    elif name == "ctx":
        assert model.model.conditioning_key == "crossattn" and isinstance(model.cond_stage_model, nn.Identity)
        assert not isinstance(model.scale_factor, torch.Tensor) and model.scale_factor == 0.5
        assert st and all(d == 2 and h == 2 for _, d, h in st), st
        assert type(fs).__name__ == "AutoencoderKL"
        assert sorted(attn_fs) == ["decoder.mid.attn_1", "decoder.up.2.attn.0", "decoder.up.2.attn.1",
                                   "encoder.down.2.attn.0", "encoder.mid.attn_1"], attn_fs
    elif name == "uncond":
        assert model.model.conditioning_key is None and model.cond_stage_model is None
        assert all(k == "QKVAttention" for _, _, k in attn)
        heads = {n.split(".")[0]: h for n, h, _ in attn}
        assert heads == {"input_blocks": 2, "middle_block": 2, "output_blocks": 4}, attn
        downs = [m for m in unet.modules() if isinstance(m, Downsample)]
        ups = [m for m in unet.modules() if isinstance(m, Upsample)]
        assert downs and all(isinstance(m.op, nn.AvgPool2d) for m in downs)
        assert ups and all(not m.use_conv for m in ups)
        assert sorted(attn_fs) == ["decoder.mid.attn_1", "encoder.mid.attn_1"], attn_fs
        facts.append(f"UNet Downsample: {[type(m.op).__name__ for m in downs]}, Upsample use_conv: "
                     f"{[m.use_conv for m in ups]}")
    for f_ in facts:
        print(f"[{name}] {f_}")

def verify(name, folder, raw_eps):
    v = load_file(os.path.join(folder, "vectors.safetensors"))
    info = json.load(open(os.path.join(folder, "vectors.json")))
    problems = []
    assert set(v) == set(info["tensors"]), "json and safetensors disagree"
    for k, t in v.items():
        if list(t.shape) != info["tensors"][k]:
            problems.append(f"{k}: shape")
        if t.dtype not in (torch.float32, torch.int64):
            problems.append(f"{k}: dtype {t.dtype}")
        if t.dtype == torch.float32 and not torch.isfinite(t).all():
            problems.append(f"{k}: not finite")
    for k in ("ddim_latent", "plms_latent"):
        if torch.allclose(v[k], v["sampler_x_T"]):
            problems.append(f"{k} equals sampler_x_T")
    if torch.allclose(v["ddim_latent"], v["plms_latent"]):
        problems.append("ddim_latent equals plms_latent")
    seeded = [k for k in ("ddim_eta1_latent", "ddpm_latent", "ddim_masked_latent", "plms_masked_latent") if k in v]
    if seeded and "seed" not in info:
        problems.append("seeded tensors without a seed in vectors.json")
    for k in seeded:
        for other in ("sampler_x_T", "ddim_latent", "plms_latent"):
            if torch.allclose(v[k], v[other]):
                problems.append(f"{k} equals {other}")
    if "mask_latent" in v:
        m = v["mask_latent"]
        if not bool(((m == 0) | (m == 1)).all()) or m.shape[1] != 1:
            problems.append("mask_latent is not a [B,1,h,w] 0/1 map")
        if torch.equal(m[0], m[1]) or not bool((m == 0).any()) or not bool((m == 1).any()):
            problems.append("mask_latent: holes must differ between the batch items and not be empty/full")
    wfile = [f for f in os.listdir(folder) if f.startswith("model.")][0]
    wpath = os.path.join(folder, wfile)
    sd = load_file(wpath) if wfile.endswith(".safetensors") else \
        torch.load(wpath, map_location="cpu", weights_only=False)
    if not wfile.endswith(".safetensors"):
        assert set(sd) == {"state_dict", "global_step", "epoch"}, sd.keys()
        sd = sd["state_dict"]
    lines = [f"[{name}] {wfile}: {len(sd)} entries, {os.path.getsize(wpath) / 1e6:.2f} MB; vectors "
             f"{os.path.getsize(os.path.join(folder, 'vectors.safetensors')) / 1e3:.0f} kB"]
    # no parameter left at a constant (zero-initialised layers included)
    for k, t in sd.items():
        if t.dtype.is_floating_point and t.numel() > 1 and float(t.std()) == 0.0:
            problems.append(f"weight {k} is constant")
    ema_keys = [k for k in sd if k.startswith("model_ema.") and k not in ("model_ema.decay", "model_ema.num_updates")]
    if ema_keys:
        n_diff = 0
        for k in sd:
            if k.startswith("model.diffusion_model."):
                ek = "model_ema." + k[len("model."):].replace(".", "")
                if ek not in sd:
                    problems.append(f"no EMA entry for {k}")
                elif not torch.equal(sd[k], sd[ek]):
                    n_diff += 1
        n_raw = sum(1 for k in sd if k.startswith("model.diffusion_model."))
        lines.append(f"  EMA entries {len(ema_keys)}, differing from raw: {n_diff}/{n_raw}")
        if n_diff != n_raw:
            problems.append("some EMA weights equal the raw ones")
        if raw_eps is not None:
            d = (raw_eps - v["unet_eps"]).abs().max().item()
            lines.append(f"  |unet_eps(raw weights) - unet_eps(EMA, stored)|_max = {d:.4g}")
            if d < 1e-3:
                problems.append("unet_eps with raw weights matches the stored one")
    for k, t in v.items():
        if t.dtype == torch.float32:
            lines.append(f"  {k:22s} {str(list(t.shape)):18s} mean {t.mean():+.4f} std {t.std() if t.numel() > 1 else 0:.4f}"
                         f" absmax {t.abs().max():.4f}")
        else:
            lines.append(f"  {k:22s} {str(list(t.shape)):18s} int64 {t.flatten()[:6].tolist()}")
    print("\n".join(lines))
    if problems:
        raise SystemExit(f"[{name}] FAILED: {problems}")
    print(f"[{name}] ok")


def _trace_draws(fn):
    """Run fn() with torch.randn / torch.randn_like wrapped (the wrapped functions are called unchanged)
    and return (fn's result, [(where, shape, tensor)]) in draw order. `where` is the drawing function
    and its caller (lambdas and ldm.util.default skipped), e.g. "q_sample<-ddim_sampling"."""
    orig_randn, orig_like = torch.randn, torch.randn_like
    draws = []

    def where():
        f, names = sys._getframe(2), []
        while f is not None and len(names) < 2:
            if f.f_code.co_name not in ("<lambda>", "default"):
                names.append(f.f_code.co_name)
            f = f.f_back
        return "<-".join(names)

    def randn(*a, **k):
        out = orig_randn(*a, **k)
        draws.append((where(), tuple(out.shape), out.clone()))
        return out

    def randn_like(*a, **k):
        out = orig_like(*a, **k)
        draws.append((where(), tuple(out.shape), out.clone()))
        return out

    torch.randn, torch.randn_like = randn, randn_like
    try:
        res = fn()
    finally:
        torch.randn, torch.randn_like = orig_randn, orig_like
    return res, draws


def expected_draw_order(sampler, steps):
    """The order of random draws read from the reference code (checked against a trace below)."""
    Q, N_DDIM, N_PLMS, N_DDPM = ("q_sample<-ddim_sampling", "noise_like<-p_sample_ddim",
                                 "noise_like<-get_x_prev_and_pred_x0", "noise_like<-p_sample")
    if sampler == "ddim":                      # eta > 0 or not, no mask
        return [N_DDIM] * steps
    if sampler == "ddpm":                      # also at t = 0, where it is multiplied by 0
        return [N_DDPM] * steps
    if sampler == "ddim_masked":
        return [Q, N_DDIM] * steps
    if sampler == "plms_masked":               # first step: get_x_prev_and_pred_x0 twice
        return ["q_sample<-plms_sampling", N_PLMS, N_PLMS] + ["q_sample<-plms_sampling", N_PLMS] * (steps - 1)
    raise ValueError(sampler)


def check_seeded(name, folder):
    """Seeded sampler tensors: (1) re-running the reference from the stored files reproduces them
    bit for bit; (2) the random draws come in the order expected_draw_order() states, and the k-th draw
    is the k-th `torch.randn(shape)` after `torch.manual_seed(seed)` (draw for draw); (3) another seed
    changes every seeded tensor; (4) masked DDIM/PLMS: skipping the eta-0 noise_like draws (which are
    multiplied by 0) changes the result, so their stream positions matter; (5) masked DDIM: the known
    region ends close to x0 / the last step's q_sample(x0), the hole does not."""
    info = json.load(open(os.path.join(folder, "vectors.json")))
    if "seed" not in info:
        return
    seed = info["seed"]
    cfg = yaml.safe_load(open(os.path.join(folder, "config.yaml")))
    wfile = [f for f in os.listdir(folder) if f.startswith("model.")][0]
    model = load_weights(build(cfg), os.path.join(folder, wfile))
    v = load_file(os.path.join(folder, "vectors.safetensors"))
    x_T = v["sampler_x_T"]
    problems, lines = [], []

    def stream_matches(draws):
        torch.manual_seed(seed)
        return all(torch.equal(t, torch.randn(shape)) for _, shape, t in draws)

    def maxdiff(a, b):
        return (a - b).abs().max().item()

    with torch.no_grad(), model.ema_scope():
        if name == "uncond":
            lines.append(f"[{name}] model.clip_denoised = {model.clip_denoised} (LatentDiffusion sets False: "
                         f"p_sample_loop does not clamp x0)")
            runs = {
                "ddim_eta1_latent": ("ddim", DDIM_ETA1_STEPS, lambda s: seeded_ddim_eta1(model, x_T, s)[0]),
                "ddpm_latent": ("ddpm", DDPM_STEPS, lambda s: seeded_ddpm(model, x_T, s)),
            }
        else:
            cond = v["cond_concat"]
            mask, x0 = v["mask_latent"], v["mask_x0"]
            runs = {
                "ddim_masked_latent": ("ddim_masked", MASKED_STEPS,
                                       lambda s: seeded_masked(model, "ddim", cond, x_T, mask, x0, s)),
                "plms_masked_latent": ("plms_masked", MASKED_STEPS,
                                       lambda s: seeded_masked(model, "plms", cond, x_T, mask, x0, s)),
            }
        for key, (sampler, steps, run) in runs.items():
            out, draws = _trace_draws(lambda: run(seed))
            order = [w for w, _, _ in draws]
            exp = expected_draw_order(sampler, steps)
            shapes = {s_ for _, s_, _ in draws}
            ok_order = order == exp
            ok_stream = stream_matches(draws)
            ok_repro = torch.equal(out, v[key])
            other = run(seed + 1)
            d_seed = maxdiff(other, v[key])
            lines.append(f"[{name}] {key}: reproduced bit for bit: {ok_repro}; {len(draws)} draws of shape "
                         f"{sorted(shapes)}; order as expected: {ok_order}; draw k == k-th randn after "
                         f"manual_seed({seed}): {ok_stream}; seed {seed + 1} changes it by up to {d_seed:.4g}")
            if not ok_order:
                lines.append(f"    observed order: {order}")
            if not (ok_repro and ok_order and ok_stream and len(shapes) == 1) or d_seed < 1e-3:
                problems.append(key)
        if name == "seg":
            import ldm.models.diffusion.ddim as ddim_mod
            import ldm.models.diffusion.plms as plms_mod
            for key, mod in (("ddim_masked_latent", ddim_mod), ("plms_masked_latent", plms_mod)):
                orig = mod.noise_like
                mod.noise_like = lambda shape, device, repeat=False: torch.zeros(shape, device=device)
                try:
                    skipped = seeded_masked(model, key[:4], cond, x_T, mask, x0, seed)
                finally:
                    mod.noise_like = orig
                d = maxdiff(skipped, v[key])
                lines.append(f"[{name}] {key}: with the eta-0 noise_like draws skipped it moves by up to {d:.4g}")
                if d < 1e-3:
                    problems.append(f"{key}: noise_like draws do not matter")
            # known region vs hole at the end of masked DDIM
            s_ = REF.DDIMSampler(model)
            s_.make_schedule(MASKED_STEPS, ddim_eta=DDIM_ETA, verbose=False)
            t_last = int(s_.ddim_timesteps[0])
            _, draws = _trace_draws(lambda: seeded_masked(model, "ddim", cond, x_T, mask, x0, seed))
            n_last = draws[2 * MASKED_STEPS - 2][2]     # the last step's q_sample noise
            ts = torch.full((x0.shape[0],), t_last, dtype=torch.long)
            q_last = model.q_sample(x0, ts, noise=n_last)
            out = v["ddim_masked_latent"]
            known, hole = mask.expand_as(out) == 1, mask.expand_as(out) == 0
            stats = {
                "known |out - x0|": (out - x0).abs()[known], "hole |out - x0|": (out - x0).abs()[hole],
                "known |out - q_sample(x0, t=%d)|" % t_last: (out - q_last).abs()[known],
                "hole |out - q_sample(x0, t=%d)|" % t_last: (out - q_last).abs()[hole],
            }
            for k, t in stats.items():
                lines.append(f"[{name}] ddim_masked_latent {k:34s} mean {t.mean():.4f} max {t.max():.4f}")
            if not stats["known |out - x0|"].max() < 0.25 * stats["hole |out - x0|"].mean():
                problems.append("ddim_masked_latent: known region not close to x0")
    print("\n".join(lines))
    if problems:
        raise SystemExit(f"[{name}] seeded checks FAILED: {problems}")
    print(f"[{name}] seeded checks ok")


def vq_margin(folder):
    """Smallest gap between the best and second-best codebook distance over every quantisation the
    fixture performs (VQ decode of fs_latent and the samplers' latents): a near-tie would make the
    argmin fragile for another implementation."""
    cfg = yaml.safe_load(open(os.path.join(folder, "config.yaml")))
    if not cfg["model"]["params"]["first_stage_config"]["target"].endswith("VQModelInterface"):
        return None
    wfile = [f for f in os.listdir(folder) if f.startswith("model.")][0]
    model = load_weights(build(cfg), os.path.join(folder, wfile))
    v = load_file(os.path.join(folder, "vectors.safetensors"))
    emb = model.first_stage_model.quantize.embedding.weight
    gaps = []
    for k in ("fs_latent", "ddim_latent", "plms_latent", "dpmpp2m_latent"):
        if k not in v:
            continue
        z = (v[k] / model.scale_factor).permute(0, 2, 3, 1).reshape(-1, emb.shape[1]).double()
        d = torch.cdist(z, emb.double()) ** 2
        two = d.topk(2, dim=1, largest=False).values
        gaps.append(float((two[:, 1] - two[:, 0]).min()))
    return min(gaps)


# --------------------------------------------------------------------------------------------
# DPM-Solver++(2M), the official solver, added to existing cases
# --------------------------------------------------------------------------------------------

def load_dpm_solver(path):
    spec = importlib.util.spec_from_file_location("dpm_solver_pytorch", os.path.abspath(path))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    REF.dpm = mod
    REF.dpm_commit = _git_head(os.path.dirname(os.path.abspath(path)))


def dpmpp2m(model, cond, uncond, guidance, x_T, correcting_xt_fn=None):
    """The official DPM-Solver++(2M) over apply_model, with the settings of the shared fixtures; returns the
    sample and the timestep labels the network saw, in order."""
    dpm = REF.dpm
    ns = dpm.NoiseScheduleVP("discrete", alphas_cumprod=model.alphas_cumprod)
    seen = []

    def apply(x, t, c=None):
        seen.append(float(t[0]))
        return model.apply_model(x, t, c)

    fn = dpm.model_wrapper(apply, ns, model_type="noise", guidance_type="classifier-free", condition=cond,
                           unconditional_condition=uncond, guidance_scale=guidance)
    solver = dpm.DPM_Solver(fn, ns, algorithm_type="dpmsolver++", correcting_xt_fn=correcting_xt_fn)
    out = solver.sample(x_T.clone(), steps=DPMPP2M_STEPS, order=2, skip_type="time_uniform", method="multistep",
                        lower_order_final=True)
    return out, seen


def dpmpp2m_masked(model, cond, x_T, mask, x0, seed):
    """seg: DPM-Solver++(2M) with latent mask blending at the solver's continuous times: before every model
    evaluation, x = (alpha_t x0 + sigma_t randn_like(x0))·mask + (1 − mask)·x, with alpha_t, sigma_t the official
    NoiseScheduleVP marginals, and not after the last update (where the CompVis samplers do not blend either).
    The blend is the official correcting_xt_fn hook. That hook first runs after the model has seen x_T, so x_T is
    blended before the call and the hook skips step 0. torch.manual_seed(seed) right before; one draw per blend."""
    ns = REF.dpm.NoiseScheduleVP("discrete", alphas_cumprod=model.alphas_cumprod)

    def blend(x, t):
        t = t.reshape((1,))
        noised = ns.marginal_alpha(t) * x0 + ns.marginal_std(t) * torch.randn_like(x0)
        return noised * mask + (1. - mask) * x

    def hook(x, t, step):
        return x if step in (0, DPMPP2M_STEPS) else blend(x, t)

    torch.manual_seed(seed)
    x_start = blend(x_T.clone(), torch.tensor(ns.T))
    out, _ = dpmpp2m(model, cond, None, 1.0, x_start, correcting_xt_fn=hook)
    return out


def stored_conditioning(v, info):
    """(cond, uncond, guidance) as the reference passes them, from a case's stored tensors."""
    if "cond_context" in v:
        cond, uncond = v["cond_context"], v.get("uncond_context")
    elif "cond_lr_image" in v:
        cond, uncond = v["cond_lr_image"], None
    elif "cond_concat" in v:
        cond, uncond = v["cond_concat"], None
    else:
        cond, uncond = None, None
    return cond, uncond, info.get("guidance_scale", 1.0)


def dpmpp2m_vectors(model, v, info):
    cond, uncond, guidance = stored_conditioning(v, info)
    latent, seen = dpmpp2m(model, cond, uncond, guidance, v["sampler_x_T"])
    got = {"dpmpp2m_latent": latent, "dpmpp2m_decoded": model.decode_first_stage(latent)}
    if "mask_latent" in v:
        got["dpmpp2m_masked_latent"] = dpmpp2m_masked(model, cond, v["sampler_x_T"], v["mask_latent"], v["mask_x0"],
                                                      info["seed"])
    return got, seen


def load_case(folder):
    cfg = yaml.safe_load(open(os.path.join(folder, "config.yaml")))
    info = json.load(open(os.path.join(folder, "vectors.json")))
    v = load_file(os.path.join(folder, "vectors.safetensors"))
    wfile = [f for f in os.listdir(folder) if f.startswith("model.")][0]
    return load_weights(build(cfg), os.path.join(folder, wfile)), v, info


def add_dpmpp2m(folder):
    """Adds the DPM-Solver++ tensors and scalars to a case folder; everything stored stays byte for byte."""
    model, v, info = load_case(folder)
    with torch.no_grad(), model.ema_scope():
        got, seen = dpmpp2m_vectors(model, v, info)
    clash = [k for k in got if k in v]
    if clash:
        raise SystemExit(f"{folder} already holds {clash}")
    got = finish(got)
    for k, t in got.items():
        if not torch.isfinite(t).all():
            raise SystemExit(f"{folder}: {k} is not finite")
    if torch.equal(got["dpmpp2m_latent"], v["sampler_x_T"]):
        raise SystemExit(f"{folder}: dpmpp2m_latent equals sampler_x_T")
    v.update(got)
    save_file(v, os.path.join(folder, "vectors.safetensors"))
    info["tensors"].update({k: list(t.shape) for k, t in got.items()})
    info["dpmpp2m_steps"] = DPMPP2M_STEPS
    info["dpmpp2m_model_timesteps"] = seen
    info["dpmpp2m"] = ("official DPM-Solver (dpm_solver_pytorch.py"
                       f" @ {REF.dpm_commit or 'unknown'}): discrete NoiseScheduleVP, classifier-free model_wrapper,"
                       " dpmsolver++, order 2, multistep, time_uniform, lower_order_final")
    with open(os.path.join(folder, "vectors.json"), "w") as fjs:
        json.dump(info, fjs, indent=1)
    os.chmod(os.path.join(folder, "vectors.safetensors"), 0o644)
    print(f"[{os.path.basename(folder)}] added {sorted(got)}; model timesteps {seen}")


# --------------------------------------------------------------------------------------------
# Replay of existing cases (harness check)
# --------------------------------------------------------------------------------------------

def replay(root):
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not os.path.isfile(os.path.join(folder, "vectors.json")):
            continue
        model, v, info = load_case(folder)
        got = {}
        with torch.no_grad(), model.ema_scope():
            got.update(first_stage_vectors(model, v["fs_image"]))
            cond, uncond, g = stored_conditioning(v, info)
            if "cond_class_labels" in v:
                key = model.cond_stage_model.key
                got["cond_context"] = model.get_learned_conditioning({key: v["cond_class_labels"]})
                uc = torch.full_like(v["cond_class_labels"], info["unconditional_class"])
                got["uncond_context"] = model.get_learned_conditioning({key: uc})
            elif "cond_masked_image" in v:
                c = model.cond_stage_model.encode(v["cond_masked_image"])  # as scripts/inpaint.py
                cc = torch.nn.functional.interpolate(v["cond_mask"], size=c.shape[-2:])
                got["cond_concat"] = torch.cat((c, cc), dim=1)
            elif "cond_segmentation_onehot" in v:
                got["cond_concat"] = model.get_learned_conditioning(v["cond_segmentation_onehot"])
            got["unet_eps"] = model.apply_model(v["unet_x"], v["unet_t"], cond)
            dl, pl_, ts = run_samplers(model, cond, v["sampler_x_T"], g, uncond)
            got.update(ddim_latent=dl, plms_latent=pl_, ddim_decoded=model.decode_first_stage(dl),
                       plms_decoded=model.decode_first_stage(pl_))
            got.update(schedule_vectors(model))
            if getattr(REF, "dpm", None) is not None and "dpmpp2m_latent" in v:
                dpm, seen = dpmpp2m_vectors(model, v, info)
                got.update(dpm)
                same = np.allclose(seen, info["dpmpp2m_model_timesteps"], rtol=0, atol=1e-4)
                print(f"[replay {name}] dpmpp2m_model_timesteps {'match' if same else 'DIFFER'}")
        print(f"[replay {name}] ddim_timesteps {'match' if ts == info['ddim_timesteps'] else 'DIFFER'}")
        for k, t in got.items():
            if k not in v:
                print(f"   {k}: not stored")
                continue
            ref = v[k]
            d = (t.float() - ref.float()).abs().max().item()
            scale = ref.float().abs().max().item()
            print(f"   {k:22s} max|diff| {d:.3g}  (rel. to absmax {d / max(scale, 1e-30):.3g})")


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ldm", required=True, help="source tree of CompVis/latent-diffusion")
    ap.add_argument("--taming", required=True, help="source tree of CompVis/taming-transformers")
    ap.add_argument("--ldm-commit", default=None, help="commit of --ldm (default: git rev-parse there)")
    ap.add_argument("--taming-commit", default=None)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    ap.add_argument("--replay", default=None, help="existing fixture root to re-run as a harness check")
    ap.add_argument("--dpm-solver", default=None, help="the official dpm_solver_pytorch.py (LuChengTHU/dpm-solver)")
    ap.add_argument("--dpm-solver-commit", default=None, help="its commit (default: git rev-parse there)")
    ap.add_argument("--add-dpmpp2m", default=None, metavar="ROOT",
                    help="add the DPM-Solver++ tensors to the --cases folders under ROOT (needs --dpm-solver)")
    ap.add_argument("--seed", action="append", default=[], metavar="CASE=N", help="override a case's seed")
    ap.add_argument("--sampler-seed", action="append", default=[], metavar="CASE=N",
                    help="override the torch.manual_seed used before the seeded samplers (uncond, seg)")
    args = ap.parse_args()
    for item in args.seed:
        case, n = item.split("=")
        CASES[case]["seed"] = int(n)
    for item in args.sampler_seed:
        case, n = item.split("=")
        CASES[case]["sampler_seed"] = int(n)

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    setup_reference(args.ldm, args.taming)
    REF.ldm_commit = args.ldm_commit or _git_head(args.ldm)
    REF.taming_commit = args.taming_commit or _git_head(args.taming)
    print(f"stubbed (unreachable) imports: {REF.stubbed}", file=sys.stderr)

    if args.dpm_solver:
        load_dpm_solver(args.dpm_solver)
        REF.dpm_commit = args.dpm_solver_commit or REF.dpm_commit
    if args.replay:
        replay(args.replay)
        return
    if args.add_dpmpp2m:
        if not args.dpm_solver:
            raise SystemExit("--add-dpmpp2m needs --dpm-solver")
        for name in args.cases:
            add_dpmpp2m(os.path.join(args.add_dpmpp2m, name))
        return
    for name in args.cases:
        folder, raw_eps = make_case(name, args.out)
        verify(name, folder, raw_eps)
        check_seeded(name, folder)
        m = vq_margin(folder)
        if m is not None:
            print(f"[{name}] smallest codebook distance gap over all VQ decodes: {m:.4g}")


if __name__ == "__main__":
    main()
