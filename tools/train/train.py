#!/usr/bin/python3
"""Train a `switchyard` MoE model on the Brown corpus and write its HF folder.

    /usr/bin/python3 tools/train/train.py --config tools/train/configs/topp.json \
        --out data/models/switchyard-topp

Seeded and single-threaded (torch.set_num_threads(1)), so a run is
reproducible on the same machine. Writes config.json, model.safetensors
(BF16), tokenizer.json, tokenizer_config.json, generation_config.json and
training.json (the log and the measurements the model card quotes).
"""

import argparse
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from model import SwitchyardLM  # noqa: E402

# --------------------------------------------------------------------------
# safetensors (own reader / writer)

_DT = {torch.float32: "F32", torch.bfloat16: "BF16", torch.int64: "I64",
       torch.int32: "I32", torch.uint8: "U8"}
_DT_INV = {v: k for k, v in _DT.items()}


def save_safetensors(path, tensors, metadata=None):
    header = {}
    blobs = []
    off = 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype == torch.bfloat16:
            raw = t.view(torch.int16).numpy().tobytes()
        elif t.dtype == torch.bool:
            t = t.to(torch.uint8)
            raw = t.numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": _DT[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        buf = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        raw = buf[a:b]
        dt = _DT_INV[h["dtype"]]
        if dt == torch.bfloat16:
            t = torch.from_numpy(np.frombuffer(raw, dtype=np.int16).copy()).view(torch.bfloat16)
        else:
            npdt = {torch.float32: np.float32, torch.int64: np.int64,
                    torch.int32: np.int32, torch.uint8: np.uint8}[dt]
            t = torch.from_numpy(np.frombuffer(raw, dtype=npdt).copy())
        out[name] = t.reshape(h["shape"])
    del base
    return out


def load_model(folder):
    """A shipped model: BF16 weights upcast to F32."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    m = SwitchyardLM(cfg)
    sd = {k: v.float() for k, v in load_safetensors(os.path.join(folder, "model.safetensors")).items()}
    m.load_state_dict(sd)
    m.eval()
    return m, cfg


# --------------------------------------------------------------------------
# Data


def train_windows(streams, T):
    """All (file, sentence start) pairs with T tokens left in the file."""
    out = []
    for fi, (ids, starts) in enumerate(streams):
        out += [(fi, s) for s in starts if s + T <= len(ids)]
    return out


def make_batch(streams, wins, idx, T, eot):
    x = torch.empty(len(idx), T, dtype=torch.long)
    y = torch.empty(len(idx), T, dtype=torch.long)
    for r, k in enumerate(idx):
        fi, s = wins[k]
        ids = streams[fi][0]
        x[r, 0] = eot
        x[r, 1:] = torch.tensor(ids[s:s + T - 1])
        y[r] = torch.tensor(ids[s:s + T])
    return x, y


def eval_windows(streams, T):
    """Windows [EOT] + ids[s : s+T-1] starting at sentence starts, each test
    token predicted exactly once (windows overlap by the sentence in which
    the previous one ended, those targets are not counted twice)."""
    wins = []  # (fi, s, first counted offset in the window, n targets)
    for fi, (ids, starts) in enumerate(streams):
        covered, s = 0, 0
        while covered < len(ids):
            n = min(T, len(ids) - s)
            wins.append((fi, s, covered - s, n))
            covered = s + n
            # restart at the last sentence start inside the window's second
            # half (context for the next targets), else right at `covered`
            nxt = [st for st in starts if max(s, covered - T // 2) < st < covered]
            s = nxt[-1] if nxt else covered
    return wins


@torch.no_grad()
def evaluate(model, streams, T, eot, freq_rank=None, max_windows=None, batch=16):
    """Test NLL per token, avg K per layer, K by token-frequency bucket."""
    model.eval()
    wins = eval_windows(streams, T)
    if max_windows:
        wins = wins[:max_windows]
    L = model.cfg["num_hidden_layers"]
    nll, ntok = 0.0, 0
    ksum = torch.zeros(L, dtype=torch.float64)
    kcnt = 0
    buckets = [(0, 100), (100, 500), (500, 1500), (1500, 10 ** 9)]
    bsum = torch.zeros(len(buckets), L, dtype=torch.float64)
    bcnt = torch.zeros(len(buckets), dtype=torch.float64)
    deep = torch.zeros(L, dtype=torch.float64)
    bdeep = torch.zeros(len(buckets), L, dtype=torch.float64)
    by_len = {}
    for w in wins:
        by_len.setdefault(w[3], []).append(w)
    for n, group in sorted(by_len.items()):
        for b0 in range(0, len(group), batch):
            chunk = group[b0:b0 + batch]
            x = torch.empty(len(chunk), n, dtype=torch.long)
            y = torch.empty(len(chunk), n, dtype=torch.long)
            cnt_from = torch.empty(len(chunk), dtype=torch.long)
            for r, (fi, s, c0, _n) in enumerate(chunk):
                ids = streams[fi][0]
                x[r, 0] = eot
                x[r, 1:] = torch.tensor(ids[s:s + n - 1])
                y[r] = torch.tensor(ids[s:s + n])
                cnt_from[r] = c0
            logits, infos, _, _ = model(x)
            lp = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                 reduction="none").view(len(chunk), n)
            counted = torch.arange(n)[None, :] >= cnt_from[:, None]
            nll += float(lp[counted].sum())
            ntok += int(counted.sum())
            # routing stats over input tokens at counted positions, BOS excluded
            pos_ok = counted.clone()
            pos_ok[:, 0] = False
            Ks = torch.stack([inf["K"] for inf in infos], dim=-1).double()   # [B, n, L]
            ksum += Ks[pos_ok].sum(0)
            kcnt += int(pos_ok.sum())
            if "deep" in infos[0]:
                Ds = torch.stack([inf["deep"] for inf in infos], dim=-1).double()
                deep += Ds[pos_ok].sum(0)
            if freq_rank is not None:
                ranks = freq_rank[x]
                for bi, (lo, hi) in enumerate(buckets):
                    m = pos_ok & (ranks >= lo) & (ranks < hi)
                    bsum[bi] += Ks[m].sum(0)
                    bcnt[bi] += int(m.sum())
                    if "deep" in infos[0]:
                        bdeep[bi] += Ds[m].sum(0)
    res = {"nll": nll / ntok, "ppl": math.exp(nll / ntok), "tokens": ntok,
           "avg_k_per_layer": (ksum / kcnt).tolist(),
           "avg_k": float(ksum.sum() / kcnt / L)}
    if "deep" in infos[0]:
        res["deep_fraction_per_layer"] = (deep / kcnt).tolist()
    if freq_rank is not None:
        res["k_by_frequency"] = [
            {"rank_range": [lo, hi if hi < 10 ** 9 else None], "tokens": int(bcnt[bi]),
             "avg_k_per_layer": (bsum[bi] / max(bcnt[bi], 1)).tolist(),
             "avg_k": float(bsum[bi].sum() / max(bcnt[bi], 1) / L),
             **({"deep_fraction_per_layer": (bdeep[bi] / max(bcnt[bi], 1)).tolist()}
                if "deep" in infos[0] else {})}
            for bi, (lo, hi) in enumerate(buckets)]
    model.train()
    return res


def unigram_baseline(train_streams, test_streams, V):
    """Add-one unigram over training tokens, evaluated on the same test
    targets as the model (every test token)."""
    counts = np.ones(V, dtype=np.float64)
    for ids, _ in train_streams:
        np.add.at(counts, np.array(ids), 1)
    logp = np.log(counts / counts.sum())
    nll = 0.0
    n = 0
    for ids, _ in test_streams:
        nll -= float(logp[np.array(ids)].sum())
        n += len(ids)
    return {"ppl": math.exp(nll / n), "tokens": n}, counts


# --------------------------------------------------------------------------


def hf_config(cfg):
    out = {"architectures": ["SwitchyardForCausalLM"], "model_type": "switchyard"}
    out.update(cfg)
    out.update({"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": None,
                "tie_word_embeddings": False, "torch_dtype": "bfloat16",
                "hidden_act": "silu", "attention_bias": False})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", default=data.DEFAULT_CORPUS)
    ap.add_argument("--steps", type=int, help="override train.steps")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    with open(args.config) as f:
        conf = json.load(f)
    tc = conf["train"]
    if args.steps:
        tc["steps"] = args.steps
    seed = tc["seed"]
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    t_start = time.time()
    log_lines = []

    def log(msg):
        line = f"[{time.time() - t_start:7.1f}s] {msg}"
        print(line, flush=True)
        log_lines.append(line)

    split = data.load_brown(args.corpus)
    log(f"corpus: {len(split['train'])} train files, {len(split['test'])} test files")
    texts = [" ".join(s) for _, s in split["train"]]
    merges = data.train_bpe(texts, tc["vocab_size"], log=log)
    tok = data.Tokenizer(merges)
    train_streams = data.encode_split(tok, split["train"])
    test_streams = data.encode_split(tok, split["test"])
    n_train = sum(len(i) for i, _ in train_streams)
    n_test = sum(len(i) for i, _ in test_streams)
    log(f"tokenizer: vocab {len(tok)}; train {n_train} tokens, test {n_test} tokens")

    cfg = dict(conf["model"])
    cfg["vocab_size"] = len(tok)
    V = cfg["vocab_size"]
    uni, counts = unigram_baseline(train_streams, test_streams, V)
    log(f"unigram baseline test ppl {uni['ppl']:.2f}")
    order = np.argsort(-counts, kind="stable")
    freq_rank = torch.empty(V, dtype=torch.long)
    freq_rank[torch.from_numpy(order.copy())] = torch.arange(V)

    model = SwitchyardLM(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params} parameters, routing {cfg['routing']}, attention {cfg.get('attention', 'mha')}")

    T, B, steps = tc["seq_len"], tc["batch"], tc["steps"]
    wins = train_windows(train_streams, T)
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if p.dim() < 2 else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": tc["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=tc["lr"], betas=(0.9, 0.95))
    warm = tc["warmup"]

    def lr_at(s):
        if s < warm:
            return tc["lr"] * (s + 1) / warm
        r = (s - warm) / max(1, steps - warm)
        return tc["lr"] * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * r)))

    gen = torch.Generator().manual_seed(seed)
    history = []
    t_train = time.time()
    ema = None
    kacc = torch.zeros(cfg["num_hidden_layers"])
    kn = 0
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        idx = torch.randint(len(wins), (B,), generator=gen).tolist()
        x, y = make_batch(train_streams, wins, idx, T, tok.eot_id)
        logits, infos, auxs, _ = model(x)
        lm = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        loss = lm
        nl = len(auxs)
        parts = {}
        for key, coef in (("balance", tc.get("alpha", 0.0)), ("entropy", tc.get("beta", 0.0)),
                          ("depth", tc.get("depth_coef", 0.0))):
            if coef and key in auxs[0]:
                v = sum(a[key] for a in auxs) / nl
                loss = loss + coef * v
                parts[key] = float(v)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), tc["clip"])
        opt.step()
        ema = float(lm) if ema is None else 0.98 * ema + 0.02 * float(lm)
        kacc += torch.stack([inf["K"].float().mean() for inf in infos])
        kn += 1
        if (step + 1) % tc["log_every"] == 0 or step == 0:
            el = time.time() - t_train
            ks = (kacc / kn).tolist()
            extra = " ".join(f"{k} {v:.3f}" for k, v in parts.items())
            if "deep" in infos[0]:
                extra += " deep " + "/".join(f"{float(i['deep'].float().mean()):.2f}" for i in infos)
            log(f"step {step + 1}/{steps} lm {float(lm):.3f} (ema {ema:.3f}) {extra} "
                f"K/layer {'/'.join(f'{k:.2f}' for k in ks)} lr {lr_at(step):.2e} {el:.0f}s")
            history.append({"step": step + 1, "lm_loss": float(lm), "lm_loss_ema": ema,
                            "avg_k_per_layer": ks, "seconds": el, **parts})
            kacc.zero_()
            kn = 0
        if tc.get("eval_every") and (step + 1) % tc["eval_every"] == 0 and step + 1 < steps:
            r = evaluate(model, test_streams, T, tok.eot_id, max_windows=96)
            log(f"  quick test ppl (96 windows) {r['ppl']:.2f}, K/layer "
                + "/".join(f"{k:.2f}" for k in r["avg_k_per_layer"]))
    train_seconds = time.time() - t_train
    log(f"training done in {train_seconds:.0f}s")

    # Ship BF16: evaluate the rounded weights, exactly what the engine loads.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    res = evaluate(model, test_streams, T, tok.eot_id, freq_rank=freq_rank)
    log(f"test ppl (BF16 weights, native routing) {res['ppl']:.2f} vs unigram {uni['ppl']:.2f}; "
        f"avg K/layer {'/'.join(f'{k:.3f}' for k in res['avg_k_per_layer'])}")
    for b in res["k_by_frequency"]:
        log(f"  tokens of frequency rank {b['rank_range']}: n={b['tokens']} avg K {b['avg_k']:.3f} "
            + "/".join(f"{k:.2f}" for k in b["avg_k_per_layer"])
            + ("  deep " + "/".join(f"{k:.2f}" for k in b["deep_fraction_per_layer"])
               if "deep_fraction_per_layer" in b else ""))

    os.makedirs(args.out, exist_ok=True)
    hf = hf_config(cfg)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(hf, f, indent=2)
    with open(os.path.join(args.out, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": 0, "eos_token_id": 0, "do_sample": False}, f, indent=2)
    tok.save(args.out)
    tensors = {n: p.detach().to(torch.bfloat16) for n, p in model.state_dict().items()}
    save_safetensors(os.path.join(args.out, "model.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump({"command": " ".join(["/usr/bin/python3"] + sys.argv),
                   "train_config": conf, "parameters": n_params,
                   "train_tokens": n_train, "test_tokens": n_test,
                   "train_seconds": train_seconds, "torch": torch.__version__,
                   "threads": args.threads, "unigram": uni, "test": res,
                   "history": history, "log": log_lines}, f, indent=1)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
