#!/usr/bin/python3
"""Tiny random-weight switchyard models + engine parity references.

    nice -n 10 /usr/bin/python3 tools/train/tiny_references.py tests/data

Writes tests/data/tiny-<name>/ for what the shipped models do not cover
(dasg with gmha and a random group gate, schedules on topp and da, gmha
with da): config.json,
model.safetensors (BF16), reference.json and reference.safetensors in the
conventions of tools/train/reference.py, with token ids instead of texts
(the models have no tokenizer).  The forward is the trainer's own
(model.py) on the BF16 weights upcast to F32, with one torch thread.

Random weights are scaled so that the router's probabilities vary
between tokens; a seed is kept only when every discrete routing decision
is at least MARGIN away from its threshold (reference.margins), so that
float32 rounding differences between implementations cannot flip one.
dasg's theta is set between two complexities near the median, so that
both shallow and deep tokens occur.
"""

import copy
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import SwitchyardLM  # noqa: E402
from reference import greedy_continuation, keep_tensors, margins, routing_entry  # noqa: E402
from train import hf_config, load_model, save_safetensors  # noqa: E402

MARGIN = 2e-3
V = 256

BASE = {
    "vocab_size": V, "hidden_size": 32, "num_hidden_layers": 3,
    "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 8,
    "max_position_embeddings": 1024, "rope_theta": 10000.0, "rms_norm_eps": 1e-05,
    "attention": "mha", "num_experts": 6, "num_experts_per_tok": 2,
    "schedule": None,
}

MODELS = {
    "tiny-topp-sched": {"intermediate_size": 24, "routing": "topp", "top_p": 0.6,
                        "weights": "raw",
                        "schedule": {"name": "pyramid", "klo": 1, "khi": 3}},
    "tiny-da-sched": {"intermediate_size": 24, "routing": "da", "weights": "renorm",
                      "da_k": 2, "da_kmin": 1, "da_kmax": 4, "da_map": "budget",
                      "attention": "gmha", "gmha_groups": 2, "gmha_windows": [5, 0],
                      "schedule": {"name": "custom", "custom": [3, 2, 4]}},
    "tiny-dasg": {"routing": "dasg", "weights": "renorm", "attention": "gmha",
                  "gmha_groups": 4, "gmha_windows": [2, 6, 0, 11],
                  "num_shallow_experts": 3, "shallow_intermediate_size": 12,
                  "deep_intermediate_size": 40, "kshallow": 2, "kdeep": 2,
                  "theta": 0.5, "gamma": 0.5, "urgency": 0.0,
                  "dasg_tau": 0.2, "dasg_deep_target": 0.5},
}

LENGTHS = [("a", 21), ("b", 34)]


def randomize(model, gen, router_std):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith("mlp.gate.weight"):
                p.copy_(router_std * torch.randn(p.shape, generator=gen))
            elif name.endswith("group_gate.weight"):
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif name.endswith("q_proj.weight") or name.endswith("k_proj.weight"):
                p.copy_(0.35 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
            p.copy_(p.to(torch.bfloat16).float())


def case_ids(gen, n):
    return [0] + torch.randint(1, V, (n - 1,), generator=gen).tolist()


@torch.no_grad()
def decisions(model, cfg, ids):
    logits, infos, _, hidden = model(torch.tensor([ids]), keep_hidden=True)
    return logits, infos, hidden


@torch.no_grad()
def build(name, over, out_root):
    cfg = copy.deepcopy(BASE)
    cfg.update(over)
    for seed in range(1, 200):
        gen = torch.Generator().manual_seed(seed)
        model = SwitchyardLM(cfg)
        # top-p needs flatter routers than the others for K to vary
        randomize(model, gen, 0.12 if cfg["routing"] == "topp" else 0.6)
        model.eval()
        cases = [(key, case_ids(gen, n)) for key, n in LENGTHS]
        if cfg["routing"] == "dasg":
            # theta inside the widest gap of the complexities near the median
            cs = []
            for _, ids in cases:
                _, infos, _ = decisions(model, cfg, ids)
                for inf in infos:
                    cs += inf["complexity"][0].tolist()
            cs.sort()
            mid = len(cs) // 2
            lo, hi = max(mid - len(cs) // 6, 1), min(mid + len(cs) // 6, len(cs) - 1)
            i = max(range(lo, hi), key=lambda j: cs[j] - cs[j - 1])
            theta = round((cs[i] + cs[i - 1]) / 2, 4)
            cfg["theta"] = theta
            for layer in model.model.layers:
                layer.mlp.cfg = cfg
        worst = math.inf
        for _, ids in cases:
            _, infos, _ = decisions(model, cfg, ids)
            for inf in infos:
                m = margins(cfg, inf)
                worst = min(worst, m if m is not None else math.inf)
        if worst >= MARGIN:
            break
    else:
        raise SystemExit(f"{name}: no seed with routing margins >= {MARGIN}")

    odir = os.path.join(out_root, name)
    os.makedirs(odir, exist_ok=True)
    hf = hf_config(cfg)
    with open(os.path.join(odir, "config.json"), "w") as f:
        json.dump(hf, f, indent=1)
    tensors = {n: p.detach().to(torch.bfloat16) for n, p in model.state_dict().items()}
    save_safetensors(os.path.join(odir, "model.safetensors"), tensors, {"format": "pt"})

    # the reference from the files, exactly as the engine will read them
    model, cfg = load_model(odir)
    L, E = cfg["num_hidden_layers"], cfg["num_experts"]
    out = {}
    ref_cases = []
    for key, ids in cases:
        logits, infos, hidden = decisions(model, cfg, ids)
        keep_tensors(out, key, L, logits, infos, hidden)
        layers = []
        for l in range(L):
            inf = infos[l]
            entry = routing_entry(cfg, inf, len(ids), E)
            entry["min_threshold_margin"] = margins(cfg, inf)
            if "complexity" in inf:
                entry["complexity"] = inf["complexity"][0].tolist()
                entry["depth"] = ["deep" if d else "shallow" for d in inf["deep"][0].tolist()]
            layers.append(entry)
        ref_cases.append({"key": key, "input_ids": ids,
                          "greedy_continuation": greedy_continuation(model, ids),
                          "router_layers": L, "hidden_layers": L + 1,
                          "routing": layers})
    save_safetensors(os.path.join(odir, "reference.safetensors"), out)
    with open(os.path.join(odir, "reference.json"), "w") as f:
        json.dump({"model": name, "model_dir": ".", "architecture": "switchyard",
                   "routing": cfg["routing"], "attention": cfg.get("attention", "mha"),
                   "seed": seed,
                   "weights_source": "model.safetensors (BF16) upcast to F32; forward in F32",
                   "cases": ref_cases}, f, indent=1)
    print(f"{name}: seed {seed}, min routing margin {worst:.2g}")


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: tiny_references.py OUT_ROOT (tests/data)")
    torch.set_num_threads(1)
    for name, over in MODELS.items():
        build(name, over, sys.argv[1])


if __name__ == "__main__":
    main()
