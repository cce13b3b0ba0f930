#!/usr/bin/python3
"""Test-split perplexity and average K of a shipped model, optionally with
config overrides (e.g. a causal variant of `da`):

    /usr/bin/python3 tools/train/evaluate.py data/models/switchyard-da \
        --set da_map=linear --set da_kmin=2 --set da_kmax=2
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import SwitchyardLM, schedule_cap  # noqa: E402
from train import evaluate, load_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    ap.add_argument("--corpus", default=data.DEFAULT_CORPUS)
    ap.add_argument("--seq-len", type=int, default=128)
    a = ap.parse_args()
    torch.set_num_threads(1)
    model, cfg = load_model(a.folder)
    if a.set:
        for kv in a.set:
            k, v = kv.split("=", 1)
            cfg[k] = json.loads(v)
        sd = model.state_dict()
        model = SwitchyardLM(cfg)
        model.load_state_dict(sd)
        model.eval()
        for layer in model.model.layers:
            layer.mlp.cap = schedule_cap(cfg, layer.mlp.layer)
    tok = data.Tokenizer.load(os.path.join(a.folder, "tokenizer.json"))
    split = data.load_brown(a.corpus)
    test = data.encode_split(tok, split["test"])
    r = evaluate(model, test, a.seq_len, tok.eot_id)
    print(json.dumps({"overrides": a.set, "ppl": r["ppl"], "tokens": r["tokens"],
                      "avg_k_per_layer": r["avg_k_per_layer"], "avg_k": r["avg_k"]}))


if __name__ == "__main__":
    main()
