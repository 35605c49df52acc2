#!/usr/bin/env python3
"""Tiny random Hugging Face models and transformers' own outputs for them: the forward pass's reference fixtures.

Run (torch 2.13.0+cpu, transformers 5.18.0, tokenizers, safetensors; about a minute on 2 cores):

    /work/venv-hf/bin/python tools/hf-fixtures/make_fixtures.py [--out job/src/test/resources/hf] [name ...]

For every fixture (one per family, several rope variants of llama) it writes job/src/test/resources/hf/<name>/:
  config.json            as transformers 5 writes it (save_pretrained: rope_parameters, num_local_experts, dtype)
  config.v4.json         the same model as transformers 4 wrote it (rope_scaling + rope_theta, num_experts,
                         torch_dtype, rotary_pct, sliding_window_pattern...); the script checks that transformers
                         loads it to the same logits
  model.safetensors      fp32 weights (save_pretrained)
  tokenizer.json         a byte-level BPE of VOCAB tokens (shared by every fixture)
  references.json        prompts (ids), greedy continuations (ids), clamps, activation sites (see docs/forward-reference.md)
  references.safetensors logits.{p} (T, V); clamp{c}.logits.{p} (T, V); act{s}.{p} (T, k), NaN where an expert
                         did not process the token; rope[.{layer_type}].{cos,sin}.{T} (T, rotary_dim) of one call
                         over positions 0..T-1 and rope[...].{cos,sin}.{T}+1 (1, rotary_dim) of position T alone
Everything is computed in fp32 by transformers' modeling code with eager attention and eager experts.
"""
import argparse
import copy
import json
import os
import re
import shutil
import sys
import tempfile

import torch
import transformers
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from torch.overrides import TorchFunctionMode

VOCAB = 272
SEED = 1234
PROMPT_LENGTHS = (5, 11, 20)  # the first fits every window and original length; the last is longer than both
WINDOW = 12  # sliding windows: shorter than the last prompt, at least prompt 0 + greedy
ORIGINAL = 16  # original_max_position_embeddings of the scaled ropes: shorter than the last prompt
MAX_POSITIONS = 64
NEW_TOKENS = 6
CLAMP_VALUE = 6.0
INIT_RANGE = 0.15  # larger than transformers' 0.02 so that logits spread and every term matters

CORPUS = [
    "the quick brown fox jumps over the lazy dog and the cat sat on the mat",
    "a neuron in the atlas reads the residual stream and writes one direction back",
    "tokens of the prompt attend to the tokens before them within the window",
]
PROMPT_TEXT = "the brown cat reads the lazy dog a neuron of the residual stream and the window"

BASE = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, head_dim=12, max_position_embeddings=MAX_POSITIONS, initializer_range=INIT_RANGE,
            bos_token_id=0, eos_token_id=1, pad_token_id=2, tie_word_embeddings=False)


def rope(rope_type, theta=10000.0, **extra):
    return dict(rope_type=rope_type, rope_theta=theta, **extra)


def llama(name, rope_parameters, **extra):
    return dict(name=name, config="LlamaConfig", model="LlamaForCausalLM",
                kwargs=dict(BASE, rope_parameters=rope_parameters, **extra))


SPECS = [
    llama("llama", rope("default", 10000.0)),
    llama("llama-linear", rope("linear", 10000.0, factor=2.0)),
    # dynamic NTK scales past max_position_embeddings: prompt 2 (20 tokens) is longer than 16
    llama("llama-dynamic", rope("dynamic", 10000.0, factor=2.0), max_position_embeddings=ORIGINAL),
    llama("llama-yarn", rope("yarn", 10000.0, factor=4.0, original_max_position_embeddings=ORIGINAL)),
    llama("llama-longrope", rope("longrope", 10000.0, original_max_position_embeddings=ORIGINAL,
                                 short_factor=[1.0, 1.1, 1.3, 1.6, 2.0, 2.5],
                                 long_factor=[1.2, 1.5, 2.0, 2.8, 3.5, 4.0])),
    llama("llama-llama3", rope("llama3", 500000.0, factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
                               original_max_position_embeddings=ORIGINAL)),
    dict(name="mistral", config="MistralConfig", model="MistralForCausalLM",
         kwargs=dict(BASE, sliding_window=WINDOW, rope_parameters=rope("default", 100000.0))),
    dict(name="qwen2", config="Qwen2Config", model="Qwen2ForCausalLM",
         kwargs=dict(BASE, tie_word_embeddings=True, rope_parameters=rope("default", 1000000.0))),
    dict(name="qwen3", config="Qwen3Config", model="Qwen3ForCausalLM",
         kwargs=dict(BASE, rope_parameters=rope("default", 1000000.0))),
    dict(name="olmo2", config="Olmo2Config", model="Olmo2ForCausalLM",
         kwargs={k: v for k, v in BASE.items() if k != "head_dim"} | dict(rope_parameters=rope("default", 500000.0))),
    dict(name="gemma", embed_scale=0.35, config="GemmaConfig", model="GemmaForCausalLM",
         kwargs=dict(BASE, tie_word_embeddings=True, hidden_activation="gelu_pytorch_tanh")),
    dict(name="gemma2", embed_scale=0.35, config="Gemma2Config", model="Gemma2ForCausalLM",
         kwargs=dict(BASE, tie_word_embeddings=True, sliding_window=WINDOW, query_pre_attn_scalar=16,
                     attn_logit_softcapping=3.0, final_logit_softcapping=2.0)),
    dict(name="gemma3_text", embed_scale=0.35, config="Gemma3TextConfig", model="Gemma3ForCausalLM",
         kwargs=dict(BASE, tie_word_embeddings=True, num_hidden_layers=3, sliding_window=WINDOW,
                     query_pre_attn_scalar=16,
                     layer_types=["sliding_attention", "full_attention", "sliding_attention"],
                     rope_parameters={"sliding_attention": rope("default", 10000.0),
                                      "full_attention": rope("linear", 1000000.0, factor=2.0)})),
    dict(name="gemma3", embed_scale=0.35, config="Gemma3Config", model="Gemma3ForConditionalGeneration",
         kwargs=dict(text_config=dict(BASE, tie_word_embeddings=True, num_hidden_layers=2, sliding_window=WINDOW,
                                      query_pre_attn_scalar=16,
                                      layer_types=["sliding_attention", "full_attention"],
                                      rope_parameters={"sliding_attention": rope("default", 10000.0),
                                                       "full_attention": rope("linear", 1000000.0, factor=2.0)}),
                     vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                        num_attention_heads=2, image_size=28, patch_size=14),
                     mm_tokens_per_image=4, image_token_index=VOCAB - 1, boi_token_index=VOCAB - 3,
                     eoi_token_index=VOCAB - 2, initializer_range=INIT_RANGE, tie_word_embeddings=True)),
    # Phi-3's head_dim is hidden/heads (8); 0.75 of it rotates (Phi-4-mini style), longrope as Phi-3.5 has it
    dict(name="phi3", config="Phi3Config", model="Phi3ForCausalLM",
         kwargs={k: v for k, v in BASE.items() if k != "head_dim"}
         | dict(original_max_position_embeddings=ORIGINAL,
                rope_parameters=rope("longrope", 10000.0, partial_rotary_factor=0.75,
                                     original_max_position_embeddings=ORIGINAL,
                                     short_factor=[1.0, 1.2, 1.5], long_factor=[1.3, 2.0, 3.0]))),
    dict(name="gpt2", config="GPT2Config", model="GPT2LMHeadModel",
         kwargs=dict(vocab_size=VOCAB, n_embd=32, n_inner=64, n_layer=2, n_head=4, n_positions=MAX_POSITIONS,
                     activation_function="gelu_new", initializer_range=INIT_RANGE, bos_token_id=0, eos_token_id=1,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)),
    dict(name="gpt_neox", config="GPTNeoXConfig", model="GPTNeoXForCausalLM",
         kwargs=dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=4, max_position_embeddings=MAX_POSITIONS, initializer_range=INIT_RANGE,
                     hidden_act="gelu", use_parallel_residual=True, bos_token_id=0, eos_token_id=1,
                     rope_parameters=rope("default", 20000.0, partial_rotary_factor=0.5))),
    dict(name="mixtral", config="MixtralConfig", model="MixtralForCausalLM",
         kwargs=dict(BASE, intermediate_size=24, num_local_experts=4, num_experts_per_tok=2,
                     rope_parameters=rope("default", 1000000.0))),
    dict(name="qwen2_moe", config="Qwen2MoeConfig", model="Qwen2MoeForCausalLM",
         kwargs=dict(BASE, moe_intermediate_size=24, shared_expert_intermediate_size=40, num_experts=4,
                     num_experts_per_tok=2, norm_topk_prob=False, rope_parameters=rope("default", 1000000.0))),
    # layer 0 is dense by decoder_sparse_step=... no: step 1, mlp_only_layers=[1]; layer 3 is dense by step? see below
    dict(name="qwen3_moe", config="Qwen3MoeConfig", model="Qwen3MoeForCausalLM",
         kwargs=dict(BASE, num_hidden_layers=4, moe_intermediate_size=24, num_local_experts=4,
                     num_experts_per_tok=2, norm_topk_prob=True, decoder_sparse_step=2, mlp_only_layers=[3],
                     rope_parameters=rope("default", 1000000.0))),
    dict(name="gpt_oss", config="GptOssConfig", model="GptOssForCausalLM",
         stacked_biases=("gate_up_proj_bias", "down_proj_bias"),
         kwargs=dict(BASE, intermediate_size=24, num_local_experts=4, num_experts_per_tok=2, sliding_window=WINDOW,
                     layer_types=["sliding_attention", "full_attention"],
                     rope_parameters=rope("yarn", 150000.0, factor=4.0, beta_fast=32.0, beta_slow=1.0,
                                          truncate=False, original_max_position_embeddings=ORIGINAL))),
]
# qwen3_moe: decoder_sparse_step=2 makes layers 1 and 3 sparse, 0 and 2 dense; mlp_only_layers=[3] makes 3 dense
# too, so layer 1 is the only mixture: both rules are exercised.


def tokenizer():
    """A byte-level BPE of VOCAB tokens: <s> </s> <pad>, the 256 bytes, then merges learnt from CORPUS."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=["<s>", "</s>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    if tok.get_vocab_size() != VOCAB:
        raise SystemExit(f"tokenizer has {tok.get_vocab_size()} tokens, want {VOCAB}: add corpus text")
    return tok


def prompts(tok):
    ids = tok.encode(PROMPT_TEXT).ids
    if len(ids) < max(PROMPT_LENGTHS) + 3:
        raise SystemExit("PROMPT_TEXT encodes to too few tokens")
    # different starting points so that the prompts are not prefixes of each other
    return [ids[i:i + n] for i, n in zip((0, 3, 2), PROMPT_LENGTHS)]


def build(spec):
    torch.manual_seed(SEED)
    config = getattr(transformers, spec["config"])(**copy.deepcopy(spec["kwargs"]))
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"
    for sub in ("text_config", "vision_config"):
        if hasattr(config, sub):
            getattr(config, sub)._attn_implementation = "eager"
            getattr(config, sub)._experts_implementation = "eager"
    model = getattr(transformers, spec["model"])(config).float().eval()
    with torch.no_grad():
        # norms start at 1 (or 0 for Gemma's 1+w) and biases at 0; noise on every vector (and on the experts' biases
        # stacked in one tensor, gpt-oss's) makes each one matter
        for name, p in sorted(model.named_parameters()):
            if p.dim() == 1 or name.split(".")[-1] in spec.get("stacked_biases", ()):
                p.add_(0.1 * torch.randn_like(p))
        if spec.get("embed_scale"):
            # Gemma multiplies embeddings by sqrt(hidden): smaller rows keep the layers' share of the residual and
            # greedy continuations from repeating the last token forever
            model.get_input_embeddings().weight.mul_(spec["embed_scale"])
    return model


def layers_of(model):
    for path in ("model.language_model.layers", "model.layers", "transformer.h", "gpt_neox.layers"):
        obj = model
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
            return list(obj)
        except AttributeError:
            continue
    raise SystemExit("no layers in " + type(model).__name__)


def dense_down(layer):
    """The dense MLP's output projection of a layer (its input is the MLP activation), or None in a mixture."""
    mlp = layer.mlp
    for name in ("down_proj", "c_proj", "dense_4h_to_h"):
        if hasattr(mlp, name):
            return getattr(mlp, name)
    return None


def routed_weight(experts, expert):
    """The weight view the experts' eager loop multiplies expert's activations by: down_proj[expert]."""
    return experts.down_proj[expert]


def same_view(a, b):
    return (isinstance(a, torch.Tensor) and a.data_ptr() == b.data_ptr() and a.shape == b.shape
            and a.stride() == b.stride())


class ExpertDownInput(TorchFunctionMode):
    """Intercepts the eager experts loop's down projection of chosen experts: F.linear(h, down_proj[e]) (Mixtral,
    Qwen-MoE) or h @ down_proj[e] (gpt-oss). `edit(layer, expert, h)` may return a replacement h; the rows of h are
    the tokens routed to the expert, in the loop's order."""

    def __init__(self, targets, edit):
        super().__init__()
        self.targets = targets  # [(layer, expert, weight view)]
        self.edit = edit

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in (torch.nn.functional.linear, torch.matmul, torch.Tensor.matmul, torch.Tensor.__matmul__) \
                and len(args) >= 2:
            for layer, expert, weight in self.targets:
                if same_view(args[1], weight):
                    replaced = self.edit(layer, expert, args[0])
                    if replaced is not None:
                        args = (replaced,) + tuple(args[1:])
                    break
        return func(*args, **kwargs)


class Routing:
    """Records each sparse layer's router choice (tokens, top_k) to map an expert's rows back to positions."""

    def __init__(self, model):
        self.chosen = {}
        self.handles = []
        for i, layer in enumerate(layers_of(model)):
            router = getattr(layer.mlp, "router", None) or (getattr(layer.mlp, "gate", None)
                                                            if hasattr(layer.mlp, "experts") else None)
            if router is not None:
                self.handles.append(router.register_forward_hook(self.hook(i)))

    def hook(self, i):
        def record(_module, _inputs, output):
            self.chosen[i] = output[-1].detach().clone()  # (tokens, top_k) expert indices
        return record

    def positions(self, layer, expert):
        """Token rows of the expert, in the order the eager loop gathers them: torch.where over (top_k, tokens)."""
        mask = (self.chosen[layer] == expert).T  # (top_k, tokens)
        _, tokens = torch.where(mask)
        return tokens

    def close(self):
        for h in self.handles:
            h.remove()


def sites_of(model):
    """Activation sites: the dense MLP of each layer or, in a mixture, every routed expert and the shared one."""
    sites = []
    for i, layer in enumerate(layers_of(model)):
        down = dense_down(layer)
        experts = getattr(layer.mlp, "experts", None)
        if experts is not None and down is None:
            # (experts, hidden, width) for F.linear (Mixtral, Qwen-MoE); (experts, width, hidden) for gpt-oss
            hidden = layer.input_layernorm.weight.shape[0]
            shape = experts.down_proj.shape
            width = shape[2] if shape[1] == hidden else shape[1]
            for e in range(experts.num_experts):
                sites.append(dict(layer=i, expert=e, width=width))
            shared = getattr(layer.mlp, "shared_expert", None)
            if shared is not None:
                sites.append(dict(layer=i, expert="shared", width=shared.down_proj.in_features))
        else:
            width = down.weight.shape[0] if type(down).__name__ == "Conv1D" else down.in_features
            sites.append(dict(layer=i, expert=None, width=width))
    for s in sites:
        w = s["width"]
        s["neurons"] = sorted({0, 5, w // 2, w - 1})
    return sites


def module_of(layer, expert):
    if expert == "shared":
        return layer.mlp.shared_expert.down_proj
    return dense_down(layer)


def run(model, ids, clamp=None, capture=None):
    """Logits (T, V) of one prompt. clamp: dict(layer, expert, neuron, value) set at every position where the MLP
    runs; capture: list of sites whose activations (T, k) are recorded into site['values']."""
    layers = layers_of(model)
    handles = []
    targets = []
    routing = Routing(model)
    length = len(ids)

    def dense_hook(site_layer, site_expert):
        def pre(_module, args):
            h = args[0]
            if clamp is not None and clamp["layer"] == site_layer and clamp["expert"] == site_expert:
                h = h.clone()
                h[..., clamp["neuron"]] = clamp["value"]
            for s in capture or []:
                if s["layer"] == site_layer and s["expert"] == site_expert:
                    s["values"] = h.reshape(length, -1)[:, s["neurons"]].detach().clone()
            if h is not args[0]:
                return (h,) + tuple(args[1:])
            return None
        return pre

    wanted = {(s["layer"], s["expert"]) for s in (capture or [])}
    if clamp is not None:
        wanted.add((clamp["layer"], clamp["expert"]))
    for layer_index, expert in sorted(wanted, key=str):
        if expert is None or expert == "shared":
            module = module_of(layers[layer_index], expert)
            handles.append(module.register_forward_pre_hook(dense_hook(layer_index, expert)))
        else:
            targets.append((layer_index, expert, routed_weight(layers[layer_index].mlp.experts, expert)))

    def edit(layer_index, expert, h):
        if clamp is not None and clamp["layer"] == layer_index and clamp["expert"] == expert:
            h = h.clone()
            h[..., clamp["neuron"]] = clamp["value"]
        for s in capture or []:
            if s["layer"] == layer_index and s["expert"] == expert:
                rows = routing.positions(layer_index, expert)
                values = torch.full((length, len(s["neurons"])), float("nan"))
                values[rows] = h[:, s["neurons"]].detach()
                s["values"] = values
        return h

    try:
        with torch.no_grad(), ExpertDownInput(targets, edit):
            out = model(input_ids=torch.tensor([ids]), use_cache=False)
    finally:
        for h in handles:
            h.remove()
        routing.close()
    for s in capture or []:
        if "values" not in s:  # an expert no token of this prompt was routed to
            s["values"] = torch.full((length, len(s["neurons"])), float("nan"))
    return out.logits[0].float()


def greedy(model, ids):
    """NEW_TOKENS argmax tokens, one forward per token with transformers' KV cache."""
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), use_cache=True)
        cache = out.past_key_values
        tokens = []
        for _ in range(NEW_TOKENS):
            nxt = int(out.logits[0, -1].argmax())
            tokens.append(nxt)
            out = model(input_ids=torch.tensor([[nxt]]), past_key_values=cache, use_cache=True)
            cache = out.past_key_values
    return tokens


def clamps_of(model, sites, prompt_ids):
    """One clamp per kind of MLP the model has: the dense MLP (layer 0), a routed expert of the first mixture (the
    one the longest prompt uses most), the shared expert."""
    clamps = []
    dense = [s for s in sites if s["expert"] is None]
    if dense:
        clamps.append(dict(layer=dense[0]["layer"], expert=None, neuron=5, value=CLAMP_VALUE))
    routed = [s for s in sites if isinstance(s["expert"], int)]
    if routed:
        layer_index = routed[0]["layer"]
        routing = Routing(model)
        with torch.no_grad():
            model(input_ids=torch.tensor([prompt_ids[-1]]), use_cache=False)
        counts = torch.bincount(routing.chosen[layer_index].flatten(), minlength=64)
        routing.close()
        clamps.append(dict(layer=layer_index, expert=int(counts.argmax()), neuron=3, value=CLAMP_VALUE))
    if any(s["expert"] == "shared" for s in sites):
        clamps.append(dict(layer=routed[0]["layer"], expert="shared", neuron=5, value=CLAMP_VALUE))
    return clamps


def v4_rope(params, section):
    """rope_parameters -> (rope_theta, rope_scaling or None, partial_rotary_factor or None), as transformers 4."""
    params = dict(params)
    theta = params.pop("rope_theta")
    partial = params.pop("partial_rotary_factor", None)
    if params.get("rope_type", "default") == "default":
        return theta, None, partial
    if section.get("legacy_type_key"):
        params["type"] = params.pop("rope_type")
    return theta, params, partial


def to_v4(config, name):
    """config.json as transformers 4 wrote it for this family."""
    d = copy.deepcopy(config)
    if "dtype" in d:
        d["torch_dtype"] = d.pop("dtype")
    d["transformers_version"] = "4.57.1"
    text = d["text_config"] if "text_config" in d else d
    if "dtype" in text:
        text["torch_dtype"] = text.pop("dtype")
    rp = text.pop("rope_parameters", None)
    if rp is not None and "full_attention" in rp:  # Gemma 3: global rope (and its scaling), local base
        theta, scaling, _ = v4_rope(rp["full_attention"], {})
        text["rope_theta"] = theta
        text["rope_scaling"] = scaling
        text["rope_local_base_freq"] = rp["sliding_attention"]["rope_theta"]
        types = text.pop("layer_types")
        # transformers 4.50 wrote the pattern: every sliding_window_pattern-th layer is global
        pattern = types.index("full_attention") + 1
        if types != ["full_attention" if (i + 1) % pattern == 0 else "sliding_attention" for i in range(len(types))]:
            raise SystemExit(name + ": layer_types is not a sliding_window_pattern")
        text["sliding_window_pattern"] = pattern
        text.pop("_sliding_window_pattern", None)  # transformers 5's private default, not in 4's files
    elif rp is not None:
        # older checkpoints spell the type "type" (Phi-3's longrope, linear and dynamic Llamas)
        legacy = name in ("phi3", "llama-linear", "llama-dynamic")
        theta, scaling, partial = v4_rope(rp, dict(legacy_type_key=legacy))
        if name == "gpt_neox":  # Pythia's config.json
            text["rotary_emb_base"] = theta
            text["rotary_pct"] = partial
        else:
            text["rope_theta"] = theta
            if partial is not None:
                text["partial_rotary_factor"] = partial
        text["rope_scaling"] = scaling
    if name == "gemma2":
        text.pop("layer_types", None)  # transformers 4 alternated sliding and global layers without the list
    if name == "qwen3_moe":
        text["num_experts"] = text.pop("num_local_experts")
    return d


def compact_json(value):
    """Indented JSON with every list of numbers on one line."""
    text = json.dumps(value, indent=1)
    return re.sub(r"\[[-0-9.,\s]*\]", lambda m: re.sub(r"\s+", "", m.group(0)).replace(",", ", "), text) + "\n"


def load_with(folder, config_name, model_class):
    """transformers' model from folder's weights and the named config file."""
    with tempfile.TemporaryDirectory() as tmp:
        for f in ("model.safetensors",):
            shutil.copy(os.path.join(folder, f), tmp)
        shutil.copy(os.path.join(folder, config_name), os.path.join(tmp, "config.json"))
        model = getattr(transformers, model_class).from_pretrained(tmp, attn_implementation="eager",
                                                                 experts_implementation="eager")
    return model.float().eval()


def rotary_of(model):
    for path in ("model.language_model.rotary_emb", "model.rotary_emb", "gpt_neox.rotary_emb"):
        obj = model
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
            return obj
        except AttributeError:
            continue
    return None  # GPT-2: learned positions


def rope_tables(folder, model_class):
    """cos and sin (T, rotary_dim) of one call over positions 0..T-1, for each prompt length T and, for a decoding
    step, of position T alone after a call over T positions; per layer type where the model has several ropes.
    A fresh model: dynamic and longrope keep state between calls."""
    model = load_with(folder, "config.json", model_class)
    rotary = rotary_of(model)
    if rotary is None:
        return {}
    tables = {}
    types = sorted(rotary.rope_type) if isinstance(rotary.rope_type, dict) else [None]
    x = torch.zeros(1, dtype=torch.float32)
    for layer_type in types:
        prefix = "rope." + (layer_type + "." if layer_type else "")
        kwargs = {"layer_type": layer_type} if layer_type else {}
        for length in PROMPT_LENGTHS:
            with torch.no_grad():
                cos, sin = rotary(x, torch.arange(length)[None, :], **kwargs)
                tables[f"{prefix}cos.{length}"] = cos[0].float()
                tables[f"{prefix}sin.{length}"] = sin[0].float()
                cos, sin = rotary(x, torch.tensor([[length]]), **kwargs)
                tables[f"{prefix}cos.{length}+1"] = cos[0].float()
                tables[f"{prefix}sin.{length}+1"] = sin[0].float()
    return tables


def make(spec, out_root, tok, prompt_ids):
    folder = os.path.join(out_root, spec["name"])
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    model = build(spec)
    model.save_pretrained(folder)
    for extra in os.listdir(folder):
        if extra not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(folder, extra))  # generation_config.json: not read by the Java side
    tok.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(folder, "config.v4.json"), "w") as f:
        json.dump(to_v4(config, spec["name"]), f, indent=2, sort_keys=True)
        f.write("\n")

    # the references come from the saved files, as the Java side reads them
    model = load_with(folder, "config.json", spec["model"])
    tensors = {}
    sites = sites_of(model)
    for p, ids in enumerate(prompt_ids):
        capture = [dict(s) for s in sites]
        tensors[f"logits.{p}"] = run(model, ids, capture=capture)
        for i, s in enumerate(capture):
            tensors[f"act{i}.{p}"] = s["values"].float()
    clamps = clamps_of(model, sites, prompt_ids)
    for c, clamp in enumerate(clamps):
        for p, ids in enumerate(prompt_ids):
            clamped = run(model, ids, clamp=clamp)
            if torch.allclose(clamped, tensors[f"logits.{p}"]) and (clamp["expert"] is None or p == 2):
                raise SystemExit(f"{spec['name']}: clamp {clamp} does not change prompt {p}'s logits")
            tensors[f"clamp{c}.logits.{p}"] = clamped
    continuations = [greedy(model, ids) for ids in prompt_ids]
    tensors.update(rope_tables(folder, spec["model"]))

    # the transformers-4 spelling must mean the same model
    old = load_with(folder, "config.v4.json", spec["model"])
    for p, ids in enumerate(prompt_ids):
        with torch.no_grad():
            logits = old(input_ids=torch.tensor([ids]), use_cache=False).logits[0]
        if not torch.allclose(logits, tensors[f"logits.{p}"], rtol=0, atol=1e-6):
            raise SystemExit(f"{spec['name']}: config.v4.json gives other logits for prompt {p}")

    save_file({k: v.contiguous() for k, v in sorted(tensors.items())}, os.path.join(folder, "references.safetensors"))
    refs = dict(
        name=spec["name"], model_class=spec["model"], transformers=transformers.__version__,
        torch=torch.__version__, seed=SEED,
        prompts=prompt_ids, prompt_texts=[tok.decode(ids) for ids in prompt_ids],
        greedy=continuations, greedy_texts=[tok.decode(ids) for ids in continuations],
        clamps=clamps,
        activations=[dict(layer=s["layer"], expert=s["expert"], neurons=s["neurons"]) for s in sites],
    )
    with open(os.path.join(folder, "references.json"), "w") as f:
        f.write(compact_json(refs))
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{spec['name']}: {size // 1024} KB, greedy {continuations}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                      "job/src/test/resources/hf"))
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)  # the same reductions every run
    torch.use_deterministic_algorithms(True)
    tok = tokenizer()
    prompt_ids = prompts(tok)
    names = args.names or [s["name"] for s in SPECS]
    unknown = set(names) - {s["name"] for s in SPECS}
    if unknown:
        raise SystemExit(f"unknown fixtures {sorted(unknown)}")
    for spec in SPECS:
        if spec["name"] in names:
            make(spec, os.path.normpath(args.out), tok, prompt_ids)


if __name__ == "__main__":
    sys.exit(main())
