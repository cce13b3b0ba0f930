"""The `switchyard` decoder-only MoE model (PyTorch), as ARCHITECTURE.md defines it.

One module tree whose parameter names are the tensor names of
model.safetensors. `forward()` returns logits plus everything the trainer
and the engine parity reference need (router logits, chosen experts, K,
hidden states, the da importance, the dasg complexity / depth).
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------------------
# Config helpers


def schedule_cap(cfg, layer):
    """DynaMoE K_max(l) per routing.md, or None when no schedule is set."""
    sch = cfg.get("schedule")
    if not sch:
        return None
    E = cfg["num_experts"]
    L = cfg["num_hidden_layers"]
    name = sch["name"]
    klo = sch.get("klo", 1)
    khi = sch.get("khi", min(E, 2 * cfg["num_experts_per_tok"]))
    x = layer / (L - 1) if L > 1 else 0.0
    d = khi - klo

    def R(v):
        return int(min(max(math.floor(v + 0.5), 1), E))

    if name == "uniform":
        return R(khi)
    if name == "descending":
        return R(khi - d * x)
    if name == "ascending":
        return R(klo + d * x)
    if name == "pyramid":
        return R(klo + d * (1 - abs(2 * x - 1)))
    if name == "valley":
        return R(khi - d * (1 - abs(2 * x - 1)))
    if name == "wave":
        c = sch.get("cycles", 2)
        return R(klo + d * (0.5 - 0.5 * math.cos(2 * math.pi * c * x)))
    if name == "custom":
        return R(sch["custom"][layer])
    raise ValueError(f"unknown schedule {name!r}")


def expert_sizes(cfg):
    E = cfg["num_experts"]
    if cfg["routing"] == "dasg":
        es = cfg["num_shallow_experts"]
        return ([cfg["shallow_intermediate_size"]] * es
                + [cfg["deep_intermediate_size"]] * (E - es))
    return [cfg["intermediate_size"]] * E


# --------------------------------------------------------------------------
# Building blocks


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(T, dh, theta, device=None):
    inv = 1.0 / (theta ** (torch.arange(0, dh // 2, dtype=torch.float64) * 2.0 / dh))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]   # [T, dh/2]
    ang = torch.cat([ang, ang], dim=-1)                                   # [T, dh]
    return ang.cos().float().to(device), ang.sin().float().to(device)


def apply_rope(x, cos, sin):
    """neox / half-rotation: x = [x1 | x2] -> x*cos + [-x2 | x1]*sin."""
    h = x.shape[-1] // 2
    rot = torch.cat([-x[..., h:], x[..., :h]], dim=-1)
    return x * cos + rot * sin


class Attention(nn.Module):
    """MHA, or GMHA: heads in G groups, group g sees a causal sliding window
    of w_g keys (0 = unlimited), then a per-token softmax gate over groups
    scales each group's output by G * a_g before o_proj."""

    def __init__(self, cfg):
        super().__init__()
        d, H, dh = cfg["hidden_size"], cfg["num_attention_heads"], cfg["head_dim"]
        self.H, self.dh = H, dh
        self.q_proj = nn.Linear(d, H * dh, bias=False)
        self.k_proj = nn.Linear(d, H * dh, bias=False)
        self.v_proj = nn.Linear(d, H * dh, bias=False)
        self.o_proj = nn.Linear(H * dh, d, bias=False)
        self.gmha = cfg.get("attention", "mha") == "gmha"
        if self.gmha:
            self.G = cfg["gmha_groups"]
            self.windows = list(cfg["gmha_windows"])
            assert H % self.G == 0 and len(self.windows) == self.G
            self.group_gate = nn.Linear(d, self.G, bias=False)
            nn.init.zeros_(self.group_gate.weight)

    def mask(self, T, device):
        i = torch.arange(T, device=device)[:, None]
        j = torch.arange(T, device=device)[None, :]
        causal = j <= i
        if not self.gmha:
            return causal[None]                                   # [1, T, T]
        per_head = []
        for g in range(self.G):
            w = self.windows[g]
            m = causal & ((i - j) < w) if w > 0 else causal
            per_head += [m] * (self.H // self.G)
        return torch.stack(per_head)                              # [H, T, T]

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        H, dh = self.H, self.dh
        q = self.q_proj(x).view(B, T, H, dh).transpose(1, 2)     # [B, H, T, dh]
        k = self.k_proj(x).view(B, T, H, dh).transpose(1, 2)
        v = self.v_proj(x).view(B, T, H, dh).transpose(1, 2)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(dh)            # [B, H, T, T]
        s = s.masked_fill(~self.mask(T, x.device)[None], float("-inf"))
        A = torch.softmax(s, dim=-1)
        o = A @ v                                                 # [B, H, T, dh]
        if self.gmha:
            a = torch.softmax(self.group_gate(x), dim=-1)        # [B, T, G]
            scale = (self.G * a).repeat_interleave(H // self.G, dim=-1)  # [B, T, H]
            o = o * scale.transpose(1, 2)[..., None]
        o = o.transpose(1, 2).reshape(B, T, H * dh)
        return self.o_proj(o), A


class Expert(nn.Module):
    def __init__(self, d, f):
        super().__init__()
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def topk_mask(pi, K, allowed=None):
    """Boolean [N, E]: each row's K[n] highest-ranked experts (ties: lower
    index first), only among `allowed` experts when given."""
    N, E = pi.shape
    key = pi if allowed is None else pi.masked_fill(~allowed, -1.0)
    order = torch.sort(key, dim=-1, descending=True, stable=True).indices
    rank_ok = torch.arange(E, device=pi.device)[None, :] < K[:, None]
    S = torch.zeros(N, E, dtype=torch.bool, device=pi.device)
    S.scatter_(1, order, rank_ok)
    return S


def run_experts(x, S, w, experts):
    """y_n = sum_{e in S_n} w[n, e] * expert_e(x_n), computed sparsely."""
    y = torch.zeros_like(x)
    for e, ex in enumerate(experts):
        idx = S[:, e].nonzero(as_tuple=True)[0]
        if idx.numel() == 0:
            continue
        y = y.index_add(0, idx, ex(x[idx]) * w[idx, e:e + 1])
    return y


def da_importance(A):
    """routing.md `da`: A [H, n, n] causal attention of one text ->
    (imp [n], sinks [n] bool)."""
    H, n, _ = A.shape
    recv = A.sum(dim=1).sum(dim=0) / H                           # [n]
    imp = recv / torch.arange(n, 0, -1, dtype=A.dtype, device=A.device)
    mean = imp.mean()
    std = ((imp - mean) ** 2).mean().sqrt()
    sinks = imp > mean + 4 * std
    sinks[0] = True
    return imp, sinks


def da_budget_K(imp, sinks, k, kmin, kmax, mode="budget"):
    n_eff = int((~sinks).sum())
    if mode == "budget":
        if n_eff == 0:
            K = torch.full_like(imp, float(kmin))
        else:
            norm = imp / imp[~sinks].sum()
            K = torch.floor(k * n_eff * norm + 0.5)
    else:
        lo, hi = imp.min(), imp.max()
        r = (imp - lo) / (hi - lo) if hi > lo else torch.zeros_like(imp)
        K = torch.floor(kmin + (kmax - kmin) * r + 0.5)
    K = K.clamp(kmin, kmax).long()
    K[sinks] = kmin
    return K


class MoE(nn.Module):
    def __init__(self, cfg, layer):
        super().__init__()
        d, E = cfg["hidden_size"], cfg["num_experts"]
        self.cfg, self.E, self.layer = cfg, E, layer
        self.kind = cfg["routing"]
        self.gate = nn.Linear(d, E, bias=False)
        self.experts = nn.ModuleList(Expert(d, f) for f in expert_sizes(cfg))
        self.cap = schedule_cap(cfg, layer)

    def forward(self, x, A):
        """x [B, T, d] (normed), A [B, H, T, T] attention of this layer."""
        cfg = self.cfg
        B, T, d = x.shape
        E = self.E
        xf = x.reshape(B * T, d)
        z = self.gate(xf)                                         # [N, E]
        pi = torch.softmax(z.float(), dim=-1)
        N = pi.shape[0]
        cap = self.cap if self.cap is not None else E
        info = {"router_logits": z.view(B, T, E), "pi": pi}
        aux = {}
        if self.kind == "topp":
            p = cfg["top_p"]
            srt, order = torch.sort(pi.detach(), dim=-1, descending=True, stable=True)
            excl = torch.cat([torch.zeros_like(srt[:, :1]),
                              torch.cumsum(srt, dim=-1)[:, :-1]], dim=-1)
            K = (excl <= p).sum(-1).clamp(1, E) if p > 0 else torch.ones(N, dtype=torch.long)
            K = K.clamp(max=cap)
            S = topk_mask(pi.detach(), K)
            w = pi * S                                            # raw weights
            y = run_experts(xf, S, w, self.experts)
            ent = -(pi * torch.log(pi.clamp_min(1e-30))).sum(-1)
            aux["balance"] = E * ((S.float().mean(0)) * pi.mean(0)).sum()
            aux["entropy"] = ent.mean()
        elif self.kind == "da":
            Ks = []
            imps = []
            for b in range(B):
                imp, sinks = da_importance(A[b].detach().float())
                Ks.append(da_budget_K(imp, sinks, cfg["da_k"], cfg["da_kmin"],
                                      min(cfg["da_kmax"], cap), cfg.get("da_map", "budget")))
                imps.append(imp)
            K = torch.cat(Ks)
            S = topk_mask(pi.detach(), K)
            w = pi * S
            w = w / w.sum(-1, keepdim=True)                       # renorm
            y = run_experts(xf, S, w, self.experts)
            aux["balance"] = E * ((S.float().mean(0)) * pi.mean(0)).sum()
            info["importance"] = torch.stack(imps).view(B, T)
        elif self.kind == "dasg":
            es = cfg["num_shallow_experts"]
            shallow = torch.zeros(E, dtype=torch.bool)
            shallow[:es] = True
            ent = -(pi * torch.log(pi.clamp_min(1e-30))).sum(-1)
            c = ent / math.log(E)
            s = (c - cfg["gamma"] * cfg["urgency"]).clamp(0.0, 1.0)
            deep = s >= cfg["theta"]
            ks = torch.full((N,), min(cfg["kshallow"], cap, es), dtype=torch.long)
            kd = torch.full((N,), min(cfg["kdeep"], cap, E - es), dtype=torch.long)
            S_sh = topk_mask(pi.detach(), ks, shallow[None, :].expand(N, E))
            S_dp = topk_mask(pi.detach(), kd, (~shallow)[None, :].expand(N, E))
            if self.training:
                # straight-through global decision: forward = hard choice,
                # backward through d_soft = sigmoid((s - theta) / tau)
                w_sh = pi * S_sh
                w_sh = w_sh / w_sh.sum(-1, keepdim=True)
                w_dp = pi * S_dp
                w_dp = w_dp / w_dp.sum(-1, keepdim=True)
                y_sh = run_experts(xf, S_sh, w_sh, self.experts)
                y_dp = run_experts(xf, S_dp, w_dp, self.experts)
                d_soft = torch.sigmoid((s - cfg["theta"]) / cfg["dasg_tau"])
                dd = deep.float() + d_soft - d_soft.detach()
                y = dd[:, None] * y_dp + (1 - dd[:, None]) * y_sh
                aux["depth"] = (d_soft.mean() - cfg["dasg_deep_target"]) ** 2
                # Switch balance loss inside each group, over the tokens
                # that group received, pi renormalised within the group
                bal = 0.0
                for Sg, grp, sel in ((S_sh, shallow, ~deep), (S_dp, ~shallow, deep)):
                    if sel.any():
                        pg = pi[sel][:, grp]
                        pg = pg / pg.sum(-1, keepdim=True)
                        fg = Sg[sel][:, grp].float().mean(0) / Sg[sel].sum(-1).float().mean()
                        bal = bal + int(grp.sum()) * (fg * pg.mean(0)).sum()
                aux["balance"] = bal
                S = torch.where(deep[:, None], S_dp, S_sh)
            else:
                S = torch.where(deep[:, None], S_dp, S_sh)
                w = pi * S
                w = w / w.sum(-1, keepdim=True)
                y = run_experts(xf, S, w, self.experts)
            K = S.sum(-1)
            info["complexity"] = c.view(B, T)
            info["deep"] = deep.view(B, T)
        else:
            raise ValueError(f"unknown routing {self.kind!r}")
        info["S"] = S.view(B, T, E)
        info["K"] = K.view(B, T)
        return y.view(B, T, d), info, aux


class Layer(nn.Module):
    def __init__(self, cfg, layer):
        super().__init__()
        d, eps = cfg["hidden_size"], cfg["rms_norm_eps"]
        self.input_layernorm = RMSNorm(d, eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(d, eps)
        self.mlp = MoE(cfg, layer)

    def forward(self, h, cos, sin):
        a, A = self.self_attn(self.input_layernorm(h), cos, sin)
        h = h + a
        m, info, aux = self.mlp(self.post_attention_layernorm(h), A)
        return h + m, info, aux


class Backbone(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.layers = nn.ModuleList(Layer(cfg, l) for l in range(cfg["num_hidden_layers"]))
        self.norm = RMSNorm(cfg["hidden_size"], cfg["rms_norm_eps"])


class SwitchyardLM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.model = Backbone(cfg)
        self.lm_head = nn.Linear(cfg["hidden_size"], cfg["vocab_size"], bias=False)
        self.reset_parameters()

    def reset_parameters(self):
        L = self.cfg["num_hidden_layers"]
        for name, p in self.named_parameters():
            if name.endswith("norm.weight") or name.endswith("layernorm.weight"):
                nn.init.ones_(p)
            elif name.endswith("group_gate.weight"):
                nn.init.zeros_(p)
            elif name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * L))
            else:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, keep_hidden=False):
        B, T = ids.shape
        cfg = self.cfg
        cos, sin = rope_tables(T, cfg["head_dim"], cfg["rope_theta"], ids.device)
        h = self.model.embed_tokens(ids)
        hidden = [h] if keep_hidden else None
        infos, auxs = [], []
        for layer in self.model.layers:
            h, info, aux = layer(h, cos, sin)
            infos.append(info)
            auxs.append(aux)
            if keep_hidden:
                hidden.append(h)
        h = self.model.norm(h)
        if keep_hidden:
            hidden[-1] = h  # hidden.L is after the final norm (fixtures convention)
        return self.lm_head(h), infos, auxs, hidden
