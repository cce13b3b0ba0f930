#!/usr/bin/python3
"""Export engine-parity references for a shipped switchyard model.

    /usr/bin/python3 tools/train/reference.py data/models/switchyard-topp \
        tests/data/switchyard-topp

Runs the trainer's own PyTorch forward (tools/train/model.py) in float32 on
the model's BF16 weights upcast to F32 (exactly what the engine loads) and
writes reference.json + reference.safetensors in the conventions of
tests/fixtures/README.md, plus the native routing decisions.
"""

import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from train import load_model, save_safetensors  # noqa: E402

TEXTS = [
    ("jury", "The jury said it did not find any evidence of fraud in the election."),
    ("street", "She opened the window and looked out at the quiet street below."),
    ("budget", "In 1961 the committee reported that the new plan would cost $4.5 million."),
    ("science", "Scientists measured the temperature of the water every hour, day and night."),
]


def margins(cfg, info):
    """Distance of every discrete routing decision of one layer from its
    threshold (small = fragile under float rounding differences)."""
    pi = info["pi"].double()
    kind = cfg["routing"]
    if kind == "topp":
        srt = torch.sort(pi, dim=-1, descending=True, stable=True).values
        cum = torch.cumsum(srt, dim=-1)
        return float((cum - cfg["top_p"]).abs().min())
    if kind == "da":
        imp = info["importance"][0].double()
        thr = imp.mean() + 4 * ((imp - imp.mean()) ** 2).mean().sqrt()
        sinks = imp > thr
        sinks[0] = True
        m_sink = float((imp[1:] - thr).abs().min()) if len(imp) > 1 else math.inf
        if (~sinks).sum() == 0 or cfg.get("da_map", "budget") != "budget":
            return m_sink
        v = cfg["da_k"] * int((~sinks).sum()) * imp / imp[~sinks].sum()
        m_round = float((v[~sinks] - torch.floor(v[~sinks]) - 0.5).abs().min())
        return min(m_sink, m_round)
    if kind == "dasg":
        return float((info["complexity"].double()
                      - cfg["gamma"] * cfg["urgency"] - cfg["theta"]).abs().min())
    return None


def keep_tensors(tensors, key, L, logits, infos, hidden):
    """A case's logits, the router logits of its L layers and its hidden
    states, as F32 tensors named KEY.logits, KEY.router_logits.L and
    KEY.hidden.I."""
    tensors[f"{key}.logits"] = logits[0].float()
    for l in range(L):
        tensors[f"{key}.router_logits.{l}"] = infos[l]["router_logits"][0].float()
    for i, h in enumerate(hidden):
        tensors[f"{key}.hidden.{i}"] = h[0].float()


def routing_entry(cfg, inf, n_tokens, E):
    """One layer's routing of a case: each token's K, its chosen experts by
    falling probability (ties: the lower id) and their weights (raw or
    renormalised over the chosen, as cfg["weights"] says)."""
    pi = inf["pi"]
    experts, weights = [], []
    for t in range(n_tokens):
        chosen = [e for e in range(E) if bool(inf["S"][0, t, e])]
        chosen.sort(key=lambda e: (-float(pi[t, e]), e))
        if cfg["weights"] == "raw":
            w = [float(pi[t, e]) for e in chosen]
        else:
            tot = sum(float(pi[t, e]) for e in chosen)
            w = [float(pi[t, e]) / tot for e in chosen]
        experts.append(chosen)
        weights.append(w)
    return {"k": inf["K"][0].tolist(), "experts": experts, "weights": weights}


def greedy_continuation(model, ids, n=8):
    """The n tokens greedy decoding appends to ids, each step a full forward
    of the extended text (for `da` this re-decides every token's K)."""
    cont = list(ids)
    for _ in range(n):
        lg, _, _, _ = model(torch.tensor([cont]))
        cont.append(int(lg[0, -1].argmax()))
    return cont[len(ids):]


@torch.no_grad()
def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: reference.py MODEL_DIR OUT_DIR")
    mdir, odir = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    model, cfg = load_model(mdir)
    tok = data.Tokenizer.load(os.path.join(mdir, "tokenizer.json"))
    L, E = cfg["num_hidden_layers"], cfg["num_experts"]
    tensors = {}
    cases = []
    for key, text in TEXTS:
        ids = tok.encode(text, add_bos=True)
        x = torch.tensor([ids])
        logits, infos, _, hidden = model(x, keep_hidden=True)
        keep_tensors(tensors, key, L, logits, infos, hidden)
        layers = []
        for l in range(L):
            inf = infos[l]
            entry = routing_entry(cfg, inf, len(ids), E)
            if "importance" in inf:
                entry["importance_raw"] = inf["importance"][0].tolist()
            if "complexity" in inf:
                entry["complexity"] = inf["complexity"][0].tolist()
                entry["depth"] = ["deep" if d else "shallow" for d in inf["deep"][0].tolist()]
            m = margins(cfg, inf)
            if m is not None:
                entry["min_threshold_margin"] = m
            layers.append(entry)
        cont = greedy_continuation(model, ids)
        cases.append({"key": key, "text": text, "input_ids": ids,
                      "tokens": [tok.id_to_token[i] for i in ids],
                      "greedy_continuation": cont,
                      "greedy_text": tok.decode(cont),
                      "router_layers": L, "hidden_layers": L + 1,
                      "routing": layers})
    os.makedirs(odir, exist_ok=True)
    save_safetensors(os.path.join(odir, "reference.safetensors"), tensors)
    with open(os.path.join(odir, "reference.json"), "w") as f:
        json.dump({"model": os.path.basename(os.path.normpath(mdir)),
                   "model_dir": os.path.normpath(mdir),
                   "architecture": "switchyard", "routing": cfg["routing"],
                   "attention": cfg.get("attention", "mha"),
                   "weights_source": "model.safetensors (BF16) upcast to F32; forward in F32",
                   "cases": cases}, f, indent=1)
    print(f"wrote {odir}: {len(cases)} cases, "
          f"{os.path.getsize(os.path.join(odir, 'reference.safetensors'))} bytes")


if __name__ == "__main__":
    main()
