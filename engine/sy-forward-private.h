/* sy-forward-private.h: the forward pass over a range of positions
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-model-private.h"
#include "sy-router.h"
#include "sy-trace.h"

G_BEGIN_DECLS

/* What a run keeps between calls: the KV cache and the outputs of every
 * position computed so far. */
typedef struct
{
  int      n_layers;
  int      cap;          /* positions allocated */
  float  **k_cache;      /* (n_layers) x (cap, model->k_cache_dim), after rope */
  float  **v_cache;      /* (n_layers) x (cap, model->v_cache_dim) */
  float   *logits;       /* (cap, V) */
  double  *lse;          /* (cap) log-sum-exp of each logits row */
  float  **hidden;       /* (n_layers + 1) x (cap, H), or NULL */
  float   *recv_out;     /* borrowed: (n_moe_layers, n) attention received per
                          * MoE layer from the queries of the run, or NULL */
} SyRunState;

void     _sy_run_state_init    (SyRunState         *rs,
                                SyModel            *model);
void     _sy_run_state_clear   (SyRunState         *rs,
                                SyModel            *model);
void     _sy_run_state_reserve (SyRunState         *rs,
                                SyModel            *model,
                                int                 n,
                                gboolean            capture);

/* Computes positions [p, n) given the cache of [0, p): fills the caches,
 * logits, lse, hidden rows [p, n) and the trace rows [p, n) of every MoE
 * layer (rows [0, p) of @trace must already hold the previous run's). */
gboolean _sy_forward           (SyModel            *model,
                                SyRunState         *rs,
                                SyPool             *pool,
                                const SyRouterSpec *spec,
                                const int32_t      *ids,
                                int                 p,
                                int                 n,
                                gboolean            capture,
                                SyTrace            *trace,
                                SyProgressFunc      progress,
                                gpointer            user_data,
                                GError            **error);

/* Same, from decoder layer @l0 on: @x0 (n - p, H) is the input of layer
 * @l0 at positions [p, n) (the caller has filled the caches, hidden rows
 * and trace rows of layers < l0); @x0 NULL starts from the embedding. */
gboolean _sy_forward_from      (SyModel            *model,
                                SyRunState         *rs,
                                SyPool             *pool,
                                const SyRouterSpec *spec,
                                const int32_t      *ids,
                                int                 p,
                                int                 n,
                                int                 l0,
                                const float        *x0,
                                gboolean            capture,
                                SyTrace            *trace,
                                SyProgressFunc      progress,
                                gpointer            user_data,
                                GError            **error);

/* One attention computation over the cache (sy-forward-mla.c): queries
 * (T, q_stride) of n_heads heads of dk, keys / values cached per position
 * with strides, group = query heads per cached head; an optional sink
 * logit per head joins the softmax denominator; a window > 0 limits the
 * keys to the last `window` positions. */
typedef struct
{
  const float *q;
  int          q_stride;
  const float *k_cache;
  int          k_stride;
  const float *v_cache;
  int          v_stride;
  float       *out;        /* (T, out_stride), head h at h * dv */
  int          out_stride;
  int          n_heads;
  int          group;
  int          dk;
  int          dv;
  const float *sinks;      /* (n_heads) or NULL */
  float        scale;
  int          p;
  int          T;
  int          n;
  int          window;
  float       *scores;     /* scratch, set by _sy_attention_core */
  float       *recv;
} SyAttnCore;

/* Runs @job over its heads; fills @recv (n) with the attention each key
 * received (summed over queries, averaged over heads) when non-NULL. */
void     _sy_attention_core    (SyPool             *pool,
                                SyAttnCore         *job,
                                float              *recv);

/* DeepSeek latent attention of layer @l for positions [p, n): fills the
 * caches' rows and @att (T, attn_out_dim). */
void     _sy_attention_mla     (SyModel            *model,
                                SyPool             *pool,
                                SyRunState         *rs,
                                int                 l,
                                const float        *xn,
                                int                 p,
                                int                 n,
                                float              *att,
                                float              *recv);

/* Gathers each head's pairs (2i, 2i + 1) into halves (x0 x2 .. | x1 x3 ..),
 * so that the half-rotation rope rotates the pairs: for weights laid out
 * for pairwise rope (DeepSeek rope_interleave, llama.cpp's permuted q / k
 * rows).  Queries and keys end up permuted alike; their dot products do
 * not change. */
void     _sy_rope_deinterleave (float              *x,
                                int                 n_heads,
                                int                 head_dim);

/* out = the FFN's gated activation of (gate, up), @n elements; @out may
 * alias @gate (sy-forward-act.c). */
void     _sy_ffn_act           (const SyFfn        *f,
                                float              *out,
                                const float        *gate,
                                const float        *up,
                                int                 n);

G_END_DECLS
