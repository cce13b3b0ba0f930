/* sy-router.c: the routing policies of docs/routing.md
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every policy works in three steps per token t of MoE layer l:
 *
 *   1. probabilities: pi = softmax (z) (softmax routers) or s = sigmoid (z),
 *      pi = s / sum s (sigmoid routers), in float32, and the entropy H (pi);
 *   2. ranking: experts sorted by descending score (pi, or s + selection
 *      bias for sigmoid routers), ties broken by the lower expert index;
 *      group-limited top-k (DeepSeek-V3) masks the groups first;
 *   3. the policy decides K, and S = the K top-ranked experts.  Weights
 *      follow the weight rule; experts are stored by descending weight.
 *
 * Choices routing.md leaves open, marked (ours):
 * - K from a threshold on pi (minp, quantile) counts the experts over the
 *   threshold; S is then the K top-ranked experts.  For softmax routers
 *   this is exactly the set over the threshold; for sigmoid routers (whose
 *   ranking includes the selection bias) it keeps the ranking's choice.
 * - A row whose router logits hold a NaN (or +Inf) falls back to the
 *   model's native rule (top native_k, or the model's own per-token
 *   policy), is flagged SY_CELL_NAN_FALLBACK, and its pi is the softmax of
 *   its finite entries (uniform when none is finite).
 * - Group-limited selection applies to `native`, `topk` and `ser` (a
 *   reduction of the native top-k); other policies rank among all experts.  As the reference
 *   implementation does, experts of dropped groups score 0 (not -inf).
 * - da: if every non-sink token has zero importance, norm_j = 1 / n_eff;
 *   the linear map takes min and max over non-sink tokens, and maps every
 *   token to the middle of [kmin, kmax] when they are equal.
 * - adr: c_t = 0 for a single-expert model (log E = 0).
 * - DeepSeek routed_scaling_factor <= 0 is read as 1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-router.h"

#define SY_TOPP_DEFAULT_P 0.4       /* the authors' default threshold */
#define SY_QUANTILE_DEFAULT_Q 0.9   /* routing.md (ours) */
#define SY_ADR_DEFAULT_THETA 0.5
#define SY_ADR_DEFAULT_GAMMA 0.5
#define SY_ADR_DEFAULT_U 0.0

typedef struct
{
  float v;
  int   i;
} Ranked;

/* Per-call scratch: no allocation per token. */
typedef struct
{
  const SyRouterSpec      *spec;    /* effective policy */
  const SyRouterModelInfo *info;
  SyWeightRule             weights; /* effective weight rule */
  int                      E;
  int                      budget;
  const float             *bias;    /* selection bias or NULL */
  gboolean                 grouped; /* group-limited ranking */
  Ranked                  *rank;    /* (E) ranking, valid up to n_ranked */
  Ranked                  *heap;    /* (E) the experts not ranked yet */
  int                      n_ranked;
  int                      heap_n;
  float                   *s;       /* (E) sigmoid scores */
  float                   *gscore;  /* (n_group) */
  /* da */
  int                     *da_k;    /* (n) */
  float                   *da_imp;  /* (n) normalised to [0,1] */
  guint8                  *da_sink; /* (n) */
  /* quantile */
  float                    tau;
} RouteCtx;

/* The ranking order: higher score first, ties to the lower index. */
static inline gboolean
ranks_before (const Ranked *a,
              const Ranked *b)
{
  return a->v > b->v || (a->v == b->v && a->i < b->i);
}

static void
heap_sift_down (Ranked *h,
                int     n,
                int     i)
{
  Ranked x = h[i];

  for (;;)
    {
      int c = 2 * i + 1;

      if (c >= n)
        break;
      if (c + 1 < n && ranks_before (&h[c + 1], &h[c]))
        c++;
      if (!ranks_before (&h[c], &x))
        break;
      h[i] = h[c];
      i = c;
    }
  h[i] = x;
}

/* The ranking is produced lazily from a heap: a policy that needs the top
 * K of E experts pays O(E + K log E), not a full sort. */
static inline void
rank_upto (RouteCtx *ctx,
           int       j)
{
  while (ctx->n_ranked <= j && ctx->heap_n > 0)
    {
      ctx->rank[ctx->n_ranked++] = ctx->heap[0];
      ctx->heap[0] = ctx->heap[--ctx->heap_n];
      heap_sift_down (ctx->heap, ctx->heap_n, 0);
    }
}

/* The k-th smallest of a[0..n) (a is reordered): quickselect with a
 * median-of-three pivot, O(n) on average; the value is the same as the
 * one at index k after sorting ascending. */
static float
select_kth (float *a,
            gsize  n,
            gsize  k)
{
  gsize lo = 0, hi = n - 1;

  while (hi > lo)
    {
      gsize mid = lo + (hi - lo) / 2, i = lo, j = hi;
      float x = a[lo], y = a[mid], z = a[hi];
      float pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));

      /* Hoare partition: [lo, j] <= pivot <= [i, hi] */
      for (;;)
        {
          while (a[i] < pivot)
            i++;
          while (a[j] > pivot)
            j--;
          if (i >= j)
            break;
          float tmp = a[i];
          a[i] = a[j];
          a[j] = tmp;
          i++;
          j--;
        }
      if (k <= j)
        hi = j;
      else
        lo = j + 1;
    }
  return a[k];
}

static inline gboolean
bad_logit (float v)
{
  return isnan (v) || v == INFINITY;
}

/* Step 1: pi into @probs, s into @s (sigmoid routers only); returns TRUE when
 * the row is bad (NaN / +Inf logits). */
static gboolean
row_probs (const SyRouterModelInfo *info,
           const float             *z,
           float                   *probs,
           float                   *s,
           double                  *entropy)
{
  int E = info->n_experts;
  gboolean bad = FALSE;
  double h = 0;

  if (info->activation == SY_ROUTER_SIGMOID)
    {
      float sum = 0;

      for (int e = 0; e < E; e++)
        {
          float v = z[e];

          if (isnan (v))
            {
              bad = TRUE;
              s[e] = 0;
            }
          else
            s[e] = 1.0f / (1.0f + expf (-v));
          sum += s[e];
        }
      for (int e = 0; e < E; e++)
        probs[e] = sum > 0 ? s[e] / sum : 1.0f / E;
    }
  else
    {
      float m = -INFINITY, sum = 0;

      for (int e = 0; e < E; e++)
        {
          if (bad_logit (z[e]))
            bad = TRUE;
          else if (z[e] > m)
            m = z[e];
        }
      if (m == -INFINITY)
        {
          bad = TRUE;
          for (int e = 0; e < E; e++)
            probs[e] = 1.0f / E;
        }
      else
        {
          for (int e = 0; e < E; e++)
            {
              float p = bad_logit (z[e]) ? 0.0f : expf (z[e] - m);

              probs[e] = p;
              sum += p;
            }
          for (int e = 0; e < E; e++)
            probs[e] = probs[e] / sum;
        }
    }

  for (int e = 0; e < E; e++)
    if (probs[e] > 0)
      h -= (double) probs[e] * log ((double) probs[e]);
  *entropy = h;
  return bad;
}

/* Step 2: prepare the ranking of row @t of @out (read through
 * rank_upto()); sets the row's group mask. */
static void
row_rank (RouteCtx     *ctx,
          SyTraceLayer *out,
          int           t,
          gboolean      grouped)
{
  const SyRouterModelInfo *info = ctx->info;
  int E = ctx->E;
  const float *z = out->logits + (gsize) t * E;
  const float *probs = out->probs + (gsize) t * E;
  int mask = 0;

  for (int e = 0; e < E; e++)
    {
      float v;

      if (info->activation == SY_ROUTER_SIGMOID)
        v = isnan (z[e]) ? -INFINITY : ctx->s[e] + (ctx->bias ? ctx->bias[e] : 0.0f);
      else
        v = probs[e];
      ctx->heap[e].v = v;
      ctx->heap[e].i = e;
    }

  if (grouped)
    {
      int G = info->n_group, size = E / G;
      int keep = info->topk_group;

      /* group score = sum of the group's two best scores */
      for (int g = 0; g < G; g++)
        {
          float a = -INFINITY, b = -INFINITY;

          for (int j = 0; j < size; j++)
            {
              float v = ctx->heap[g * size + j].v;

              if (v > a)
                {
                  b = a;
                  a = v;
                }
              else if (v > b)
                b = v;
            }
          ctx->gscore[g] = size >= 2 ? a + b : a;
        }
      /* keep the topk_group best groups, ties by lower group index */
      for (int n = 0; n < keep; n++)
        {
          int best = -1;

          for (int g = 0; g < G; g++)
            if (!(mask & (1 << g)) && (best < 0 || ctx->gscore[g] > ctx->gscore[best]))
              best = g;
          mask |= 1 << best;
        }
      for (int e = 0; e < E; e++)
        if (!(mask & (1 << (e / size))))
          ctx->heap[e].v = 0.0f;
    }

  ctx->n_ranked = 0;
  ctx->heap_n = E;
  for (int i = E / 2 - 1; i >= 0; i--)
    heap_sift_down (ctx->heap, E, i);
  out->group_mask[t] = mask;
}

/* Dual-scale experts (info->n_shallow_experts): after adr has decided
 * shallow or deep, rank only inside that group, experts [lo, hi). */
static void
row_restrict (RouteCtx    *ctx,
              const float *probs,
              int          lo,
              int          hi)
{
  int E = ctx->E;

  for (int e = 0; e < E; e++)
    {
      ctx->heap[e].v = (e >= lo && e < hi) ? probs[e] : -INFINITY;
      ctx->heap[e].i = e;
    }
  ctx->n_ranked = 0;
  ctx->heap_n = E;
  for (int i = E / 2 - 1; i >= 0; i--)
    heap_sift_down (ctx->heap, E, i);
}

static int
resolve_kmin (const SyRouterSpec *spec)
{
  return spec->kmin > 0 ? spec->kmin : 1;
}

static int
resolve_kmax (const SyRouterSpec      *spec,
              const SyRouterModelInfo *info)
{
  if (spec->kmax > 0)
    return spec->kmax;
  if (spec->policy == SY_POLICY_DA)
    return MIN (info->n_experts, 2 * info->native_k);
  return info->n_experts;
}

/* Step 3: K of row @t of @out for per-token policies (and da / quantile
 * with their precomputed layer quantities); adr also writes the row's
 * complexity and depth. */
static int
row_k (RouteCtx           *ctx,
       const SyRouterSpec *spec,
       SyTraceLayer       *out,
       int                 t)
{
  const SyRouterModelInfo *info = ctx->info;
  int E = ctx->E;
  const float *probs = out->probs + (gsize) t * E;
  int K;

  switch (spec->policy)
    {
    case SY_POLICY_NATIVE:
      return info->native_k;

    case SY_POLICY_TOPK:
      if (spec->schedule != SY_SCHEDULE_NONE)
        return ctx->budget;
      return spec->k > 0 ? spec->k : info->native_k;

    case SY_POLICY_TOPP:
      {
        double P = isnan (spec->p) ? SY_TOPP_DEFAULT_P : spec->p;

        if (P <= 0)
          K = 1;
        else if (P >= 1)
          K = E;
        else
          {
            float c = 0;
            float pf = (float) P;

            K = E;
            for (int j = 0; j < E; j++)
              {
                rank_upto (ctx, j);
                c += probs[ctx->rank[j].i];
                if (c > pf)
                  {
                    K = j + 1;
                    break;
                  }
              }
          }
        K = CLAMP (K, resolve_kmin (spec), resolve_kmax (spec, info));
      }
      break;

    case SY_POLICY_MINP:
      {
        double T = isnan (spec->t) ? 0.0 : spec->t;
        double thr;

        rank_upto (ctx, 0);
        thr = T * (double) probs[ctx->rank[0].i];

        if (info->activation == SY_ROUTER_SIGMOID)
          {
            float top = 0;

            for (int e = 0; e < E; e++)
              top = MAX (top, probs[e]);
            thr = T * (double) top;
          }
        K = 0;
        for (int e = 0; e < E; e++)
          if ((double) probs[e] >= thr)
            K++;
        K = CLAMP (K, resolve_kmin (spec), resolve_kmax (spec, info));
      }
      break;

    case SY_POLICY_SER:
      {
        /* ik_llama.cpp's smart expert reduction: the top kmin always, then
         * the next ranked experts up to the native k while pi > t * pi_0
         * (strict), pi_0 the top-ranked expert's. */
        double T = isnan (spec->t) ? 0.0 : spec->t;
        int k = info->native_k;
        int kmin = MIN (resolve_kmin (spec), k);
        double thr;

        rank_upto (ctx, 0);
        thr = T * (double) probs[ctx->rank[0].i];
        K = kmin;
        while (K < k)
          {
            rank_upto (ctx, K);
            if (K >= ctx->n_ranked || !((double) probs[ctx->rank[K].i] > thr))
              break;
            K++;
          }
      }
      break;

    case SY_POLICY_DA:
      K = ctx->da_k[t];
      break;

    case SY_POLICY_QUANTILE:
      K = 0;
      for (int e = 0; e < E; e++)
        if (probs[e] >= ctx->tau)
          K++;
      K = MAX (K, 1);
      break;

    case SY_POLICY_ADR:
      {
        double theta = isnan (spec->theta) ? SY_ADR_DEFAULT_THETA : spec->theta;
        double gamma = isnan (spec->gamma) ? SY_ADR_DEFAULT_GAMMA : spec->gamma;
        double u = isnan (spec->u) ? SY_ADR_DEFAULT_U : spec->u;
        double c = E > 1 ? out->entropy[t] / log ((double) E) : 0.0;
        double sc;

        c = CLAMP (c, 0.0, 1.0);
        sc = CLAMP (c - gamma * u, 0.0, 1.0);
        out->complexity[t] = (float) c;
        if (sc >= theta)
          {
            out->depth[t] = SY_DEPTH_DEEP;
            K = spec->kdeep > 0 ? spec->kdeep : info->native_k;
          }
        else
          {
            out->depth[t] = SY_DEPTH_SHALLOW;
            if (spec->shallow == SY_ADR_SHALLOW_SHARED)
              K = 0;
            else
              K = spec->kshallow > 0 ? spec->kshallow : 1;
          }
      }
      break;

    default:
      K = info->native_k;
      break;
    }

  return CLAMP (K, 0, ctx->budget);
}

/* Weights of the first K ranked experts, written to @experts / @weights
 * by descending weight; returns the cumulative pi. */
static float
row_weights (RouteCtx     *ctx,
             SyWeightRule  rule,
             const float  *probs,
             int           K,
             int          *experts,
             float        *weights)
{
  const SyRouterModelInfo *info = ctx->info;
  gboolean done = FALSE;
  float cum = 0;

  if (K > 0)
    rank_upto (ctx, K - 1);
  for (int j = 0; j < K; j++)
    cum += probs[ctx->rank[j].i];

  if (rule == SY_WEIGHTS_NATIVE)
    {
      switch (info->native_weights)
        {
        case SY_NATIVE_WEIGHTS_RAW:
          rule = SY_WEIGHTS_RAW;
          break;
        case SY_NATIVE_WEIGHTS_SIGMOID:
          {
            float sum = 0;
            float scale = info->routed_scaling_factor > 0 ? info->routed_scaling_factor : 1.0f;
            const float *s = info->activation == SY_ROUTER_SIGMOID ? ctx->s : probs;

            for (int j = 0; j < K; j++)
              sum += s[ctx->rank[j].i];
            for (int j = 0; j < K; j++)
              {
                float w = s[ctx->rank[j].i];

                if (info->norm_topk_prob)
                  w = w / (sum + 1e-20f);
                experts[j] = ctx->rank[j].i;
                weights[j] = w * scale;
              }
            done = TRUE;
          }
          break;
        case SY_NATIVE_WEIGHTS_RENORM:
        default:
          rule = SY_WEIGHTS_RENORM;
          break;
        }
    }

  if (!done && rule == SY_WEIGHTS_RAW)
    for (int j = 0; j < K; j++)
      {
        experts[j] = ctx->rank[j].i;
        weights[j] = probs[ctx->rank[j].i];
      }
  else if (!done && rule == SY_WEIGHTS_RENORM)
    for (int j = 0; j < K; j++)
      {
        experts[j] = ctx->rank[j].i;
        weights[j] = cum > 0 ? probs[ctx->rank[j].i] / cum : 1.0f / K;
      }

  /* by descending weight, ties by lower index (insertion sort: K is small
   * and the order is nearly always the ranking's already) */
  for (int j = 1; j < K; j++)
    {
      int e = experts[j];
      float w = weights[j];
      int i = j - 1;

      while (i >= 0 && (weights[i] < w || (weights[i] == w && experts[i] > e)))
        {
          experts[i + 1] = experts[i];
          weights[i + 1] = weights[i];
          i--;
        }
      experts[i + 1] = e;
      weights[i + 1] = w;
    }
  return cum;
}

static gboolean
policy_is_per_token (SyPolicy policy)
{
  return policy != SY_POLICY_DA && policy != SY_POLICY_QUANTILE;
}

/* da: K_j and importance for every token (routing.md "da") under the
 * context's effective spec. */
static void
da_prepare (RouteCtx    *ctx,
            int          n,
            const float *recv)
{
  const SyRouterSpec *spec = ctx->spec;
  const SyRouterModelInfo *info = ctx->info;
  g_autofree double *imp = g_new (double, MAX (n, 1));
  double mean = 0, var = 0, sd, cut, max_all = 0, sum_ns = 0;
  double mn = INFINITY, mx = -INFINITY;
  int kmin = resolve_kmin (spec), kmax = resolve_kmax (spec, info);
  int k = spec->k > 0 ? spec->k : info->native_k;
  int n_eff = 0;

  for (int j = 0; j < n; j++)
    {
      double r = isfinite (recv[j]) && recv[j] > 0 ? recv[j] : 0.0;

      imp[j] = r / (n - j);
      mean += imp[j];
    }
  mean /= MAX (n, 1);
  for (int j = 0; j < n; j++)
    var += (imp[j] - mean) * (imp[j] - mean);
  sd = sqrt (var / MAX (n, 1));
  cut = mean + 4 * sd;

  for (int j = 0; j < n; j++)
    {
      ctx->da_sink[j] = j == 0 || imp[j] > cut;
      max_all = MAX (max_all, imp[j]);
      if (!ctx->da_sink[j])
        {
          n_eff++;
          sum_ns += imp[j];
          mn = MIN (mn, imp[j]);
          mx = MAX (mx, imp[j]);
        }
    }

  for (int j = 0; j < n; j++)
    {
      double v;

      ctx->da_imp[j] = max_all > 0 ? (float) (imp[j] / max_all) : 0.0f;
      if (ctx->da_sink[j])
        {
          ctx->da_k[j] = kmin;
          continue;
        }
      if (spec->map == SY_DA_MAP_LINEAR)
        {
          double x = mx > mn ? (imp[j] - mn) / (mx - mn) : 0.5;

          v = kmin + (kmax - kmin) * x;
        }
      else
        {
          double norm = sum_ns > 0 ? imp[j] / sum_ns : 1.0 / n_eff;

          v = k * (double) n_eff * norm;
        }
      v = CLAMP (floor (v + 0.5), (double) kmin, (double) kmax);
      ctx->da_k[j] = (int) v;
    }
}

/* quantile: the threshold tau, the Q-quantile of every probability of the
 * layer's rows [0, n) that are not NaN fallbacks (INFINITY without any). */
static float
quantile_tau (const SyTraceLayer *out,
              double              Q,
              int                 n,
              int                 E)
{
  g_autofree float *pool = g_new (float, (gsize) MAX (n, 1) * E);
  gsize N = 0;

  for (int t = 0; t < n; t++)
    if (!(out->flags[t] & SY_CELL_NAN_FALLBACK))
      {
        memcpy (pool + N, out->probs + (gsize) t * E, sizeof (float) * E);
        N += E;
      }
  if (N == 0)
    return INFINITY;
  return select_kth (pool, N, (gsize) floor (Q * (double) (N - 1)));
}

/* Pass 2 of routing, for row @t: ranking, K, experts and weights, and the
 * row's complexity, depth and importance.  A NaN row takes @fallback (the
 * model's own per-token rule) or plain top native_k. */
static void
route_row (RouteCtx           *ctx,
           const SyRouterSpec *fallback,
           int                 moe,
           SyTraceLayer       *out,
           int                 t)
{
  const SyRouterModelInfo *info = ctx->info;
  const SyRouterSpec *eff = ctx->spec;
  int E = ctx->E;
  const float *z = out->logits + (gsize) t * E;
  const float *probs = out->probs + (gsize) t * E;
  int *experts = out->experts + (gsize) t * E;
  float *weights = out->weights + (gsize) t * E;
  gboolean bad = (out->flags[t] & SY_CELL_NAN_FALLBACK) != 0;
  const SyRouterSpec *row_spec = eff;
  SyWeightRule rule = ctx->weights;
  gboolean grouped = ctx->grouped;
  int K, budget = ctx->budget;

  if (info->activation == SY_ROUTER_SIGMOID)
    for (int e = 0; e < E; e++)
      ctx->s[e] = isnan (z[e]) ? 0.0f : 1.0f / (1.0f + expf (-z[e]));

  out->complexity[t] = NAN;
  out->depth[t] = SY_DEPTH_NONE;
  if (bad)
    {
      SyRouterSpec top = { .policy = SY_POLICY_NATIVE };

      row_spec = fallback ? fallback : &top;
      rule = fallback ? fallback->weights : SY_WEIGHTS_NATIVE;
      grouped = info->n_group > 1 && fallback == NULL;
      ctx->budget = sy_router_layer_budget (row_spec, info, moe);
      row_rank (ctx, out, t, grouped);
      K = row_k (ctx, row_spec, out, t);
      ctx->budget = budget;
    }
  else
    {
      row_rank (ctx, out, t, grouped);
      K = row_k (ctx, row_spec, out, t);
      if (info->n_shallow_experts > 0 && info->n_shallow_experts < E &&
          out->depth[t] != SY_DEPTH_NONE && K > 0)
        {
          int Es = info->n_shallow_experts;
          gboolean deep = out->depth[t] == SY_DEPTH_DEEP;

          row_restrict (ctx, probs, deep ? Es : 0, deep ? E : Es);
          K = MIN (K, deep ? E - Es : Es);
          out->group_mask[t] = deep ? 2 : 1;   /* group 0 shallow, 1 deep */
        }
    }

  out->k[t] = K;
  out->cum[t] = row_weights (ctx, rule, probs, K, experts, weights);
  for (int j = K; j < E; j++)
    {
      experts[j] = -1;
      weights[j] = 0.0f;
    }
  if (eff->policy == SY_POLICY_DA)
    {
      out->importance[t] = ctx->da_imp[t];
      if (ctx->da_sink[t])
        out->flags[t] |= SY_CELL_SINK;
    }
  else
    out->importance[t] = NAN;
}

gboolean
sy_router_route (const SyRouterSpec       *spec,
                 const SyRouterModelInfo  *info,
                 int                       moe,
                 int                       n_tokens,
                 int                       t_begin,
                 const float              *attn_recv,
                 SyTraceLayer             *out,
                 GError                  **error)
{
  RouteCtx ctx = { 0, };
  const SyRouterSpec *eff;
  const SyRouterSpec *fallback;
  g_autofree void *scratch = NULL;
  int E, n = n_tokens;
  gsize off;

  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (info != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!sy_router_spec_check (spec, info, error))
    return FALSE;
  if (n_tokens < 0 || t_begin < 0 || t_begin > n_tokens ||
      moe < 0 || (info->n_moe_layers > 0 && moe >= info->n_moe_layers))
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router: MoE layer %d of %d, tokens %d..%d: out of range",
                   moe, info->n_moe_layers, t_begin, n_tokens);
      return FALSE;
    }

  eff = sy_router_spec_resolve (spec, info);

  if (!sy_router_spec_is_causal (eff) && t_begin != 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router: policy %s is not causal and must route the whole text "
                   "(asked to start at token %d)", sy_router_policy_name (eff->policy), t_begin);
      return FALSE;
    }
  if (eff->policy == SY_POLICY_DA && attn_recv == NULL && n_tokens > 0)
    {
      g_set_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE,
                   "router: policy da needs the attention of MoE layer %d", moe);
      return FALSE;
    }

  /* the NaN fallback: the model's own per-token rule, else top native_k */
  fallback = info->native != NULL && policy_is_per_token (info->native->policy)
    ? info->native : NULL;

  E = info->n_experts;
  ctx.spec = eff;
  ctx.info = info;
  ctx.E = E;
  ctx.weights = spec->weights != SY_WEIGHTS_NATIVE ? spec->weights : eff->weights;
  ctx.budget = sy_router_layer_budget (eff, info, moe);
  ctx.bias = info->selection_bias ? info->selection_bias[moe] : NULL;
  ctx.grouped = info->n_group > 1 &&
    (eff->policy == SY_POLICY_NATIVE || eff->policy == SY_POLICY_TOPK ||
     eff->policy == SY_POLICY_SER);
  out->budget = ctx.budget;

  off = 2 * sizeof (Ranked) * E + sizeof (float) * E + sizeof (float) * MAX (info->n_group, 1);
  if (eff->policy == SY_POLICY_DA)
    off += (sizeof (int) + sizeof (float) + 1) * MAX (n, 1);
  scratch = g_malloc (off);
  ctx.rank = scratch;
  ctx.heap = ctx.rank + E;
  ctx.s = (float *) (ctx.heap + E);
  ctx.gscore = ctx.s + E;
  if (eff->policy == SY_POLICY_DA)
    {
      ctx.da_k = (int *) (ctx.gscore + MAX (info->n_group, 1));
      ctx.da_imp = (float *) (ctx.da_k + MAX (n, 1));
      ctx.da_sink = (guint8 *) (ctx.da_imp + MAX (n, 1));
    }

  /* pass 1: probabilities, entropy, NaN flags */
  for (int t = t_begin; t < n; t++)
    {
      double h;
      gboolean bad = row_probs (info, out->logits + (gsize) t * E,
                                out->probs + (gsize) t * E, ctx.s, &h);

      out->entropy[t] = (float) h;
      out->flags[t] = bad ? SY_CELL_NAN_FALLBACK : 0;
    }

  /* layer-wide quantities of the non-causal policies */
  if (eff->policy == SY_POLICY_DA && n > 0)
    da_prepare (&ctx, n, attn_recv);
  if (eff->policy == SY_POLICY_QUANTILE)
    ctx.tau = quantile_tau (out, isnan (eff->q) ? SY_QUANTILE_DEFAULT_Q : eff->q, n, E);

  /* pass 2: ranking, K, weights */
  for (int t = t_begin; t < n; t++)
    route_row (&ctx, fallback, moe, out, t);

  {
    double sum = 0;

    for (int t = 0; t < n; t++)
      sum += out->k[t];
    out->avg_k = n > 0 ? sum / n : 0.0;
  }
  return TRUE;
}

void
sy_router_attn_recv (const float *attn,
                     int          n_heads,
                     int          n_tokens,
                     float       *recv)
{
  gsize nn = (gsize) n_tokens * n_tokens;

  g_return_if_fail (n_heads > 0 && n_tokens >= 0);

  for (int j = 0; j < n_tokens; j++)
    {
      double sum = 0;

      for (int h = 0; h < n_heads; h++)
        for (int i = j; i < n_tokens; i++)
          sum += attn[h * nn + (gsize) i * n_tokens + j];
      recv[j] = (float) (sum / n_heads);
    }
}
