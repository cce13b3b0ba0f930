/* test-metrics.c: NLL, perplexity, KL, greedy agreement, Jaccard by hand
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-metrics.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static void
test_nll_perplexity (void)
{
  /* T = 3, V = 3; next ids 2, 0 */
  const float logits[] = {
    1000.0f + logf (1), 1000.0f + logf (2), 1000.0f + logf (7),   /* 0.1 0.2 0.7 */
    0, 0, 0,                                                      /* uniform */
    5, 5, 5,
  };
  const int32_t ids[] = { 1, 2, 0 };
  const int32_t bad[] = { 1, 3, 0 };
  float nll[2];
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) trace = sy_trace_new (3, 2, 1, 1);

  g_assert_true (sy_metrics_nll (logits, 3, 3, ids, nll, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (nll[0], -log (0.7), 1e-4);
  g_assert_cmpfloat_with_epsilon (nll[1], log (3), 1e-6);
  g_assert_cmpfloat_with_epsilon (sy_metrics_perplexity (nll, 2), exp ((-log (0.7) + log (3)) / 2), 1e-4);
  g_assert_true (isnan (sy_metrics_perplexity (nll, 0)));

  g_assert_false (sy_metrics_nll (logits, 3, 3, bad, nll, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_INVALID_VALUE, "token 1 has id 3");

  memcpy (trace->ids, ids, sizeof ids);
  g_assert_true (sy_metrics_fill_trace (trace, logits, 3, &error));
  g_assert_cmpfloat_with_epsilon (trace->nll[1], log (3), 1e-6);
  g_assert_cmpfloat_with_epsilon (trace->perplexity, exp ((-log (0.7) + log (3)) / 2), 1e-4);
}

static void
test_kl_agreement (void)
{
  const float a[] = { logf (0.5f), logf (0.5f), 3, 1 };
  const float b[] = { logf (0.25f), logf (0.75f), 1, 3 };
  double want = 0.5 * log (0.5 / 0.25) + 0.5 * log (0.5 / 0.75);
  double p = exp (3) / (exp (3) + exp (1)), q = 1 - p;
  double want2 = p * log (p / q) + q * log (q / p);

  g_assert_cmpfloat_with_epsilon (sy_metrics_kl_row (a, b, 2), want, 1e-6);
  g_assert_cmpfloat_with_epsilon (sy_metrics_kl_row (a, a, 2), 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (sy_metrics_mean_rows (a, b, 2, 2, sy_metrics_kl_row), (want + want2) / 2, 1e-6);
  g_assert_true (sy_metrics_kl_row (b, a, 2) != sy_metrics_kl_row (a, b, 2));
  g_assert_true (isnan (sy_metrics_mean_rows (a, b, 0, 2, sy_metrics_kl_row)));

  /* argmax: row 0 ties (lowest index 0) vs 1; row 1: 0 vs 1 */
  g_assert_cmpint (sy_metrics_argmax (a, 2), ==, 0);
  g_assert_cmpint (sy_metrics_argmax (b, 2), ==, 1);
  g_assert_cmpfloat (sy_metrics_mean_rows (a, b, 2, 2, sy_metrics_agree_row), ==, 0.0);
  g_assert_cmpfloat (sy_metrics_mean_rows (a, a, 2, 2, sy_metrics_agree_row), ==, 1.0);
  g_assert_cmpfloat (sy_metrics_mean_rows (a + 2, b, 1, 2, sy_metrics_agree_row), ==, 0.0);
  g_assert_cmpfloat (sy_metrics_mean_rows (a, a + 2, 1, 2, sy_metrics_agree_row), ==, 1.0);
}

static void
test_jaccard (void)
{
  const int a[] = { 1, 2, 3 }, b[] = { 4, 3, 2 }, c[] = { 7 };
  g_autoptr (SyTrace) ta = sy_trace_new (1, 8, 1, 1);
  g_autoptr (SyTrace) tb = sy_trace_new (1, 8, 1, 1);

  g_assert_cmpfloat (sy_metrics_jaccard (a, 3, b, 3), ==, 0.5);
  g_assert_cmpfloat (sy_metrics_jaccard (a, 3, a, 3), ==, 1.0);
  g_assert_cmpfloat (sy_metrics_jaccard (a, 3, c, 1), ==, 0.0);
  g_assert_cmpfloat (sy_metrics_jaccard (a, 0, c, 0), ==, 1.0);
  g_assert_cmpfloat (sy_metrics_jaccard (a, 2, b, 3), ==, 0.25);

  ta->layers[0].k[0] = 2;
  ta->layers[0].experts[0] = 5;
  ta->layers[0].experts[1] = 6;
  tb->layers[0].k[0] = 1;
  tb->layers[0].experts[0] = 6;
  g_assert_cmpfloat (sy_metrics_cell_jaccard (ta, tb, 0, 0), ==, 0.5);
}

static const SyTestCase tests[] = {
  { "/metrics/nll-perplexity", test_nll_perplexity },
  { "/metrics/kl-agreement", test_kl_agreement },
  { "/metrics/jaccard", test_jaccard },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
