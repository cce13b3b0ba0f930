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
  int      cap;          /* positions allocated */
  float  **k_cache;      /* (n_layers) x (cap, n_kv_heads * head_dim), after rope */
  float  **v_cache;      /* (n_layers) x (cap, n_kv_heads * head_dim) */
  float   *logits;       /* (cap, V) */
  double  *lse;          /* (cap) log-sum-exp of each logits row */
  float  **hidden;       /* (n_layers + 1) x (cap, H), or NULL */
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

G_END_DECLS
