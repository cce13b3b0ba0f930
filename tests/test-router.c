/* test-router.c: routing policies on hand-made router logits
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No model needed: router logits are written into a trace layer by hand
 * (or from a seeded random generator) and every rule of
 * ../shared/docs/routing.md is checked independently of the engine code.
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/router/softmax-probs-entropy", test_softmax_probs_entropy);
  g_test_add_func ("/router/native-topk", test_native_topk);
  g_test_add_func ("/router/ties", test_ties);
  return g_test_run ();
}
