/* sy-trace.h: the record of every routing decision of one run
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trace is the contract between the engine and everything above it
 * (renderers, CLI, app, profiler): nothing above the engine reads engine
 * internals, only this.  See docs/cli.md ("Trace") and
 * docs/routing.md ("What the trace records").
 *
 * Layout: plain structs with flat arrays, cheap enough to record always.
 * For a layer, per-token arrays are indexed [t] and per-token-per-expert
 * arrays [t * n_experts + j].  Quantities a policy does not compute are NaN
 * (floats) or SY_DEPTH_NONE.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  SY_DEPTH_NONE = 0,
  SY_DEPTH_SHALLOW = 1,
  SY_DEPTH_DEEP = 2,
} SyDepth;

typedef enum
{
  SY_CELL_NAN_FALLBACK = 1 << 0,  /* NaN router logits: native routing was used */
  SY_CELL_SINK         = 1 << 1,  /* da: the token is an attention sink */
} SyCellFlags;

/* Operations timed by the engine (profiler, summary view). */
typedef enum
{
  SY_OP_ATTENTION,
  SY_OP_ROUTER,
  SY_OP_EXPERTS,
  SY_OP_LM_HEAD,
  SY_OP_OTHER,        /* embedding, norms, residuals */
  SY_N_OPS
} SyOp;

typedef struct
{
  int      layer;        /* decoder-layer index */
  int      moe;          /* MoE-layer index */
  int      budget;       /* K cap of this layer (n_experts without a schedule) */
  int     *k;            /* (n_tokens) number of routed experts chosen */
  int     *experts;      /* (n_tokens, n_experts) first k[t] valid, by descending weight */
  float   *weights;      /* (n_tokens, n_experts) first k[t] valid: mixing weights applied */
  float   *probs;        /* (n_tokens, n_experts) router probabilities pi (routing.md) */
  float   *logits;       /* (n_tokens, n_experts) raw router output z */
  float   *cum;          /* (n_tokens) sum of pi over the chosen experts */
  float   *importance;   /* (n_tokens) da: imp_j / max imp, else NaN */
  float   *complexity;   /* (n_tokens) adr: normalised entropy c_t, else NaN */
  float   *entropy;      /* (n_tokens) H(pi) in nats */
  int8_t  *depth;        /* (n_tokens) SyDepth */
  guint8  *flags;        /* (n_tokens) SyCellFlags */
  int     *group_mask;   /* (n_tokens) bit g set = expert group g allowed (group-limited routers), else 0 */
  double   time_s;       /* wall time of this decoder layer in the last run */
  double   op_time_s[SY_N_OPS]; /* the part of time_s spent in each operation */
  double   avg_k;        /* mean of k over tokens */
} SyTraceLayer;

typedef struct
{
  char          *model;          /* model name (model_type or folder name) */
  char          *router;         /* the router SPEC, canonical form */
  gboolean       causal;         /* FALSE for da, quantile */

  int            n_tokens;
  int            n_experts;
  int            native_k;
  int            n_layers;       /* decoder layers */
  int            n_moe_layers;

  int32_t       *ids;            /* (n_tokens) */
  char         **token_text;     /* (n_tokens) decoded piece of each token, UTF-8; entries may be NULL */
  int           *offsets;        /* (n_tokens, 2) code-point offsets into the text, or NULL */

  SyTraceLayer  *layers;         /* (n_moe_layers) */

  /* Metrics (routing.md "What the trace records") */
  float         *nll;            /* (n_tokens - 1) NLL of token t+1, natural log */
  double         perplexity;     /* exp (mean (nll)); NaN for n_tokens < 2 */
  double         avg_k;          /* mean K over MoE layers and tokens */
  double         activated_params; /* per token, averaged over tokens */
  double         flops;          /* per token, averaged over tokens */
  double         op_time_s[SY_N_OPS]; /* wall time per operation in the last run */
  double         total_time_s;
} SyTrace;

SyTrace *sy_trace_new            (int            n_tokens,
                                  int            n_experts,
                                  int            n_layers,
                                  int            n_moe_layers);
void     sy_trace_free           (SyTrace       *self);
SyTrace *sy_trace_copy           (const SyTrace *self);

/* Copies the entries of the first @n_tokens tokens (at least 1) in every
 * per-token array of @src, and its budget, into @dst (layers of traces of
 * @n_experts experts and at least @n_tokens tokens). */
void     sy_trace_layer_copy_tokens (SyTraceLayer       *dst,
                                     const SyTraceLayer *src,
                                     int                 n_tokens,
                                     int                 n_experts);

/* Recompute avg_k (per layer and overall) from the per-token k. */
void     sy_trace_update_avg_k   (SyTrace       *self);

/* The summary metrics that both trace formats write, by their JSON names
 * ("perplexity", "avg_k", "activated_params", "flops"), in that order;
 * @offset is that of the double in SyTrace. */
typedef struct
{
  const char *name;
  gsize       offset;
} SyTraceMetric;

extern const SyTraceMetric sy_trace_metrics[4];

static inline double
sy_trace_metric_value (const SyTrace       *self,
                       const SyTraceMetric *metric)
{
  return G_STRUCT_MEMBER (double, self, metric->offset);
}

/* "attention", "router", "experts", "lm_head", "other": the names of the
 * timed operations in the trace's JSON and the profile's files. */
const char *sy_trace_op_name     (SyOp           op);

static inline int
sy_trace_index (const SyTrace *self, int t, int j)
{
  return t * self->n_experts + j;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyTrace, sy_trace_free)

G_END_DECLS
