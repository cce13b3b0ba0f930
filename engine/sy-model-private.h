/* sy-model-private.h: the inside of SyModel, for the forward pass
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * llama2.c's trio: SyConfig (hyper-parameters, sy-arch.h), the weights
 * (views into the mapped safetensors, below) and the run state (in the
 * session).  Small vectors (norm weights, biases) are copied to float32;
 * matrices stay in their stored precision.
 */
#pragma once

#include "sy-arch.h"
#include "sy-kernels.h"
#include "sy-model.h"
#include "sy-weight-memory.h"
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef struct
{
  SyMat        gate;      /* (ffn, H) */
  SyMat        up;        /* (ffn, H) */
  SyMat        down;      /* (H, ffn) */
  const float *gate_bias; /* (ffn) or NULL (borrowed from the layer) */
  const float *up_bias;   /* (ffn) or NULL */
  const float *down_bias; /* (H) or NULL */
  SyFfnAct     act;
  float        alpha;     /* SY_FFN_CLAMPED_SWIGLU */
  float        limit;
} SyFfn;

typedef struct
{
  float   *attn_norm;         /* (H) */
  float   *ffn_norm;          /* (H) */
  SyMat    q;                 /* (n_heads * head_dim, H) */
  SyMat    k;                 /* (n_kv_heads * head_dim, H) */
  SyMat    v;                 /* (n_kv_heads * head_dim, H) */
  SyMat    o;                 /* (H, n_heads * head_dim) */
  float   *q_bias;            /* (n_heads * head_dim) or NULL */
  float   *k_bias;            /* (n_kv_heads * head_dim) or NULL */
  float   *v_bias;
  float   *q_norm;            /* (n_heads * head_dim) FULL, (head_dim) HEAD, or NULL */
  float   *k_norm;

  gboolean is_moe;
  int      moe;               /* MoE-layer index, -1 for dense layers */
  SyMat    router;            /* (E, H) */
  SyFfn   *experts;           /* (E) */
  SyFfn    shared;            /* shared expert (rows 0 without one) */
  float   *shared_gate;       /* (H) sigmoid gate of the shared expert, or NULL */
  SyFfn    mlp;               /* dense layers */
  int      window;            /* attention window, 0 = full */
  SyMat    group_gate;        /* (G, H) gmha gate over the head groups; rows 0 = none */

  float   *o_bias;            /* (H) or NULL */
  float   *sinks;             /* (n_heads) attention sink logits, or NULL */
  float   *router_bias;       /* (E) part of the router's linear layer, or NULL */
  float   *selection_bias;    /* (E) selection-only bias, or NULL */

  /* MLA (SY_ATTN_MLA) */
  SyMat    q_a;               /* (q_lora_rank, H); rows 0 without a q LoRA */
  float   *q_a_norm;          /* (q_lora_rank) */
  float   *q_a_bias;
  SyMat    q_b;               /* (n_heads * qk_head_dim, q_lora_rank); else q is q_proj */
  SyMat    kv_a;              /* (kv_lora_rank + rope dim, H) */
  float   *kv_a_norm;         /* (kv_lora_rank) */
  float   *kv_a_bias;
  SyMat    kv_b;              /* (n_heads * (qk_nope + v_head_dim), kv_lora_rank) */
} SyLayer;

struct _SyModel
{
  /* Owned */
  gint               ref_count;
  char              *path;
  char              *name;
  SyConfig           config;
  SyTensorStore     *store;
  SyLayer           *layers;         /* (n_layers) */
  GPtrArray         *owned;          /* what binding allocated for the layers and the
                                      * final norm: float32 norms and biases, expert
                                      * tables, re-laid-out expert matrices */
  int                n_by_dtype[SY_N_DTYPES];   /* tensors bound, per stored type */
  float             *final_norm;     /* (H) */
  gboolean          *layer_is_moe;   /* (n_layers) */
  int               *moe_layer;      /* (n_moe_layers) decoder-layer index */
  char             **unused;
  SyTokenizer       *tokenizer;
  SyWeightArena     *arena;          /* the weight files read into memory, or NULL: mapped */
  float             *inv_freq;       /* (head_dim / 2) rope frequencies */
  double            *inv_freq_f64;   /* (head_dim / 2) the same in float64 (rope_angles_f64), or NULL */
  float              rope_mscale;    /* yarn attention factor, 1 otherwise */
  float              attn_scale;     /* softmax scale of the attention scores */
  int                q_dim;          /* per position: query width */
  int                k_cache_dim;    /* per position: cached key width */
  int                v_cache_dim;    /* per position: cached value width */
  int                attn_out_dim;   /* per position: attention output (o_proj input) */
  const float      **selection_bias; /* (n_moe_layers) borrowed from the layers */

  /* Borrowed (from the arch table) */
  const SyArchSpec  *arch;

  SyMat              embed;          /* (V, H) */
  SyMat              lm_head;        /* (V, H), the embedding when tied */

  SyModelInfo        info;
  SyRouterModelInfo  router_info;
};

G_END_DECLS
