/* sy-test-router.c: what the router tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "sy-test-router.h"
#include "sy-test-util.h"

SyRouterModelInfo
sy_test_softmax_info (int E, int k, int L, SyNativeWeights nw)
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
SyTrace *
sy_test_random_trace (int      n,
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

SyRouterSpec *
sy_test_parse_spec (const char *text)
{
  g_autoptr (GError) error = NULL;

  return sy_test_assert_ok (sy_router_spec_parse (text, &error), &error);
}

void
sy_test_route_all (const char              *text,
                   const SyRouterModelInfo *info,
                   SyTrace                 *trace,
                   const float             *recv)
{
  g_autoptr (SyRouterSpec) spec = sy_test_parse_spec (text);

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
void
sy_test_ref_softmax (const float *z,
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

void
sy_test_ref_order (const float *probs,
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
void
sy_test_check_cell (const SyTraceLayer *l,
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

float
sy_test_avg_k (const SyTrace *trace)
{
  double sum = 0;

  for (int l = 0; l < trace->n_moe_layers; l++)
    for (int t = 0; t < trace->n_tokens; t++)
      sum += trace->layers[l].k[t];
  return sum / (trace->n_moe_layers * trace->n_tokens);
}
