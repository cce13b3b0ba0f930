/* test-trace.c: SyTrace allocation, copy and averages
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "sy-test-util.h"
#include "sy-trace.h"

static void
test_trace_new (void)
{
  g_autoptr (SyTrace) trace = sy_trace_new (5, 8, 3, 2);

  g_assert_cmpint (trace->n_tokens, ==, 5);
  g_assert_cmpint (trace->n_experts, ==, 8);
  g_assert_cmpint (trace->n_moe_layers, ==, 2);
  g_assert_true (trace->causal);
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpint (trace->layers[i].moe, ==, i);
      g_assert_cmpint (trace->layers[i].budget, ==, 8);
      for (int t = 0; t < 5; t++)
        {
          g_assert_true (isnan (trace->layers[i].importance[t]));
          g_assert_true (isnan (trace->layers[i].complexity[t]));
          g_assert_cmpint (trace->layers[i].depth[t], ==, SY_DEPTH_NONE);
        }
    }
  g_assert_true (isnan (trace->perplexity));
}

static void
test_trace_avg_k_and_copy (void)
{
  g_autoptr (SyTrace) trace = sy_trace_new (4, 4, 2, 2);
  g_autoptr (SyTrace) copy = NULL;

  for (int t = 0; t < 4; t++)
    {
      trace->layers[0].k[t] = 1 + t;     /* mean 2.5 */
      trace->layers[1].k[t] = 2;         /* mean 2 */
      trace->layers[0].experts[sy_trace_index (trace, t, 0)] = t;
    }
  trace->token_text[2] = g_strdup ("tok");
  trace->router = g_strdup ("topk:k=2");
  sy_trace_update_avg_k (trace);
  g_assert_cmpfloat_with_epsilon (trace->layers[0].avg_k, 2.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (trace->layers[1].avg_k, 2.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (trace->avg_k, 2.25, 1e-12);

  copy = sy_trace_copy (trace);
  trace->layers[0].k[3] = 0;
  g_free (trace->token_text[2]);
  trace->token_text[2] = g_strdup ("changed");
  g_assert_cmpint (copy->layers[0].k[3], ==, 4);
  g_assert_cmpint (copy->layers[0].experts[sy_trace_index (copy, 3, 0)], ==, 3);
  g_assert_cmpstr (copy->token_text[2], ==, "tok");
  g_assert_cmpstr (copy->router, ==, "topk:k=2");
}

static const SyTestCase tests[] = {
  { "/engine/trace/new", test_trace_new },
  { "/engine/trace/avg-k-and-copy", test_trace_avg_k_and_copy },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
