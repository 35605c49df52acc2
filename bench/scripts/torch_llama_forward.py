"""PyTorch eager forward of a Llama-family safetensors checkpoint (F32), the baseline of bench-examples.

usage: torch_llama_forward.py MODEL_DIR BATCHES.json THREADS

Written from transformers' modeling_llama.py / modeling_rope_utils.py (RMSNorm in fp32, rotate_half rotary with the
llama3 frequency scaling, grouped-query attention with a causal mask, SwiGLU MLP), sharing nothing with the Java
code. Runs every batch of BATCHES.json ([[ids...], ...] per batch) through all layers and the last position's
logits, as bench-examples' plain forward does, and prints `seconds=S` (the timed passes), `logits0=...` (the
first 8 logits of the first sequence, for the Java side to compare) and `gemm_gflops=G` (float32 GFLOP/s of a
(1024 x 2048)·(2048 x 8192) product, best of five).
"""
import json
import math
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch


def load(model_dir):
    tensors = {}
    for path in sorted(Path(model_dir).glob("*.safetensors")):
        raw = path.read_bytes()
        n = struct.unpack("<Q", raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        base = 8 + n
        for name, info in header.items():
            if name == "__metadata__":
                continue
            if info["dtype"] != "F32":
                raise SystemExit(f"{path}: {name} is {info['dtype']}; this baseline reads F32 checkpoints")
            start, end = info["data_offsets"]
            array = np.frombuffer(raw, dtype=np.float32, count=(end - start) // 4, offset=base + start)
            tensors[name] = torch.from_numpy(array.reshape(info["shape"]))
    return tensors


def inv_freq(config, head_dim):
    theta = config.get("rope_theta", 10000.0)
    freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    scaling = config.get("rope_scaling") or {}
    if scaling.get("rope_type", scaling.get("type")) == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        orig = scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / freq
        scaled = torch.where(wavelen > orig / low, freq / factor, freq)
        smooth = (orig / wavelen - low) / (high - low)
        blended = (1 - smooth) * scaled / factor + smooth * scaled
        mid = (wavelen >= orig / high) & (wavelen <= orig / low)
        freq = torch.where(mid, blended, scaled)
    return freq.float()


def rms(x, w, eps):
    x32 = x.float()
    return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(t, c, ids):
    d, heads, kv = c["hidden_size"], c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    hd = c.get("head_dim") or d // heads
    eps = c["rms_norm_eps"]
    b, s = ids.shape
    x = t["model.embed_tokens.weight"][ids]
    angles = torch.outer(torch.arange(s, dtype=torch.float32), inv_freq(c, hd))
    emb = torch.cat((angles, angles), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    mask = torch.full((s, s), float("-inf")).triu(1)
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms(x, t[p + "input_layernorm.weight"], eps)
        q = (h @ t[p + "self_attn.q_proj.weight"].T).view(b, s, heads, hd).transpose(1, 2)
        k = (h @ t[p + "self_attn.k_proj.weight"].T).view(b, s, kv, hd).transpose(1, 2)
        v = (h @ t[p + "self_attn.v_proj.weight"].T).view(b, s, kv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(heads // kv, dim=1)
        v = v.repeat_interleave(heads // kv, dim=1)
        att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask, dim=-1)
        out = (att @ v).transpose(1, 2).reshape(b, s, heads * hd)
        x = x + out @ t[p + "self_attn.o_proj.weight"].T
        h = rms(x, t[p + "post_attention_layernorm.weight"], eps)
        gate = h @ t[p + "mlp.gate_proj.weight"].T
        up = h @ t[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ t[p + "mlp.down_proj.weight"].T
    head = t.get("lm_head.weight", t["model.embed_tokens.weight"])
    return rms(x[:, -1, :], t["model.norm.weight"], eps) @ head.T


def main(model_dir, batches_file, threads):
    torch.set_num_threads(int(threads))
    config = json.loads((Path(model_dir) / "config.json").read_text())
    tensors = load(model_dir)
    batches = [torch.tensor(b, dtype=torch.long) for b in json.loads(Path(batches_file).read_text())]
    first = None
    with torch.no_grad():
        t0 = time.perf_counter()
        for batch in batches:
            logits = forward(tensors, config, batch)
            if first is None:
                first = logits[0, :8].tolist()
        seconds = time.perf_counter() - t0
    # The sgemm probe bench-examples compares with DJL's: one batch's rows through a gate_proj-sized product.
    a, w = torch.randn(1024, 2048), torch.randn(2048, 8192)
    a @ w
    best = float("inf")
    for _ in range(5):
        t1 = time.perf_counter()
        a @ w
        best = min(best, time.perf_counter() - t1)
    print(f"torch={torch.__version__} threads={torch.get_num_threads()}")
    print(f"gemm_gflops={2 * 1024 * 2048 * 8192 / best / 1e9:.1f}")
    print(f"seconds={seconds:.3f}")
    print("logits0=" + ",".join(f"{v:.6f}" for v in first))


if __name__ == "__main__":
    main(*sys.argv[1:4])
