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
#include "sy-tensor-store.h"

G_BEGIN_DECLS

typedef struct
{
  SyMat  gate;      /* (ffn, H) */
  SyMat  up;        /* (ffn, H) */
  SyMat  down;      /* (H, ffn) */
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
} SyLayer;

struct _SyModel
{
  /* Owned */
  char              *path;
  char              *name;
  SyConfig           config;
  SyTensorStore     *store;
  SyLayer           *layers;         /* (n_layers) */
  float             *final_norm;     /* (H) */
  gboolean          *layer_is_moe;   /* (n_layers) */
  int               *moe_layer;      /* (n_moe_layers) decoder-layer index */
  char             **unused;
  SyTokenizer       *tokenizer;
  float             *inv_freq;       /* (head_dim / 2) rope frequencies */
  float              rope_mscale;    /* yarn attention factor, 1 otherwise */

  /* Borrowed (from the arch table) */
  const SyArchSpec  *arch;

  SyMat              embed;          /* (V, H) */
  SyMat              lm_head;        /* (V, H), the embedding when tied */

  SyModelInfo        info;
  SyRouterModelInfo  router_info;
};

G_END_DECLS
