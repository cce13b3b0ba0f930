/* test-router.c: routing policies on hand-made router logits
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No model needed: router logits are written into a trace layer by hand
 * (or from a seeded random generator) and every rule of
 * docs/routing.md is checked independently of the engine code.
 */
#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-router.h"
#include "sy-trace.h"

static SyRouterModelInfo
softmax_info (int E, int k, int L, SyNativeWeights nw)
{
  SyRouterModelInfo info = {
    .n_experts = E,
    .native_k = k,
    .n_moe_layers = L,
    .activation = SY_ROUTER_SOFTMAX,
    .native_weights = nw,
  };
  return info;
}

/* n_tokens rows of random logits with a given spread, into every layer */
static SyTrace *
random_trace (int      n,
              int      E,
              int      L,
              guint32  seed,
              double   spread)
{
  SyTrace *trace = sy_trace_new (n, E, L, L);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (int l = 0; l < L; l++)
    for (int i = 0; i < n * E; i++)
      trace->layers[l].logits[i] = (float) g_rand_double_range (rand, -spread, spread);
  return trace;
}

static SyRouterSpec *
parse_ok (const char *text)
{
  g_autoptr (GError) error = NULL;
  SyRouterSpec *spec = sy_router_spec_parse (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (spec);
  return spec;
}

static void
route_ok (const char              *text,
          const SyRouterModelInfo *info,
          SyTrace                 *trace,
          const float             *recv)
{
  g_autoptr (SyRouterSpec) spec = parse_ok (text);

  for (int l = 0; l < trace->n_moe_layers; l++)
    {
      g_autoptr (GError) error = NULL;
      gboolean ok = sy_router_route (spec, info, l, trace->n_tokens, 0,
                                     recv, &trace->layers[l], &error);

      g_assert_no_error (error);
      g_assert_true (ok);
    }
}

/* Independent reference: softmax in double, ranking by (p desc, index asc). */
static void
ref_softmax (const float *z,
             int          E,
             double      *p)
{
  double m = -INFINITY, sum = 0;

  for (int e = 0; e < E; e++)
    m = MAX (m, z[e]);
  for (int e = 0; e < E; e++)
    sum += p[e] = exp (z[e] - m);
  for (int e = 0; e < E; e++)
    p[e] /= sum;
}

static void
ref_order (const float *probs,
           int          E,
           int         *order)
{
  for (int e = 0; e < E; e++)
    order[e] = e;
  /* selection sort: descending prob, ties lower index */
  for (int i = 0; i < E; i++)
    {
      int best = i;

      for (int j = i + 1; j < E; j++)
        if (probs[order[j]] > probs[order[best]] ||
            (probs[order[j]] == probs[order[best]] && order[j] < order[best]))
          best = j;
      int tmp = order[i];
      order[i] = order[best];
      order[best] = tmp;
    }
}

/* Generic invariants of any routed cell. */
static void
check_cell (const SyTraceLayer *l,
            int                 t,
            int                 E)
{
  const int *ex = l->experts + t * E;
  const float *w = l->weights + t * E;
  float cum = 0;

  g_assert_cmpint (l->k[t], >=, 0);
  g_assert_cmpint (l->k[t], <=, l->budget);
  for (int j = 0; j < l->k[t]; j++)
    {
      g_assert_cmpint (ex[j], >=, 0);
      g_assert_cmpint (ex[j], <, E);
      for (int i = 0; i < j; i++)
        g_assert_cmpint (ex[i], !=, ex[j]);
      if (j > 0)
        g_assert_true (w[j - 1] > w[j] || (w[j - 1] == w[j] && ex[j - 1] < ex[j]));
      cum += l->probs[t * E + ex[j]];
    }
  g_assert_cmpfloat_with_epsilon (cum, l->cum[t], 1e-5);
}

static void
test_softmax_probs_entropy (void)
{
  const int E = 8, n = 20;
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = random_trace (n, E, 1, 1, 30.0);
  SyTraceLayer *l = &trace->layers[0];

  /* a large offset: the softmax must be stable */
  for (int e = 0; e < E; e++)
    l->logits[e] += 1000.0f;
  route_ok ("native", &info, trace, NULL);
  for (int t = 0; t < n; t++)
    {
      double p[8], h = 0, sum = 0;

      ref_softmax (l->logits + t * E, E, p);
      for (int e = 0; e < E; e++)
        {
          g_assert_cmpfloat_with_epsilon (l->probs[t * E + e], p[e], 1e-6);
          sum += l->probs[t * E + e];
          if (p[e] > 0)
            h -= p[e] * log (p[e]);
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
      g_assert_cmpfloat_with_epsilon (l->entropy[t], h, 1e-5);
      g_assert_true (isnan (l->importance[t]));
      g_assert_true (isnan (l->complexity[t]));
      g_assert_cmpint (l->depth[t], ==, SY_DEPTH_NONE);
      g_assert_cmpint (l->flags[t], ==, 0);
    }
}

static void
test_native_topk (void)
{
  const int E = 8, n = 50;
  SyNativeWeights rules[] = { SY_NATIVE_WEIGHTS_RENORM, SY_NATIVE_WEIGHTS_RAW };

  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    for (int k = 1; k <= 4; k++)
      {
        SyRouterModelInfo info = softmax_info (E, k, 2, rules[r]);
        g_autoptr (SyTrace) a = random_trace (n, E, 2, 7 + k, 3.0);
        g_autoptr (SyTrace) b = sy_trace_copy (a);
        g_autofree char *topk = g_strdup_printf ("topk:k=%d", k);

        route_ok ("native", &info, a, NULL);
        route_ok (topk, &info, b, NULL);
        for (int l = 0; l < 2; l++)
          {
            SyTraceLayer *la = &a->layers[l], *lb = &b->layers[l];

            g_assert_cmpint (la->budget, ==, E);
            g_assert_cmpmem (la->k, n * sizeof (int), lb->k, n * sizeof (int));
            g_assert_cmpmem (la->experts, n * E * sizeof (int), lb->experts, n * E * sizeof (int));
            g_assert_cmpmem (la->weights, n * E * sizeof (float), lb->weights, n * E * sizeof (float));
            g_assert_cmpfloat (la->avg_k, ==, k);
            for (int t = 0; t < n; t++)
              {
                int order[8];
                double sum = 0;

                check_cell (la, t, E);
                g_assert_cmpint (la->k[t], ==, k);
                ref_order (la->probs + t * E, E, order);
                for (int j = 0; j < k; j++)
                  sum += la->probs[t * E + order[j]];
                for (int j = 0; j < k; j++)
                  {
                    double p = la->probs[t * E + order[j]];

                    g_assert_cmpint (la->experts[t * E + j], ==, order[j]);
                    g_assert_cmpfloat_with_epsilon (la->weights[t * E + j],
                                                    rules[r] == SY_NATIVE_WEIGHTS_RAW ? p : p / sum,
                                                    1e-6);
                  }
                for (int j = k; j < E; j++)
                  g_assert_cmpint (la->experts[t * E + j], ==, -1);
              }
          }
      }
}

static void
test_ties (void)
{
  const int E = 6;
  SyRouterModelInfo info = softmax_info (E, 3, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = sy_trace_new (1, E, 1, 1);
  float z[6] = { 0.5f, 1.0f, 0.5f, 1.0f, 0.5f, 0.0f };

  memcpy (trace->layers[0].logits, z, sizeof z);
  route_ok ("native", &info, trace, NULL);
  g_assert_cmpint (trace->layers[0].experts[0], ==, 1);
  g_assert_cmpint (trace->layers[0].experts[1], ==, 3);
  g_assert_cmpint (trace->layers[0].experts[2], ==, 0);
}


static float
layer_avg_k (const SyTrace *trace)
{
  double sum = 0;

  for (int l = 0; l < trace->n_moe_layers; l++)
    for (int t = 0; t < trace->n_tokens; t++)
      sum += trace->layers[l].k[t];
  return sum / (trace->n_moe_layers * trace->n_tokens);
}

static void
test_topp (void)
{
  const int E = 16, n = 200;
  SyRouterModelInfo info = softmax_info (E, 4, 2, SY_NATIVE_WEIGHTS_RAW);
  double ps[] = { 0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99, 1.0 };
  double spreads[] = { 0.5, 3.0, 10.0 };
  float prev_avg = 0;

  for (guint si = 0; si < G_N_ELEMENTS (spreads); si++)
    {
      prev_avg = 0;
      for (guint pi = 0; pi < G_N_ELEMENTS (ps); pi++)
        {
          g_autoptr (SyTrace) trace = random_trace (n, E, 2, 100 + si, spreads[si]);
          g_autofree char *spec = g_strdup_printf ("topp:p=%g", ps[pi]);
          float P = (float) ps[pi];
          float avg;

          route_ok (spec, &info, trace, NULL);
          for (int l = 0; l < 2; l++)
            for (int t = 0; t < n; t++)
              {
                const SyTraceLayer *la = &trace->layers[l];
                const float *pr = la->probs + t * E;
                int order[16], K = E;
                float c = 0;

                check_cell (la, t, E);
                ref_order (pr, E, order);
                /* shortest prefix whose float32 cumulative sum exceeds P */
                for (int j = 0; j < E; j++)
                  {
                    c += pr[order[j]];
                    if (c > P)
                      {
                        K = j + 1;
                        break;
                      }
                  }
                if (ps[pi] <= 0)
                  K = 1;
                if (ps[pi] >= 1)
                  K = E;
                g_assert_cmpint (la->k[t], ==, K);
                if (pr[order[0]] > P)
                  g_assert_cmpint (la->k[t], ==, 1);
                for (int j = 0; j < K; j++)
                  {
                    /* weights=native is raw here (RAW model) */
                    g_assert_cmpint (la->experts[t * E + j], ==, order[j]);
                    g_assert_cmpfloat (la->weights[t * E + j], ==, pr[order[j]]);
                  }
              }
          avg = layer_avg_k (trace);
          g_assert_cmpfloat (avg, >=, prev_avg);
          prev_avg = avg;
        }
      g_assert_cmpfloat (prev_avg, ==, E);
    }
}

static void
test_topp_options (void)
{
  const int E = 8, n = 100;
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) a = random_trace (n, E, 1, 5, 3.0);
  g_autoptr (SyTrace) raw = sy_trace_copy (a);
  g_autoptr (SyTrace) clamp = sy_trace_copy (a);

  route_ok ("topp:p=0.5", &info, a, NULL);
  route_ok ("topp:p=0.5,weights=raw", &info, raw, NULL);
  route_ok ("topp:p=0.5,kmin=2,kmax=3", &info, clamp, NULL);
  for (int t = 0; t < n; t++)
    {
      const SyTraceLayer *la = &a->layers[0], *lr = &raw->layers[0], *lc = &clamp->layers[0];
      float sum = 0;

      g_assert_cmpint (la->k[t], ==, lr->k[t]);
      g_assert_cmpint (lc->k[t], ==, CLAMP (la->k[t], 2, 3));
      for (int j = 0; j < la->k[t]; j++)
        sum += la->weights[t * E + j];
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);   /* native = renorm here */
      for (int j = 0; j < lr->k[t]; j++)
        {
          int e = lr->experts[t * E + j];

          g_assert_cmpfloat (lr->weights[t * E + j], ==, lr->probs[t * E + e]);
          g_assert_cmpfloat_with_epsilon (la->weights[t * E + j],
                                          lr->probs[t * E + e] / la->cum[t], 1e-6);
        }
    }
}

static void
test_minp (void)
{
  const int E = 16, n = 100;
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  double ts[] = { 0.0, 0.05, 0.2, 0.5, 1.0 };

  for (guint i = 0; i < G_N_ELEMENTS (ts); i++)
    for (int clamp = 0; clamp < 2; clamp++)
      {
        g_autoptr (SyTrace) trace = random_trace (n, E, 1, 9, 3.0);
        g_autofree char *spec = g_strdup_printf ("minp:t=%g%s", ts[i], clamp ? ",kmin=2,kmax=5" : "");
        const SyTraceLayer *l = &trace->layers[0];

        route_ok (spec, &info, trace, NULL);
        for (int t = 0; t < n; t++)
          {
            const float *pr = l->probs + t * E;
            float top = 0;
            int K = 0;

            check_cell (l, t, E);
            for (int e = 0; e < E; e++)
              top = MAX (top, pr[e]);
            for (int e = 0; e < E; e++)
              if (pr[e] >= ts[i] * top)
                K++;
            if (clamp)
              K = CLAMP (K, 2, 5);
            g_assert_cmpint (l->k[t], ==, K);
            /* the kept set is the top of the ranking */
            for (int j = 0; j < K && !clamp; j++)
              g_assert_cmpfloat (pr[l->experts[t * E + j]], >=, ts[i] * top);
          }
      }
}

/* ser:kmin=A,t=T (routing.md): an independent reference in double, and
 * hand-made cases for the strict comparison and kmin above k. */
static void
test_ser (void)
{
  const int E = 16, k = 6, n = 200;
  SyRouterModelInfo info = softmax_info (E, k, 1, SY_NATIVE_WEIGHTS_RENORM);
  double ts[] = { 0.0, 0.05, 0.2, 0.5, 0.9, 1.0 };
  int kmins[] = { 1, 2, 6, 9 };

  for (guint i = 0; i < G_N_ELEMENTS (ts); i++)
    for (guint m = 0; m < G_N_ELEMENTS (kmins); m++)
      {
        g_autoptr (SyTrace) trace = random_trace (n, E, 1, 21, 3.0);
        g_autoptr (SyTrace) minp = random_trace (n, E, 1, 21, 3.0);
        g_autoptr (SyTrace) native = random_trace (n, E, 1, 21, 3.0);
        g_autofree char *spec = g_strdup_printf ("ser:kmin=%d,t=%g", kmins[m], ts[i]);
        g_autofree char *minp_spec = g_strdup_printf ("minp:t=%g,kmin=%d,kmax=%d",
                                                      ts[i], MIN (kmins[m], k), k);
        const SyTraceLayer *l = &trace->layers[0];
        int sum_k = 0;

        route_ok (spec, &info, trace, NULL);
        route_ok (minp_spec, &info, minp, NULL);
        route_ok ("native", &info, native, NULL);
        for (int t = 0; t < n; t++)
          {
            const float *pr = l->probs + t * E;
            int order[16];
            int K = MIN (kmins[m], k);

            check_cell (l, t, E);
            ref_order (pr, E, order);
            while (K < k && (double) pr[order[K]] > ts[i] * (double) pr[order[0]])
              K++;
            g_assert_cmpint (l->k[t], ==, K);
            g_assert_cmpint (l->k[t], <=, k);
            sum_k += l->k[t];
            /* the chosen set is the top K of the ranking (= native's first K) */
            for (int j = 0; j < K; j++)
              {
                gboolean in_native = FALSE;

                for (int jj = 0; jj < k; jj++)
                  in_native |= native->layers[0].experts[t * E + jj] == l->experts[t * E + j];
                g_assert_true (in_native);
              }
            /* no ties in random logits: the same as minp with kmax = k
             * (except t = 1, where ser keeps kmin and minp the top one) */
            if (ts[i] < 1.0)
              g_assert_cmpint (l->k[t], ==, minp->layers[0].k[t]);
          }
        if (ts[i] == 0.0 || kmins[m] >= k)
          g_assert_cmpint (sum_k, ==, n * k);   /* no reduction: native cost */
        if (ts[i] == 1.0)
          g_assert_cmpint (sum_k, ==, n * MIN (kmins[m], k));
        /* native weights (renorm) over the reduced set */
        for (int t = 0; t < n; t++)
          {
            float w = 0;

            for (int j = 0; j < l->k[t]; j++)
              w += l->weights[t * E + j];
            g_assert_cmpfloat_with_epsilon (w, 1.0, 1e-5);
          }
      }

  /* strict >: z = (0, 0, -1, -3, -3), pi = (.405, .405, .149, .020, .020),
   * k = 4.  t = 1: the tie with the top one is not > t * pi_0, so K = kmin
   * (minp's >= keeps both) */
  {
    SyRouterModelInfo info5 = softmax_info (5, 4, 1, SY_NATIVE_WEIGHTS_RAW);
    const float z[5] = { 0, 0, -1, -3, -3 };
    const struct { const char *spec; int K; } cases[] = {
      { "ser:kmin=1,t=1", 1 }, { "minp:t=1", 2 }, { "ser:kmin=1,t=0.3", 3 },
      { "ser:kmin=1,t=0.4", 2 }, { "ser:kmin=3,t=0.4", 3 }, { "ser:t=0", 4 },
      { "ser:kmin=5,t=0.9", 4 }, { "ser:kmin=1,t=0.04", 4 }, { "ser:t=0.4", 2 },
    };

    for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
      {
        g_autoptr (SyTrace) trace = sy_trace_new (1, 5, 1, 1);

        memcpy (trace->layers[0].logits, z, sizeof z);
        route_ok (cases[c].spec, &info5, trace, NULL);
        g_assert_cmpint (trace->layers[0].k[0], ==, cases[c].K);
        g_assert_cmpint (trace->layers[0].experts[0], ==, 0);
      }
  }
}

static gboolean
non_increasing (const int *v, int n)
{
  for (int i = 1; i < n; i++)
    if (v[i] > v[i - 1])
      return FALSE;
  return TRUE;
}

static gboolean
non_decreasing (const int *v, int n)
{
  for (int i = 1; i < n; i++)
    if (v[i] < v[i - 1])
      return FALSE;
  return TRUE;
}

static void
budgets (const char              *text,
         const SyRouterModelInfo *info,
         int                     *out)
{
  g_autoptr (SyRouterSpec) spec = parse_ok (text);
  g_autoptr (GError) error = NULL;

  g_assert_true (sy_router_spec_check (spec, info, &error));
  g_assert_no_error (error);
  for (int l = 0; l < info->n_moe_layers; l++)
    out[l] = sy_router_layer_budget (spec, info, l);
}

static void
test_schedules (void)
{
  const int L = 9, E = 16;
  SyRouterModelInfo info = softmax_info (E, 4, L, SY_NATIVE_WEIGHTS_RENORM);
  SyRouterModelInfo one = softmax_info (E, 4, 1, SY_NATIVE_WEIGHTS_RENORM);
  int b[9];
  int maxima = 0;

  budgets ("topp:p=0.5", &info, b);
  for (int l = 0; l < L; l++)
    g_assert_cmpint (b[l], ==, E);

  budgets ("topp:p=0.5,schedule=uniform", &info, b);
  for (int l = 0; l < L; l++)
    g_assert_cmpint (b[l], ==, 8);      /* khi = min (E, 2 native k) */

  budgets ("topp:p=0.5,schedule=descending", &info, b);
  g_assert_true (non_increasing (b, L));
  g_assert_cmpint (b[0], ==, 8);
  g_assert_cmpint (b[L - 1], ==, 1);

  budgets ("topp:p=0.5,schedule=ascending,klo=2,khi=6", &info, b);
  g_assert_true (non_decreasing (b, L));
  g_assert_cmpint (b[0], ==, 2);
  g_assert_cmpint (b[L - 1], ==, 6);
  g_assert_cmpint (b[4], ==, 4);

  budgets ("topp:p=0.5,schedule=pyramid", &info, b);
  g_assert_true (non_decreasing (b, 5));
  g_assert_true (non_increasing (b + 4, 5));
  g_assert_cmpint (b[4], ==, 8);
  g_assert_cmpint (b[0], ==, 1);
  g_assert_cmpint (b[8], ==, 1);

  budgets ("topp:p=0.5,schedule=valley", &info, b);
  g_assert_true (non_increasing (b, 5));
  g_assert_true (non_decreasing (b + 4, 5));
  g_assert_cmpint (b[4], ==, 1);
  g_assert_cmpint (b[0], ==, 8);
  g_assert_cmpint (b[8], ==, 8);

  /* wave, 2 cycles over 9 layers: x = 0, 1/4, 1/2, 3/4, 1 at l = 0, 2, 4, 6, 8 */
  budgets ("topp:p=0.5,schedule=wave", &info, b);
  g_assert_cmpint (b[0], ==, 1);
  g_assert_cmpint (b[2], ==, 8);
  g_assert_cmpint (b[4], ==, 1);
  g_assert_cmpint (b[6], ==, 8);
  g_assert_cmpint (b[8], ==, 1);
  for (int l = 1; l < L - 1; l++)
    if (b[l] > b[l - 1] && b[l] >= b[l + 1])
      maxima++;
  g_assert_cmpint (maxima, ==, 2);

  budgets ("topp:p=0.5,schedule=wave,cycles=1", &info, b);
  g_assert_cmpint (b[4], ==, 8);
  g_assert_cmpint (b[0], ==, 1);
  g_assert_cmpint (b[8], ==, 1);

  budgets ("topp:p=0.5,custom=4/3/2/2/1/1/1/1/5", &info, b);
  {
    int want[] = { 4, 3, 2, 2, 1, 1, 1, 1, 5 };

    g_assert_cmpmem (b, sizeof want, want, sizeof want);
  }

  /* L = 1: x = 0 */
  budgets ("topp:p=0.5,schedule=descending", &one, b);
  g_assert_cmpint (b[0], ==, 8);
  budgets ("topp:p=0.5,schedule=ascending", &one, b);
  g_assert_cmpint (b[0], ==, 1);

  /* K never exceeds the budget; topk takes K = budget */
  {
    const char *specs[] = {
      "topp:p=0.95,schedule=descending", "minp:t=0.01,schedule=pyramid",
      "quantile:q=0.3,schedule=valley", "adr:theta=0,kdeep=16,schedule=wave",
      "topk:schedule=ascending", "topp:p=0.9,custom=4/3/2/2/1/1/1/1/5",
    };

    for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
      {
        g_autoptr (SyTrace) trace = random_trace (40, E, L, 77, 1.0);
        g_autoptr (SyRouterSpec) spec = parse_ok (specs[i]);

        route_ok (specs[i], &info, trace, NULL);
        for (int l = 0; l < L; l++)
          {
            const SyTraceLayer *la = &trace->layers[l];

            g_assert_cmpint (la->budget, ==, sy_router_layer_budget (spec, &info, l));
            for (int t = 0; t < 40; t++)
              {
                check_cell (la, t, E);
                g_assert_cmpint (la->k[t], <=, la->budget);
                if (spec->policy == SY_POLICY_TOPK)
                  g_assert_cmpint (la->k[t], ==, la->budget);
              }
          }
      }
  }
}

/* DA on a hand-computed example: n = 5, two heads. */
static void
test_da_hand (void)
{
  const int n = 5, E = 8;
  /* head 0: rows sum to 1; head 1: every query attends to itself */
  const float h0[5][5] = {
    { 1.0f },
    { 0.5f, 0.5f },
    { 0.4f, 0.2f, 0.4f },
    { 0.4f, 0.1f, 0.1f, 0.4f },
    { 0.2f, 0.2f, 0.2f, 0.2f, 0.2f },
  };
  float attn[2 * 5 * 5] = { 0, };
  float recv[5];
  /* recv = ([2.5, 1.0, 0.7, 0.6, 0.2] + 1) / 2 */
  const double want_recv[5] = { 1.75, 1.0, 0.85, 0.8, 0.6 };
  /* imp = recv / (n - j) = [0.35, 0.25, 0.28333, 0.4, 0.6]; mean 0.37667,
   * std 0.1232: no sink above mean + 4 std, token 0 is a sink.
   * Non-sinks sum to 1.53333, n_eff = 4; k = 2:
   * K_j = round (2 * 4 * imp_j / 1.53333) = round (1.304, 1.478, 2.087, 3.130) */
  const int want_budget[5] = { 1, 1, 1, 2, 3 };
  /* linear over non-sinks, min 0.25 max 0.6, kmin 1 kmax 4:
   * 1 + 3 * (0, 0.0952, 0.4286, 1) = 1, 1.29, 2.29, 4 */
  const int want_linear[5] = { 1, 1, 1, 2, 4 };
  const double want_imp[5] = { 0.35 / 0.6, 0.25 / 0.6, 0.85 / 3 / 0.6, 0.4 / 0.6, 1.0 };
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);

  for (int i = 0; i < n; i++)
    {
      for (int j = 0; j <= i; j++)
        attn[i * n + j] = h0[i][j];
      attn[n * n + i * n + i] = 1.0f;
      /* garbage above the diagonal must be ignored */
      if (i + 1 < n)
        attn[i * n + i + 1] = 7.0f;
    }
  sy_router_attn_recv (attn, 2, n, recv);
  for (int j = 0; j < n; j++)
    g_assert_cmpfloat_with_epsilon (recv[j], want_recv[j], 1e-6);

  for (int linear = 0; linear < 2; linear++)
    {
      g_autoptr (SyTrace) trace = random_trace (n, E, 1, 3, 2.0);
      const SyTraceLayer *l = &trace->layers[0];

      route_ok (linear ? "da:map=linear" : "da", &info, trace, recv);
      for (int t = 0; t < n; t++)
        {
          int order[8];

          check_cell (l, t, E);
          g_assert_cmpint (l->k[t], ==, linear ? want_linear[t] : want_budget[t]);
          g_assert_cmpfloat_with_epsilon (l->importance[t], want_imp[t], 1e-6);
          g_assert_cmpint (!!(l->flags[t] & SY_CELL_SINK), ==, t == 0);
          ref_order (l->probs + t * E, E, order);
          for (int j = 0; j < l->k[t]; j++)
            g_assert_cmpint (l->experts[t * E + j], ==, order[j]);
        }
    }

  /* kmin applies to sinks; k scales the budget */
  {
    g_autoptr (SyTrace) trace = random_trace (n, E, 1, 3, 2.0);

    route_ok ("da:k=4,kmin=2,kmax=8", &info, trace, recv);
    /* round (16 / 1.53333 * imp) = round (2.61, 2.96, 4.17, 6.26) */
    g_assert_cmpint (trace->layers[0].k[0], ==, 2);
    g_assert_cmpint (trace->layers[0].k[1], ==, 3);
    g_assert_cmpint (trace->layers[0].k[2], ==, 3);
    g_assert_cmpint (trace->layers[0].k[3], ==, 4);
    g_assert_cmpint (trace->layers[0].k[4], ==, 6);
  }
}

static void
test_da_sinks_and_mean (void)
{
  const int n = 64, E = 16;
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  float recv[64];
  double sum = 0;
  int n_eff = 0;

  /* imp_j uniform in [0.5, 1.5] x 0.1, token 7 an attention sink */
  for (int j = 0; j < n; j++)
    recv[j] = (float) (g_rand_double_range (rand, 0.05, 0.15) * (n - j));
  recv[7] = 10.0f * (n - 7);

  {
    g_autoptr (SyTrace) trace = random_trace (n, E, 1, 4, 2.0);
    const SyTraceLayer *l = &trace->layers[0];

    route_ok ("da:kmin=1", &info, trace, recv);
    for (int t = 0; t < n; t++)
      {
        gboolean sink = t == 0 || t == 7;

        check_cell (l, t, E);
        g_assert_cmpint (!!(l->flags[t] & SY_CELL_SINK), ==, sink);
        g_assert_cmpfloat (l->importance[t], >=, 0);
        g_assert_cmpfloat (l->importance[t], <=, 1);
        if (sink)
          g_assert_cmpint (l->k[t], ==, 1);
        else
          {
            sum += l->k[t];
            n_eff++;
            g_assert_cmpint (l->k[t], >=, 1);
            g_assert_cmpint (l->k[t], <=, 4);
          }
      }
    g_assert_cmpfloat (l->importance[7], ==, 1.0f);
    /* the budget map keeps the mean K of non-sinks near k */
    g_assert_cmpfloat (fabs (sum / n_eff - 2.0), <, 0.35);
  }

  /* NULL attention is an error, not a crash */
  {
    g_autoptr (SyTrace) trace = random_trace (n, E, 1, 4, 2.0);
    g_autoptr (SyRouterSpec) spec = parse_ok ("da");
    g_autoptr (GError) error = NULL;

    g_assert_false (sy_router_route (spec, &info, 0, n, 0, NULL, &trace->layers[0], &error));
    g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
    g_clear_error (&error);
    /* and da is not causal: it routes the whole text */
    g_assert_false (sy_router_route (spec, &info, 0, n, 3, recv, &trace->layers[0], &error));
    g_assert_nonnull (strstr (error->message, "not causal"));
    g_assert_false (sy_router_spec_is_causal (spec));
  }
}

static int
cmp_float_asc (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

static void
test_quantile (void)
{
  const int n = 30, E = 8;
  SyRouterModelInfo info = softmax_info (E, 2, 2, SY_NATIVE_WEIGHTS_RENORM);
  double qs[] = { 0.0, 0.5, 0.8, 0.9, 0.99, 1.0 };

  for (guint i = 0; i < G_N_ELEMENTS (qs); i++)
    {
      g_autoptr (SyTrace) trace = random_trace (n, E, 2, 21, 3.0);
      g_autofree char *spec = g_strdup_printf ("quantile:q=%g,schedule=uniform,khi=3", qs[i]);

      route_ok (spec, &info, trace, NULL);
      for (int l = 0; l < 2; l++)
        {
          const SyTraceLayer *la = &trace->layers[l];
          g_autofree float *all = g_memdup2 (la->probs, sizeof (float) * n * E);
          float tau;

          g_qsort_with_data (all, n * E, sizeof (float), cmp_float_asc, NULL);
          tau = all[(int) floor (qs[i] * (n * E - 1))];
          g_assert_cmpint (la->budget, ==, 3);
          for (int t = 0; t < n; t++)
            {
              int K = 0;

              check_cell (la, t, E);
              for (int e = 0; e < E; e++)
                K += la->probs[t * E + e] >= tau;
              K = CLAMP (K, 1, 3);
              g_assert_cmpint (la->k[t], ==, K);
            }
        }
    }
  {
    g_autoptr (SyRouterSpec) spec = parse_ok ("quantile");

    g_assert_false (sy_router_spec_is_causal (spec));
    g_assert_true (isnan (spec->q));
  }
}

static void
test_adr (void)
{
  const int n = 40, E = 8;
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  SyRouterModelInfo shared = info;

  shared.has_shared_experts = TRUE;

  for (int mode = 0; mode < 5; mode++)
    {
      static const char *specs[] = {
        "adr:theta=0", "adr:theta=1", "adr", "adr:theta=0.25,u=1,gamma=0.5,kdeep=3,kshallow=2",
        "adr:theta=1,shallow=shared",
      };
      g_autoptr (SyTrace) trace = random_trace (n, E, 1, 31, 2.0);
      const SyTraceLayer *l = &trace->layers[0];

      /* token 0: uniform router, c = 1 */
      for (int e = 0; e < E; e++)
        trace->layers[0].logits[e] = 0.25f;
      route_ok (specs[mode], mode == 4 ? &shared : &info, trace, NULL);
      for (int t = 0; t < n; t++)
        {
          double c = l->entropy[t] / log (E);
          gboolean deep;

          check_cell (l, t, E);
          g_assert_cmpfloat_with_epsilon (l->complexity[t], c, 1e-6);
          switch (mode)
            {
            case 0:
              deep = TRUE;
              break;
            case 1:
            case 4:
              deep = t == 0;
              break;
            case 2:
              deep = l->complexity[t] >= 0.5;
              break;
            default:
              deep = l->complexity[t] - 0.5 >= 0.25;
              break;
            }
          g_assert_cmpint (l->depth[t], ==, deep ? SY_DEPTH_DEEP : SY_DEPTH_SHALLOW);
          if (mode == 3)
            g_assert_cmpint (l->k[t], ==, deep ? 3 : 2);
          else if (mode == 4)
            g_assert_cmpint (l->k[t], ==, deep ? 2 : 0);
          else
            g_assert_cmpint (l->k[t], ==, deep ? 2 : 1);
        }
      g_assert_cmpfloat (l->complexity[0], ==, 1.0f);
    }

  /* shallow=shared needs shared experts */
  {
    g_autoptr (SyRouterSpec) spec = parse_ok ("adr:shallow=shared");
    g_autoptr (GError) error = NULL;

    g_assert_false (sy_router_spec_check (spec, &info, &error));
    g_assert_nonnull (strstr (error->message, "shallow=shared"));
  }
}

static float
logit_of (float s)
{
  return logf (s / (1 - s));
}

/* DeepSeek-V3 style: sigmoid scores, selection bias, group-limited top-k. */
static void
test_sigmoid_groups (void)
{
  const int E = 8;
  const float s[8] = { 0.9f, 0.1f, 0.6f, 0.5f, 0.2f, 0.8f, 0.3f, 0.4f };
  const float bias[8] = { 0, 0, 0.1f, 0.1f, 0, 0, 0.45f, 0.45f };
  const float *biases[1] = { bias };
  SyRouterModelInfo info = {
    .n_experts = E, .native_k = 2, .n_moe_layers = 1,
    .activation = SY_ROUTER_SIGMOID, .native_weights = SY_NATIVE_WEIGHTS_SIGMOID,
    .norm_topk_prob = TRUE, .routed_scaling_factor = 2.5f,
    .n_group = 4, .topk_group = 2, .has_shared_experts = TRUE,
    .selection_bias = biases,
  };
  g_autoptr (SyTrace) trace = sy_trace_new (1, E, 1, 1);
  SyTraceLayer *l = &trace->layers[0];

  for (int e = 0; e < E; e++)
    l->logits[e] = logit_of (s[e]);

  /* s + b = .9 .1 | .7 .6 | .2 .8 | .75 .85; group scores (top-2 sums)
   * 1.0, 1.3, 1.0, 1.6: groups 3 and 1 stay (mask 0b1010); the best two
   * of experts 2, 3, 6, 7 are 7 (.85) and 6 (.75), not expert 0 (.9). */
  route_ok ("native", &info, trace, NULL);
  g_assert_cmpint (l->group_mask[0], ==, 0xa);
  g_assert_cmpint (l->k[0], ==, 2);
  g_assert_cmpint (l->experts[0], ==, 7);
  g_assert_cmpint (l->experts[1], ==, 6);
  /* weights: s over S, times routed_scaling_factor */
  g_assert_cmpfloat_with_epsilon (l->weights[0], 0.4 / 0.7 * 2.5, 1e-5);
  g_assert_cmpfloat_with_epsilon (l->weights[1], 0.3 / 0.7 * 2.5, 1e-5);
  /* pi = s / sum s, sum s = 3.8 */
  for (int e = 0; e < E; e++)
    g_assert_cmpfloat_with_epsilon (l->probs[e], s[e] / 3.8, 1e-6);
  g_assert_cmpfloat_with_epsilon (l->cum[0], 0.7 / 3.8, 1e-6);

  /* chosen 7, 6, 2 (ranking), stored by descending weight s: 2, 7, 6 */
  route_ok ("topk:k=3", &info, trace, NULL);
  g_assert_cmpint (l->experts[0], ==, 2);
  g_assert_cmpint (l->experts[1], ==, 7);
  g_assert_cmpint (l->experts[2], ==, 6);

  route_ok ("topk:k=2,weights=raw", &info, trace, NULL);
  g_assert_cmpfloat_with_epsilon (l->weights[0], 0.4 / 3.8, 1e-6);

  /* top-p ranks by s + b over all experts (no groups): 0 (.9), 7 (.85),
   * 5 (.8); cumulative pi .237, .342, .553 > .4: K = 3; native weights
   * s / (.9 + .4 + .8) * 2.5, by descending weight: 0, 5, 7 */
  route_ok ("topp:p=0.4", &info, trace, NULL);
  g_assert_cmpint (l->group_mask[0], ==, 0);
  g_assert_cmpint (l->k[0], ==, 3);
  g_assert_cmpint (l->experts[0], ==, 0);
  g_assert_cmpint (l->experts[1], ==, 5);
  g_assert_cmpint (l->experts[2], ==, 7);
  g_assert_cmpfloat_with_epsilon (l->weights[0], 0.9 / 2.1 * 2.5, 1e-5);
  g_assert_cmpfloat_with_epsilon (l->weights[2], 0.4 / 2.1 * 2.5, 1e-5);

  /* without norm_topk_prob: s * scale */
  info.norm_topk_prob = FALSE;
  route_ok ("native", &info, trace, NULL);
  g_assert_cmpfloat_with_epsilon (l->weights[0], 0.4 * 2.5, 1e-5);
}

static void
test_nan_fallback (void)
{
  const int n = 4, E = 8;
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = random_trace (n, E, 1, 41, 2.0);
  SyTraceLayer *l = &trace->layers[0];

  l->logits[1 * E + 3] = NAN;
  for (int e = 0; e < E; e++)
    l->logits[2 * E + e] = NAN;
  route_ok ("topp:p=0.99", &info, trace, NULL);
  for (int t = 0; t < n; t++)
    {
      float sum = 0;

      check_cell (l, t, E);
      for (int e = 0; e < E; e++)
        {
          g_assert_false (isnan (l->probs[t * E + e]));
          sum += l->probs[t * E + e];
        }
      g_assert_cmpfloat_with_epsilon (sum, 1.0, 1e-5);
      g_assert_false (isnan (l->entropy[t]));
      if (t == 1 || t == 2)
        {
          g_assert_cmpint (l->flags[t], ==, SY_CELL_NAN_FALLBACK);
          g_assert_cmpint (l->k[t], ==, 2);
        }
      else
        {
          g_assert_cmpint (l->flags[t], ==, 0);
          g_assert_cmpint (l->k[t], >, 2);
        }
    }
  g_assert_cmpfloat (l->probs[1 * E + 3], ==, 0.0f);
  g_assert_cmpint (l->experts[1 * E + 0], !=, 3);
  g_assert_cmpfloat (l->probs[2 * E + 5], ==, 1.0f / E);
}

/* A demo model trained with a dynamic policy: `native` runs that policy. */
static void
test_dynamic_native (void)
{
  const int n = 30, E = 8;
  g_autoptr (SyRouterSpec) own = parse_ok ("topp:p=0.4,weights=raw");
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) a = random_trace (n, E, 1, 51, 2.0);
  g_autoptr (SyTrace) b = sy_trace_copy (a);

  info.native = own;
  route_ok ("native", &info, a, NULL);
  route_ok ("topp:p=0.4,weights=raw", &info, b, NULL);
  g_assert_cmpmem (a->layers[0].k, n * sizeof (int), b->layers[0].k, n * sizeof (int));
  g_assert_cmpmem (a->layers[0].weights, n * E * sizeof (float),
                   b->layers[0].weights, n * E * sizeof (float));
}

static void
test_spec_round_trip (void)
{
  const char *specs[] = {
    "native", "native:weights=raw", "topk:k=2", "topk", "topp:p=0.4",
    "topp:p=0.4,kmin=2,kmax=4,schedule=descending", "minp:t=0.1,kmax=3",
    "da:k=2,kmin=1,kmax=6,map=linear", "da", "quantile:q=0.95", "quantile",
    "adr:theta=0.3,gamma=0.2,u=0.5,kdeep=4,kshallow=2,shallow=shared", "adr",
    "topp:p=0.3,schedule=wave,klo=1,khi=6,cycles=3", "topp:p=0.4,schedule=custom,custom=4/3/2",
    "topk:schedule=pyramid,weights=renorm", " topp : p = 0.25 , weights = raw ",
    "minp:t=0.123456789012345", "topp:p=0.1,schedule=valley,klo=2",
    "ser:kmin=2,t=0.3", "ser:t=0.5", "ser:kmin=1,t=0.2,schedule=descending,weights=raw",
  };

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr (SyRouterSpec) a = parse_ok (specs[i]);
      g_autofree char *text = sy_router_spec_to_string (a);
      g_autoptr (SyRouterSpec) b = parse_ok (text);
      g_autofree char *text2 = sy_router_spec_to_string (b);
      g_autoptr (SyRouterSpec) c = sy_router_spec_copy (b);
      g_autofree char *text3 = sy_router_spec_to_string (c);

      g_assert_cmpstr (text, ==, text2);
      g_assert_cmpstr (text, ==, text3);
      g_assert_cmpint (a->policy, ==, b->policy);
      g_assert_cmpint (a->weights, ==, b->weights);
      g_assert_cmpint (a->schedule, ==, b->schedule);
      g_assert_cmpint (a->k, ==, b->k);
      g_assert_cmpint (a->kmin, ==, b->kmin);
      g_assert_cmpint (a->kmax, ==, b->kmax);
      g_assert_cmpint (a->n_custom, ==, b->n_custom);
      g_assert_true (a->p == b->p || (isnan (a->p) && isnan (b->p)));
      g_assert_true (a->t == b->t || (isnan (a->t) && isnan (b->t)));
      g_assert_true (a->theta == b->theta || (isnan (a->theta) && isnan (b->theta)));
    }

  {
    g_autoptr (SyRouterSpec) a = parse_ok ("topk:k=native");
    g_autofree char *text = sy_router_spec_to_string (a);

    g_assert_cmpstr (text, ==, "topk");
    g_assert_true (sy_router_spec_is_causal (a));
  }
  {
    g_autoptr (SyRouterSpec) a = parse_ok (" topp : p = 0.25 , weights = raw ");
    g_autofree char *text = sy_router_spec_to_string (a);

    g_assert_cmpstr (text, ==, "topp:p=0.25,weights=raw");
  }
  {
    g_autoptr (SyRouterSpec) a = parse_ok ("ser:t=0.25,kmin=2");
    g_autofree char *text = sy_router_spec_to_string (a);

    g_assert_cmpstr (text, ==, "ser:kmin=2,t=0.25");
    g_assert_true (sy_router_spec_is_causal (a));
  }
  {
    g_autoptr (SyRouterSpec) a = parse_ok ("topp:p=0.4,custom=4/3/2");
    g_autofree char *text = sy_router_spec_to_string (a);

    g_assert_cmpint (a->schedule, ==, SY_SCHEDULE_CUSTOM);
    g_assert_cmpint (a->custom[2], ==, 2);
    g_assert_cmpstr (text, ==, "topp:p=0.4,schedule=custom,custom=4/3/2");
  }
}

static void
test_spec_errors (void)
{
  const struct { const char *spec; const char *message; } parse_errors[] = {
    { "", "empty" },
    { "bogus", "unknown policy 'bogus'" },
    { "bogus:k=2", "unknown policy 'bogus'" },
    { "topp:p=0.4,foo=1", "unknown option 'foo'" },
    { "topp:k=2", "option 'k' does not apply to policy topp" },
    { "native:schedule=uniform", "option 'schedule' does not apply to policy native" },
    { "topp:p=1.5", "p=1.5 is outside [0,1]" },
    { "topp:p=-0.1", "p=-0.1 is outside [0,1]" },
    { "minp:t=2", "t=2 is outside [0,1]" },
    { "quantile:q=1.01", "q=1.01 is outside [0,1]" },
    { "adr:theta=3", "theta=3 is outside [0,1]" },
    { "topp:p=abc", "p=abc: not a number" },
    { "topp:p=0.4x", "p=0.4x: not a number" },
    { "topp:p=nan", "p=nan: not a number" },
    { "topp:p=", "p=: not a number" },
    { "topk:k=two", "k=two: not an integer" },
    { "topk:k=2.5", "k=2.5: not an integer" },
    { "topk:k=0", "k=0: must be at least 1" },
    { "topp:p=0.4,schedule=zigzag", "unknown schedule 'zigzag'" },
    { "topp:p=0.4,weights=cubic", "unknown weights 'cubic'" },
    { "da:map=cubic", "unknown map 'cubic'" },
    { "adr:shallow=deep", "unknown shallow 'deep'" },
    { "topp:p=0.4,p=0.5", "option 'p' given twice" },
    { "topp:p", "option 'p' needs a value" },
    { "topp:p=0.4,,kmax=2", "empty option" },
    { "topp:p=0.4,custom=4/x/2", "custom=4/x/2" },
    { "topp:p=0.4,schedule=custom", "schedule=custom needs custom=" },
    { "topp:p=0.4,schedule=uniform,custom=1/2", "custom= needs schedule=custom" },
    { "topp:p=0.4,klo=2", "option 'klo' needs a schedule" },
    { "topp:p=0.4,schedule=uniform,cycles=2", "'cycles' applies only to schedule=wave" },
    { "topp:p=0.4,schedule=wave,klo=5,khi=2", "klo=5 is larger than khi=2" },
    { "topp:p=0.4,kmin=5,kmax=2", "kmin=5 is larger than kmax=2" },
    { "topk:k=2,schedule=uniform", "topk takes either k= or schedule=" },
    { "minp", "minp needs t=" },
    { "ser:kmin=2", "ser needs t=" },
    { "ser:t=1.5", "t=1.5 is outside [0,1]" },
    { "ser:t=0.5,kmax=3", "option 'kmax' does not apply to policy ser" },
    { "ser:t=0.5,k=3", "option 'k' does not apply to policy ser" },
    { "adr:gamma=-1", "gamma=-1 must not be negative" },
    { "topp:p=0.4,schedule=wave,cycles=0", "cycles=0 must be positive" },
  };
  const struct { const char *spec; const char *message; } check_errors[] = {
    { "topk:k=9", "k=9 is outside 1..8" },
    { "topp:p=0.4,kmax=12", "kmax=12 is outside 1..8" },
    { "da:kmin=6", "kmin=6 is larger than kmax=4" },
    { "topp:p=0.4,custom=4/3", "custom schedule has 2 entries but the model has 3 MoE layers" },
    { "topp:p=0.4,custom=4/3/9", "custom entry 3 (9) is outside 1..8" },
    { "topp:p=0.4,schedule=ascending,klo=6", "klo=6 is larger than khi=4" },
    { "adr:kdeep=20", "kdeep=20 is outside 1..8" },
    { "adr:shallow=shared", "shallow=shared" },
  };
  SyRouterModelInfo info = softmax_info (8, 2, 3, SY_NATIVE_WEIGHTS_RENORM);

  for (guint i = 0; i < G_N_ELEMENTS (parse_errors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (parse_errors[i].spec, &error);

      g_assert_null (spec);
      g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
      if (strstr (error->message, parse_errors[i].message) == NULL)
        g_error ("spec '%s': message '%s' lacks '%s'", parse_errors[i].spec,
                 error->message, parse_errors[i].message);
    }
  for (guint i = 0; i < G_N_ELEMENTS (check_errors); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyRouterSpec) spec = parse_ok (check_errors[i].spec);
      g_autoptr (SyTrace) trace = random_trace (2, 8, 1, 1, 1.0);

      g_assert_false (sy_router_spec_check (spec, &info, &error));
      g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
      if (strstr (error->message, check_errors[i].message) == NULL)
        g_error ("spec '%s': message '%s' lacks '%s'", check_errors[i].spec,
                 error->message, check_errors[i].message);
      g_clear_error (&error);
      /* routing checks too */
      g_assert_false (sy_router_route (spec, &info, 0, 2, 0, NULL, &trace->layers[0], &error));
      g_assert_nonnull (error);
    }
}

/* Dual-scale experts (DASG-MoE demo models): adr decides shallow or deep,
 * then picks the top experts inside that group only. */
static void
test_adr_dual_scale (void)
{
  const int E = 8, Es = 4, n = 200;
  SyRouterModelInfo info = softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = random_trace (n, E, 1, 77, 3.0);
  SyTraceLayer *l = &trace->layers[0];
  int n_deep = 0, n_shallow = 0;

  info.n_shallow_experts = Es;
  route_ok ("adr:theta=0.6,kdeep=2,kshallow=2,weights=renorm", &info, trace, NULL);
  for (int t = 0; t < n; t++)
    {
      const float *p = l->probs + t * E;
      gboolean deep = l->depth[t] == SY_DEPTH_DEEP;
      int lo = deep ? Es : 0, hi = deep ? E : Es;
      float wsum = 0;

      g_assert_cmpint (l->depth[t], !=, SY_DEPTH_NONE);
      g_assert_cmpint (l->k[t], ==, 2);
      g_assert_cmpint (l->group_mask[t], ==, deep ? 2 : 1);
      n_deep += deep;
      n_shallow += !deep;
      for (int j = 0; j < l->k[t]; j++)
        {
          int e = l->experts[t * E + j];

          g_assert_cmpint (e, >=, lo);
          g_assert_cmpint (e, <, hi);
          /* no expert of the group outranks a chosen one unchosen */
          for (int o = lo; o < hi; o++)
            {
              gboolean chosen = o == l->experts[t * E] || o == l->experts[t * E + 1];
              if (!chosen)
                g_assert_cmpfloat (p[o], <=, p[e]);
            }
          wsum += l->weights[t * E + j];
        }
      g_assert_cmpfloat_with_epsilon (wsum, 1.0, 1e-5);
    }
  /* both decisions occur on random logits of this spread */
  g_assert_cmpint (n_deep, >, 0);
  g_assert_cmpint (n_shallow, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/router/softmax-probs-entropy", test_softmax_probs_entropy);
  g_test_add_func ("/router/native-topk", test_native_topk);
  g_test_add_func ("/router/ties", test_ties);
  g_test_add_func ("/router/topp", test_topp);
  g_test_add_func ("/router/topp-options", test_topp_options);
  g_test_add_func ("/router/minp", test_minp);
  g_test_add_func ("/router/ser", test_ser);
  g_test_add_func ("/router/schedules", test_schedules);
  g_test_add_func ("/router/da-hand", test_da_hand);
  g_test_add_func ("/router/da-sinks-mean", test_da_sinks_and_mean);
  g_test_add_func ("/router/quantile", test_quantile);
  g_test_add_func ("/router/adr", test_adr);
  g_test_add_func ("/router/sigmoid-groups", test_sigmoid_groups);
  g_test_add_func ("/router/nan-fallback", test_nan_fallback);
  g_test_add_func ("/router/dynamic-native", test_dynamic_native);
  g_test_add_func ("/router/spec-round-trip", test_spec_round_trip);
  g_test_add_func ("/router/spec-errors", test_spec_errors);
  g_test_add_func ("/router/adr-dual-scale", test_adr_dual_scale);
  return g_test_run ();
}
