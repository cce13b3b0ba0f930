#!/usr/bin/env python3
# record_hf.py: record a Hugging Face MoE model's routing into a Switchyard
# trace file (docs/trace-format.md), with transformers and PyTorch.
#
# Copyright 2026 The Switchyard authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# One forward pass over the text (with the tokenizer's special tokens, as
# Switchyard tokenizes) records, per MoE layer and token, the router's raw
# output z (float32, computed from the gate's input and weights, so it is
# the same for every family), the experts and weights the model's own rule
# picks from it, the NLL of every next token and the attention each token
# received in that layer (routing.md "da" recv_j).  Families: mixtral,
# olmoe, qwen2_moe, qwen3_moe, granitemoe, deepseek_v3, gpt_oss.
#
# Not part of the build or the tests (CI has no torch); see README.md here.

import argparse
import base64
import json
import math
import sys

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

# where each family keeps its router: the module whose input is the hidden
# state and whose .weight is [n_experts, hidden]
GATE_PATHS = ("mlp.gate", "block_sparse_moe.gate", "block_sparse_moe.router.layer",
              "mlp.router")


def get_attr_path(obj, path):
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def router_info(cfg):
    """What routing.md needs to know about the model's router."""
    mt = cfg.model_type
    info = {"activation": "softmax", "native_weights": "renorm", "norm_topk_prob": False,
            "routed_scaling_factor": 1.0, "n_group": 0, "topk_group": 0,
            "shared_experts": False, "shallow_experts": 0, "native_policy": None,
            "selection_bias": None}
    if mt == "olmoe":
        info["native_weights"] = "renorm" if getattr(cfg, "norm_topk_prob", False) else "raw"
    elif mt in ("qwen2_moe", "qwen3_moe"):
        info["native_weights"] = "renorm" if getattr(cfg, "norm_topk_prob", False) else "raw"
        info["shared_experts"] = mt == "qwen2_moe" and getattr(cfg, "shared_expert_intermediate_size", 0) > 0
    elif mt == "deepseek_v3":
        info.update(activation="sigmoid", native_weights="sigmoid",
                    norm_topk_prob=bool(getattr(cfg, "norm_topk_prob", True)),
                    routed_scaling_factor=float(getattr(cfg, "routed_scaling_factor", 1.0)),
                    n_group=int(getattr(cfg, "n_group", 1) or 0),
                    topk_group=int(getattr(cfg, "topk_group", 1) or 0),
                    shared_experts=getattr(cfg, "n_shared_experts", 0) > 0)
    return info


def n_experts_of(cfg):
    for key in ("num_local_experts", "num_experts", "n_routed_experts"):
        v = getattr(cfg, key, None)
        if v:
            return int(v)
    raise SystemExit(f"record_hf.py: {cfg.model_type}: no expert count in config.json")


def b64(array, dtype):
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def native_choice(z, k, info, bias):
    """Experts and weights of the model's own rule (routing.md "native") for
    one row of logits z (float64 numpy, E)."""
    E = z.shape[0]
    if info["activation"] == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        key = s + (bias if bias is not None else 0.0)
        G, keep = info["n_group"], info["topk_group"]
        if G > 1:
            size = E // G
            groups = key.reshape(G, size)
            score = np.sort(groups, axis=1)[:, -2:].sum(axis=1) if size >= 2 else groups.max(axis=1)
            kept = sorted(range(G), key=lambda g: (-score[g], g))[:keep]
            mask = np.zeros(E, dtype=bool)
            for g in kept:
                mask[g * size:(g + 1) * size] = True
            key = np.where(mask, key, 0.0)
        order = sorted(range(E), key=lambda e: (-key[e], e))[:k]
        w = s[order]
        if info["norm_topk_prob"]:
            w = w / (w.sum() + 1e-20)
        w = w * info["routed_scaling_factor"]
    else:
        p = np.exp(z - z.max())
        p /= p.sum()
        order = sorted(range(E), key=lambda e: (-p[e], e))[:k]
        w = p[order]
        if info["native_weights"] == "renorm":
            w = w / w.sum()
    pairs = sorted(zip(order, w), key=lambda ew: (-ew[1], ew[0]))
    return [int(e) for e, _ in pairs], [float(x) for _, x in pairs]


def main():
    ap = argparse.ArgumentParser(description="Record a HF MoE model's routing as a Switchyard trace")
    ap.add_argument("--model", required=True, help="Hugging Face model folder or hub id")
    ap.add_argument("--text", help="text to run (else --text-file)")
    ap.add_argument("--text-file", help="file holding the text")
    ap.add_argument("--out", required=True, help="trace file to write (.json)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", default="bfloat16", choices=["float32", "bfloat16", "float16"])
    ap.add_argument("--f16", action="store_true", help="store floats as float16 (half the size)")
    ap.add_argument("--top", type=int, default=0,
                    help="store only the top N probabilities per token (the rest summed)")
    ap.add_argument("--no-attention", action="store_true",
                    help="skip the attention received (no da re-application; less memory)")
    args = ap.parse_args()

    text = args.text if args.text is not None else open(args.text_file, encoding="utf-8").read()
    cfg = AutoConfig.from_pretrained(args.model)
    tok = AutoTokenizer.from_pretrained(args.model)
    kwargs = {"torch_dtype": getattr(torch, args.dtype)}
    if not args.no_attention:
        kwargs["attn_implementation"] = "eager"   # the only one that returns attention probabilities
    model = AutoModelForCausalLM.from_pretrained(args.model, **kwargs).to(args.device).eval()

    E, k = n_experts_of(cfg), int(cfg.num_experts_per_tok)
    info = router_info(cfg)
    layers = model.model.layers
    gates = {}
    for i, layer in enumerate(layers):
        for path in GATE_PATHS:
            g = get_attr_path(layer, path)
            w = getattr(g, "weight", None) if g is not None else None
            if w is not None and w.dim() == 2 and w.shape[0] == E:
                gates[i] = g
                break
    if not gates:
        sys.exit(f"record_hf.py: {cfg.model_type}: no router found in the decoder layers")
    moe = sorted(gates)

    # z = x W^T (+ b) in float32 from each gate's input
    captured = {}

    def hook(index):
        def pre(module, inputs):
            x = inputs[0].reshape(-1, inputs[0].shape[-1]).float()
            z = x @ module.weight.float().t()
            if getattr(module, "bias", None) is not None:
                z = z + module.bias.float()
            captured[index] = z.detach().cpu().double().numpy()
        return pre

    handles = [gates[i].register_forward_pre_hook(hook(i)) for i in moe]
    bias = None
    if info["activation"] == "sigmoid":
        rows = []
        for i in moe:
            b = getattr(gates[i], "e_score_correction_bias", None)
            rows.append(b.float().cpu().numpy() if b is not None else np.zeros(E, dtype=np.float32))
        bias = np.stack(rows)
        info["selection_bias"] = b64(bias, "<f4")

    enc = tok(text, return_offsets_mapping=True)
    ids = enc["input_ids"]
    input_ids = torch.tensor([ids], device=args.device)
    with torch.no_grad():
        out = model(input_ids, output_attentions=not args.no_attention, use_cache=False)
    for h in handles:
        h.remove()

    T = len(ids)
    logits = out.logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    nll = [float(-logp[t, ids[t + 1]]) for t in range(T - 1)]

    layer_objs = []
    for m, i in enumerate(moe):
        z = captured[i]
        if z.shape != (T, E):
            sys.exit(f"record_hf.py: layer {i}: router output {z.shape}, expected ({T}, {E})")
        ks, experts, weights = [], [], []
        for t in range(T):
            e, w = native_choice(z[t], k, info, bias[m] if bias is not None else None)
            ks.append(len(e))
            experts += e
            weights += w
        dt = "<f2" if args.f16 else "<f4"
        lo = {"layer": i, "moe": m, "budget": E, "k": ks, "experts": experts,
              "weights": b64(np.array(weights), dt)}
        if args.top > 0:
            if info["activation"] == "sigmoid":
                s = 1.0 / (1.0 + np.exp(-z))
                p = s / s.sum(axis=1, keepdims=True)
            else:
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
            top = np.argsort(-p, axis=1, kind="stable")[:, :args.top]
            lo["top_experts"] = [int(e) for e in top.reshape(-1)]
            lo["top_probs"] = b64(np.take_along_axis(p, top, axis=1).reshape(-1), dt)
        else:
            lo["router"] = b64(z.reshape(-1), dt)
        if not args.no_attention:
            a = out.attentions[i][0].float()             # [heads, T(query), T(key)], causal
            recv = torch.tril(a).sum(dim=1).mean(dim=0)   # sum over queries i >= j, mean over heads
            lo["attention_received"] = b64(recv.cpu().numpy(), "<f4")
        layer_objs.append(lo)

    offsets = enc.get("offset_mapping")
    trace = {
        "format": "switchyard-trace", "version": 1, "source": "transformers",
        "model": {"name": str(args.model).rstrip("/").split("/")[-1], "model_type": cfg.model_type,
                  "n_layers": len(layers), "n_experts": E, "native_k": k,
                  "vocab_size": int(cfg.vocab_size), "moe_layers": moe},
        "router_info": info, "router": "native", "causal": True, "text": text,
        "tokens": {"ids": ids, "text": [tok.decode([i]) for i in ids]},
        "values": "top" if args.top > 0 else "logits", "dtype": "f16" if args.f16 else "f32",
        "top_n": args.top, "weights": True,
        "nll": b64(np.array(nll), "<f4") if T >= 2 else None,
        "metrics": {"perplexity": math.exp(sum(nll) / len(nll)) if nll else None},
        "layers": layer_objs,
    }
    if offsets is not None:
        # characters of Python strings are code points, as the format wants
        trace["tokens"]["offsets"] = [[int(s), int(e)] for s, e in offsets]
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(trace, f, ensure_ascii=False)
    print(f"{args.out}: {T} tokens, {len(moe)} MoE layers of {E} experts (top-{k})", file=sys.stderr)


if __name__ == "__main__":
    main()
