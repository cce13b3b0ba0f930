/* test-router.c: routing policies on hand-made router logits
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No model needed: router logits are written into a trace layer by hand
 * (or from a seeded random generator) and every rule of
 * docs/routing.md is checked independently of the engine code.  The
 * layer budget schedules and dynamic attention are test-router-da.c, the
 * spec syntax test-router-spec.c.
 */
#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-router.h"
#include "sy-test-router.h"
#include "sy-test-util.h"
#include "sy-trace.h"

static void
test_softmax_probs_entropy (void)
{
  const int E = 8, n = 20;
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 1, 30.0);
  SyTraceLayer *l = &trace->layers[0];

  /* a large offset: the softmax must be stable */
  for (int e = 0; e < E; e++)
    l->logits[e] += 1000.0f;
  sy_test_route_all ("native", &info, trace, NULL);
  for (int t = 0; t < n; t++)
    {
      double p[8], h = 0, sum = 0;

      sy_test_ref_softmax (l->logits + t * E, E, p);
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
        SyRouterModelInfo info = sy_test_softmax_info (E, k, 2, rules[r]);
        g_autoptr (SyTrace) a = sy_test_random_trace (n, E, 2, 7 + k, 3.0);
        g_autoptr (SyTrace) b = sy_trace_copy (a);
        g_autofree char *topk = g_strdup_printf ("topk:k=%d", k);

        sy_test_route_all ("native", &info, a, NULL);
        sy_test_route_all (topk, &info, b, NULL);
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

                sy_test_check_cell (la, t, E);
                g_assert_cmpint (la->k[t], ==, k);
                sy_test_ref_order (la->probs + t * E, E, order);
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
  SyRouterModelInfo info = sy_test_softmax_info (E, 3, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = sy_trace_new (1, E, 1, 1);
  float z[6] = { 0.5f, 1.0f, 0.5f, 1.0f, 0.5f, 0.0f };

  memcpy (trace->layers[0].logits, z, sizeof z);
  sy_test_route_all ("native", &info, trace, NULL);
  g_assert_cmpint (trace->layers[0].experts[0], ==, 1);
  g_assert_cmpint (trace->layers[0].experts[1], ==, 3);
  g_assert_cmpint (trace->layers[0].experts[2], ==, 0);
}

static void
test_topp (void)
{
  const int E = 16, n = 200;
  SyRouterModelInfo info = sy_test_softmax_info (E, 4, 2, SY_NATIVE_WEIGHTS_RAW);
  double ps[] = { 0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99, 1.0 };
  double spreads[] = { 0.5, 3.0, 10.0 };
  float prev_avg = 0;

  for (guint si = 0; si < G_N_ELEMENTS (spreads); si++)
    {
      prev_avg = 0;
      for (guint pi = 0; pi < G_N_ELEMENTS (ps); pi++)
        {
          g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 2, 100 + si, spreads[si]);
          g_autofree char *spec = g_strdup_printf ("topp:p=%g", ps[pi]);
          float P = (float) ps[pi];
          float avg;

          sy_test_route_all (spec, &info, trace, NULL);
          for (int l = 0; l < 2; l++)
            for (int t = 0; t < n; t++)
              {
                const SyTraceLayer *la = &trace->layers[l];
                const float *pr = la->probs + t * E;
                int order[16], K = E;
                float c = 0;

                sy_test_check_cell (la, t, E);
                sy_test_ref_order (pr, E, order);
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
          avg = sy_test_avg_k (trace);
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
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) a = sy_test_random_trace (n, E, 1, 5, 3.0);
  g_autoptr (SyTrace) raw = sy_trace_copy (a);
  g_autoptr (SyTrace) clamp = sy_trace_copy (a);

  sy_test_route_all ("topp:p=0.5", &info, a, NULL);
  sy_test_route_all ("topp:p=0.5,weights=raw", &info, raw, NULL);
  sy_test_route_all ("topp:p=0.5,kmin=2,kmax=3", &info, clamp, NULL);
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
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  double ts[] = { 0.0, 0.05, 0.2, 0.5, 1.0 };

  for (guint i = 0; i < G_N_ELEMENTS (ts); i++)
    for (int clamp = 0; clamp < 2; clamp++)
      {
        g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 9, 3.0);
        g_autofree char *spec = g_strdup_printf ("minp:t=%g%s", ts[i], clamp ? ",kmin=2,kmax=5" : "");
        const SyTraceLayer *l = &trace->layers[0];

        sy_test_route_all (spec, &info, trace, NULL);
        for (int t = 0; t < n; t++)
          {
            const float *pr = l->probs + t * E;
            float top = 0;
            int K = 0;

            sy_test_check_cell (l, t, E);
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
  SyRouterModelInfo info = sy_test_softmax_info (E, k, 1, SY_NATIVE_WEIGHTS_RENORM);
  double ts[] = { 0.0, 0.05, 0.2, 0.5, 0.9, 1.0 };
  int kmins[] = { 1, 2, 6, 9 };

  for (guint i = 0; i < G_N_ELEMENTS (ts); i++)
    for (guint m = 0; m < G_N_ELEMENTS (kmins); m++)
      {
        g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 21, 3.0);
        g_autoptr (SyTrace) minp = sy_test_random_trace (n, E, 1, 21, 3.0);
        g_autoptr (SyTrace) native = sy_test_random_trace (n, E, 1, 21, 3.0);
        g_autofree char *spec = g_strdup_printf ("ser:kmin=%d,t=%g", kmins[m], ts[i]);
        g_autofree char *minp_spec = g_strdup_printf ("minp:t=%g,kmin=%d,kmax=%d",
                                                      ts[i], MIN (kmins[m], k), k);
        const SyTraceLayer *l = &trace->layers[0];
        int sum_k = 0;

        sy_test_route_all (spec, &info, trace, NULL);
        sy_test_route_all (minp_spec, &info, minp, NULL);
        sy_test_route_all ("native", &info, native, NULL);
        for (int t = 0; t < n; t++)
          {
            const float *pr = l->probs + t * E;
            int order[16];
            int K = MIN (kmins[m], k);

            sy_test_check_cell (l, t, E);
            sy_test_ref_order (pr, E, order);
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
    SyRouterModelInfo info5 = sy_test_softmax_info (5, 4, 1, SY_NATIVE_WEIGHTS_RAW);
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
        sy_test_route_all (cases[c].spec, &info5, trace, NULL);
        g_assert_cmpint (trace->layers[0].k[0], ==, cases[c].K);
        g_assert_cmpint (trace->layers[0].experts[0], ==, 0);
      }
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
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 2, SY_NATIVE_WEIGHTS_RENORM);
  double qs[] = { 0.0, 0.5, 0.8, 0.9, 0.99, 1.0 };

  for (guint i = 0; i < G_N_ELEMENTS (qs); i++)
    {
      g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 2, 21, 3.0);
      g_autofree char *spec = g_strdup_printf ("quantile:q=%g,schedule=uniform,khi=3", qs[i]);

      sy_test_route_all (spec, &info, trace, NULL);
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

              sy_test_check_cell (la, t, E);
              for (int e = 0; e < E; e++)
                K += la->probs[t * E + e] >= tau;
              K = CLAMP (K, 1, 3);
              g_assert_cmpint (la->k[t], ==, K);
            }
        }
    }
  {
    g_autoptr (SyRouterSpec) spec = sy_test_parse_spec ("quantile");

    g_assert_false (sy_router_spec_is_causal (spec));
    g_assert_true (isnan (spec->q));
  }
}

static void
test_adr (void)
{
  const int n = 40, E = 8;
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  SyRouterModelInfo shared = info;

  shared.has_shared_experts = TRUE;

  for (int mode = 0; mode < 5; mode++)
    {
      static const char *specs[] = {
        "adr:theta=0", "adr:theta=1", "adr", "adr:theta=0.25,u=1,gamma=0.5,kdeep=3,kshallow=2",
        "adr:theta=1,shallow=shared",
      };
      g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 31, 2.0);
      const SyTraceLayer *l = &trace->layers[0];

      /* token 0: uniform router, c = 1 */
      for (int e = 0; e < E; e++)
        trace->layers[0].logits[e] = 0.25f;
      sy_test_route_all (specs[mode], mode == 4 ? &shared : &info, trace, NULL);
      for (int t = 0; t < n; t++)
        {
          double c = l->entropy[t] / log (E);
          gboolean deep;

          sy_test_check_cell (l, t, E);
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
    g_autoptr (SyRouterSpec) spec = sy_test_parse_spec ("adr:shallow=shared");
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
  sy_test_route_all ("native", &info, trace, NULL);
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
  sy_test_route_all ("topk:k=3", &info, trace, NULL);
  g_assert_cmpint (l->experts[0], ==, 2);
  g_assert_cmpint (l->experts[1], ==, 7);
  g_assert_cmpint (l->experts[2], ==, 6);

  sy_test_route_all ("topk:k=2,weights=raw", &info, trace, NULL);
  g_assert_cmpfloat_with_epsilon (l->weights[0], 0.4 / 3.8, 1e-6);

  /* top-p ranks by s + b over all experts (no groups): 0 (.9), 7 (.85),
   * 5 (.8); cumulative pi .237, .342, .553 > .4: K = 3; native weights
   * s / (.9 + .4 + .8) * 2.5, by descending weight: 0, 5, 7 */
  sy_test_route_all ("topp:p=0.4", &info, trace, NULL);
  g_assert_cmpint (l->group_mask[0], ==, 0);
  g_assert_cmpint (l->k[0], ==, 3);
  g_assert_cmpint (l->experts[0], ==, 0);
  g_assert_cmpint (l->experts[1], ==, 5);
  g_assert_cmpint (l->experts[2], ==, 7);
  g_assert_cmpfloat_with_epsilon (l->weights[0], 0.9 / 2.1 * 2.5, 1e-5);
  g_assert_cmpfloat_with_epsilon (l->weights[2], 0.4 / 2.1 * 2.5, 1e-5);

  /* without norm_topk_prob: s * scale */
  info.norm_topk_prob = FALSE;
  sy_test_route_all ("native", &info, trace, NULL);
  g_assert_cmpfloat_with_epsilon (l->weights[0], 0.4 * 2.5, 1e-5);
}

static void
test_nan_fallback (void)
{
  const int n = 4, E = 8;
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 41, 2.0);
  SyTraceLayer *l = &trace->layers[0];

  l->logits[1 * E + 3] = NAN;
  for (int e = 0; e < E; e++)
    l->logits[2 * E + e] = NAN;
  sy_test_route_all ("topp:p=0.99", &info, trace, NULL);
  for (int t = 0; t < n; t++)
    {
      float sum = 0;

      sy_test_check_cell (l, t, E);
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
  g_autoptr (SyRouterSpec) own = sy_test_parse_spec ("topp:p=0.4,weights=raw");
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) a = sy_test_random_trace (n, E, 1, 51, 2.0);
  g_autoptr (SyTrace) b = sy_trace_copy (a);

  info.native = own;
  sy_test_route_all ("native", &info, a, NULL);
  sy_test_route_all ("topp:p=0.4,weights=raw", &info, b, NULL);
  g_assert_cmpmem (a->layers[0].k, n * sizeof (int), b->layers[0].k, n * sizeof (int));
  g_assert_cmpmem (a->layers[0].weights, n * E * sizeof (float),
                   b->layers[0].weights, n * E * sizeof (float));
}

/* Dual-scale experts (DASG-MoE demo models): adr decides shallow or deep,
 * then picks the top experts inside that group only. */
static void
test_adr_dual_scale (void)
{
  const int E = 8, Es = 4, n = 200;
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 77, 3.0);
  SyTraceLayer *l = &trace->layers[0];
  int n_deep = 0, n_shallow = 0;

  info.n_shallow_experts = Es;
  sy_test_route_all ("adr:theta=0.6,kdeep=2,kshallow=2,weights=renorm", &info, trace, NULL);
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

static const SyTestCase tests[] = {
  { "/router/softmax-probs-entropy", test_softmax_probs_entropy },
  { "/router/native-topk", test_native_topk },
  { "/router/ties", test_ties },
  { "/router/topp", test_topp },
  { "/router/topp-options", test_topp_options },
  { "/router/minp", test_minp },
  { "/router/ser", test_ser },
  { "/router/quantile", test_quantile },
  { "/router/adr", test_adr },
  { "/router/sigmoid-groups", test_sigmoid_groups },
  { "/router/nan-fallback", test_nan_fallback },
  { "/router/dynamic-native", test_dynamic_native },
  { "/router/adr-dual-scale", test_adr_dual_scale },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
