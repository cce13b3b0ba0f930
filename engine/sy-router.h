/* sy-router.h: routing policies (docs/routing.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One interface between the MoE layer of the forward pass and the policies:
 * the forward pass writes the router's raw output z into the trace layer
 * (SyTraceLayer.logits), calls sy_router_route(), and then runs the experts
 * the policy chose (SyTraceLayer.k / .experts / .weights), grouped by
 * expert.  The policy fills every other per-token field of the trace layer.
 */
#pragma once

#include <glib.h>

#include "sy-trace.h"

G_BEGIN_DECLS

typedef enum
{
  SY_POLICY_NATIVE,
  SY_POLICY_TOPK,
  SY_POLICY_TOPP,
  SY_POLICY_MINP,
  SY_POLICY_DA,
  SY_POLICY_QUANTILE,
  SY_POLICY_ADR,
  SY_POLICY_SER,
} SyPolicy;

typedef enum
{
  SY_SCHEDULE_NONE,
  SY_SCHEDULE_UNIFORM,
  SY_SCHEDULE_DESCENDING,
  SY_SCHEDULE_ASCENDING,
  SY_SCHEDULE_PYRAMID,
  SY_SCHEDULE_VALLEY,
  SY_SCHEDULE_WAVE,
  SY_SCHEDULE_CUSTOM,
} SySchedule;

typedef enum
{
  SY_WEIGHTS_NATIVE,
  SY_WEIGHTS_RAW,
  SY_WEIGHTS_RENORM,
} SyWeightRule;

typedef enum
{
  SY_DA_MAP_BUDGET,
  SY_DA_MAP_LINEAR,
} SyDaMap;

typedef enum
{
  SY_ADR_SHALLOW_TOP,
  SY_ADR_SHALLOW_SHARED,
} SyAdrShallow;

/* A parsed router SPEC (cli.md "Router SPEC").  Integer options left at 0
 * and float options left at NaN mean "the default of routing.md", which
 * depends on the model (native k, E) and is resolved by the policy. */
typedef struct
{
  SyPolicy      policy;
  SyWeightRule  weights;

  int           k;          /* topk, da */
  double        p;          /* topp */
  double        t;          /* minp, ser */
  double        q;          /* quantile */
  int           kmin;       /* topp, minp, da, ser */
  int           kmax;
  SyDaMap       map;        /* da */
  double        theta;      /* adr */
  double        gamma;      /* adr */
  double        u;          /* adr */
  int           kdeep;      /* adr */
  int           kshallow;   /* adr */
  SyAdrShallow  shallow;    /* adr */

  SySchedule    schedule;
  int           klo;
  int           khi;
  double        cycles;
  int          *custom;     /* (n_custom) per-layer caps, schedule=custom */
  int           n_custom;
} SyRouterSpec;

/* How the model's router works, as the architecture defines it. */
typedef enum
{
  SY_ROUTER_SOFTMAX,        /* pi = softmax (z) */
  SY_ROUTER_SIGMOID,        /* s = sigmoid (z), ranked by s + bias, pi = s / sum s */
} SyRouterActivation;

typedef enum
{
  SY_NATIVE_WEIGHTS_RENORM,   /* pi_e / sum_S pi (Mixtral, norm_topk_prob, gpt-oss, Granite) */
  SY_NATIVE_WEIGHTS_RAW,      /* pi_e (OLMoE, Qwen2-MoE without norm_topk_prob) */
  SY_NATIVE_WEIGHTS_SIGMOID,  /* DeepSeek-V3: s_e [/ sum_S s] * routed_scaling_factor */
} SyNativeWeights;

typedef struct
{
  int                 n_experts;      /* routed experts E */
  int                 native_k;       /* num_experts_per_tok */
  int                 n_moe_layers;
  SyRouterActivation  activation;
  SyNativeWeights     native_weights;
  gboolean            norm_topk_prob; /* SY_NATIVE_WEIGHTS_SIGMOID only */
  float               routed_scaling_factor; /* SY_NATIVE_WEIGHTS_SIGMOID only */
  int                 n_group;        /* group-limited top-k (DeepSeek-V3); 0 or 1 = none */
  int                 topk_group;
  gboolean            has_shared_experts;
  int                 n_shallow_experts; /* dual-scale experts (DASG-MoE demo models):
                                          * experts [0, n) are shallow, [n, E) deep, and
                                          * adr picks inside the group it decides; 0 = none */
  const SyRouterSpec *native;         /* a model trained with a dynamic policy: its own
                                       * policy and parameters; NULL for top-k models */
  const float * const *selection_bias; /* (n_moe_layers) per MoE layer, E floats of the
                                        * selection-only bias (DeepSeek-V3
                                        * e_score_correction_bias), or NULL (entries too) */
} SyRouterModelInfo;

SyRouterSpec *sy_router_spec_parse     (const char               *spec,
                                        GError                  **error);
SyRouterSpec *sy_router_spec_copy      (const SyRouterSpec       *spec);
void          sy_router_spec_free      (SyRouterSpec             *spec);
/* Canonical text form, parseable by sy_router_spec_parse(). */
char         *sy_router_spec_to_string (const SyRouterSpec       *spec);
/* FALSE for policies whose decisions depend on later tokens (da, quantile). */
gboolean      sy_router_spec_is_causal (const SyRouterSpec       *spec);
/* The model's own routing as a new spec: a copy of @info->native where the
 * model was trained with a dynamic policy of its own, else plain `native`. */
SyRouterSpec *sy_router_spec_new_native (const SyRouterModelInfo  *info);
/* What @spec runs on this model: the model's own policy (@info->native)
 * where @spec is `native` and the model has one, else @spec itself.  The
 * one place that decides what `native` means. */
const SyRouterSpec *
              sy_router_spec_resolve   (const SyRouterSpec       *spec,
                                        const SyRouterModelInfo  *info);
/* Checks the spec against a model: k in 1..E, custom list length = L, ... */
gboolean      sy_router_spec_check     (const SyRouterSpec       *spec,
                                        const SyRouterModelInfo  *info,
                                        GError                  **error);

/* K_max of MoE layer @moe under the spec's schedule (E without one). */
int           sy_router_layer_budget   (const SyRouterSpec       *spec,
                                        const SyRouterModelInfo  *info,
                                        int                       moe);

/* Route tokens [t_begin, n_tokens) of MoE layer @moe.
 *
 * @out->logits rows 0..n_tokens-1 hold the router's raw output.  For a
 * non-causal policy t_begin must be 0.  @attn_recv (n_tokens) is, for the
 * da policy, recv_j of routing.md (the attention token j receives, summed
 * over the queries that see it and averaged over heads) of this layer's
 * attention; it may be NULL for every other policy.
 *
 * Fills out->k, experts, weights, probs, cum, importance, complexity,
 * entropy, depth, flags, group_mask for the routed rows, and out->budget. */
gboolean      sy_router_route          (const SyRouterSpec       *spec,
                                        const SyRouterModelInfo  *info,
                                        int                       moe,
                                        int                       n_tokens,
                                        int                       t_begin,
                                        const float              *attn_recv,
                                        SyTraceLayer             *out,
                                        GError                  **error);

/* recv_j of routing.md "da" from a full attention matrix: @attn holds
 * (n_heads, n_tokens, n_tokens) softmax probabilities A^h[i,j] (query i,
 * key j; entries j > i are ignored), @recv (n_tokens) receives
 * (1/H) sum_h sum_{i=j..n-1} A^h[i,j]. */
void          sy_router_attn_recv      (const float              *attn,
                                        int                       n_heads,
                                        int                       n_tokens,
                                        float                    *recv);

/* Names as they appear in SPEC strings ("topp", "descending"). */
const char   *sy_router_policy_name    (SyPolicy                  policy);
const char   *sy_router_schedule_name  (SySchedule                schedule);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyRouterSpec, sy_router_spec_free)

G_END_DECLS
