/* sy-test-trace.c: deterministic synthetic traces for renderer tests, and
 * the routing comparison of the trace tests
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "sy-test-trace.h"

static const char *words[] = {
  "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
  "\n", " Experts", " route", " tokens", ",", " and", " routers", " choose", " them", ";",
  " mixture", "-of", "-experts", " models", " scale", " well", " un", "believ", "ably", "!",
};

/* xorshift32: the same numbers on every machine */
static double
next_uniform (guint32 *state)
{
  guint32 x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return (x >> 8) / 16777216.0;
}

SyTrace *
sy_test_trace_new (int     n_tokens,
                   int     n_layers,
                   int     n_experts,
                   guint32 seed)
{
  SyTrace *trace = sy_trace_new (n_tokens, n_experts, n_layers, n_layers);
  guint32 state = seed ? seed : 0x9e3779b9;
  double nll_sum = 0;
  g_autofree int *order = g_new (int, n_experts);

  trace->model = g_strdup ("synthetic");
  trace->router = g_strdup ("topp:p=0.5");
  trace->native_k = MIN (2, n_experts);

  for (int t = 0; t < n_tokens; t++)
    {
      trace->ids[t] = 100 + t * 7;
      trace->token_text[t] = g_strdup (words[t % G_N_ELEMENTS (words)]);
    }

  for (int i = 0; i < n_layers; i++)
    {
      SyTraceLayer *l = &trace->layers[i];

      l->budget = MIN (n_experts, 4);
      l->time_s = 0.001 * (1 + i % 3);
      for (int t = 0; t < n_tokens; t++)
        {
          float *z = l->logits + (gsize) t * n_experts;
          float *pi = l->probs + (gsize) t * n_experts;
          double max = -INFINITY, sum = 0, cum = 0, h = 0, wsum = 0;
          /* sharper routers in later layers */
          double sharp = 1.0 + 2.5 * i / MAX (1, n_layers - 1);
          int k = 0;

          for (int e = 0; e < n_experts; e++)
            {
              z[e] = (float) (sharp * 3.0 * (next_uniform (&state) - 0.5));
              max = MAX (max, z[e]);
            }
          for (int e = 0; e < n_experts; e++)
            sum += exp (z[e] - max);
          for (int e = 0; e < n_experts; e++)
            {
              pi[e] = (float) (exp (z[e] - max) / sum);
              if (pi[e] > 0)
                h -= pi[e] * log (pi[e]);
            }
          /* order by descending probability, ties to the lower index */
          for (int e = 0; e < n_experts; e++)
            order[e] = e;
          for (int a = 1; a < n_experts; a++)
            for (int b = a; b > 0 && (pi[order[b]] > pi[order[b - 1]]); b--)
              {
                int tmp = order[b];

                order[b] = order[b - 1];
                order[b - 1] = tmp;
              }
          while (k < l->budget && (k == 0 || cum <= 0.5))
            cum += pi[order[k++]];
          for (int j = 0; j < k; j++)
            wsum += pi[order[j]];
          for (int j = 0; j < k; j++)
            {
              l->experts[(gsize) t * n_experts + j] = order[j];
              l->weights[(gsize) t * n_experts + j] = (float) (pi[order[j]] / wsum);
            }
          l->k[t] = k;
          l->cum[t] = (float) cum;
          l->entropy[t] = (float) h;
          l->importance[t] = (float) next_uniform (&state);
          l->complexity[t] = (float) (h / log (MAX (n_experts, 2)));
          l->depth[t] = l->complexity[t] > 0.8 ? SY_DEPTH_DEEP : SY_DEPTH_SHALLOW;
        }
    }
  /* One cell the policy did not compute, as a NaN-aware view must show it. */
  if (n_layers > 1 && n_tokens > 2)
    {
      trace->layers[1].importance[2] = NAN;
      trace->layers[1].depth[2] = SY_DEPTH_NONE;
    }

  for (int t = 0; t + 1 < n_tokens; t++)
    {
      trace->nll[t] = (float) (0.5 + 6.0 * next_uniform (&state));
      nll_sum += trace->nll[t];
    }
  trace->perplexity = n_tokens > 1 ? exp (nll_sum / (n_tokens - 1)) : NAN;
  sy_trace_update_avg_k (trace);
  trace->activated_params = 1.25e6 + 2.5e5 * trace->avg_k;
  trace->flops = 2 * trace->activated_params;
  trace->op_time_s[SY_OP_ATTENTION] = 0.004;
  trace->op_time_s[SY_OP_ROUTER] = 0.0005;
  trace->op_time_s[SY_OP_EXPERTS] = 0.006;
  trace->op_time_s[SY_OP_LM_HEAD] = 0.002;
  trace->op_time_s[SY_OP_OTHER] = 0.001;
  for (int i = 0; i < SY_N_OPS; i++)
    trace->total_time_s += trace->op_time_s[i];
  return trace;
}

void
sy_test_assert_same_routing (const SyTrace *a,
                             const SyTrace *b)
{
  g_assert_cmpint (a->n_tokens, ==, b->n_tokens);
  g_assert_cmpint (a->n_moe_layers, ==, b->n_moe_layers);
  g_assert_cmpint (a->n_experts, ==, b->n_experts);
  for (int t = 0; t < a->n_tokens; t++)
    g_assert_cmpint (a->ids[t], ==, b->ids[t]);
  for (int l = 0; l < a->n_moe_layers; l++)
    for (int t = 0; t < a->n_tokens; t++)
      {
        g_assert_cmpint (a->layers[l].k[t], ==, b->layers[l].k[t]);
        for (int j = 0; j < a->layers[l].k[t]; j++)
          {
            int i = sy_trace_index (a, t, j);

            g_assert_cmpint (a->layers[l].experts[i], ==, b->layers[l].experts[i]);
            g_assert_cmpfloat (a->layers[l].weights[i], ==, b->layers[l].weights[i]);
          }
      }
  g_assert_cmpfloat_with_epsilon (a->avg_k, b->avg_k, 1e-12);
}
