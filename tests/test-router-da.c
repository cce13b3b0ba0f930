/* test-router-da.c: layer budget schedules and dynamic attention (da)
 * on hand-made router logits
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * As test-router.c: no model, every rule of docs/routing.md checked
 * independently of the engine code.
 */
#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-router.h"
#include "sy-test-router.h"
#include "sy-test-util.h"
#include "sy-trace.h"

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

/* Budgets @b of 9 layers rise to the middle one and fall again (@peak), or
 * fall and rise: @mid in the middle, @edge at both ends */
static void
assert_v_shape (const int *b,
                gboolean   peak,
                int        mid,
                int        edge)
{
  g_assert_true (peak ? non_decreasing (b, 5) : non_increasing (b, 5));
  g_assert_true (peak ? non_increasing (b + 4, 5) : non_decreasing (b + 4, 5));
  g_assert_cmpint (b[4], ==, mid);
  g_assert_cmpint (b[0], ==, edge);
  g_assert_cmpint (b[8], ==, edge);
}

static void
budgets (const char              *text,
         const SyRouterModelInfo *info,
         int                     *out)
{
  g_autoptr (SyRouterSpec) spec = sy_test_parse_spec (text);
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
  SyRouterModelInfo info = sy_test_softmax_info (E, 4, L, SY_NATIVE_WEIGHTS_RENORM);
  SyRouterModelInfo one = sy_test_softmax_info (E, 4, 1, SY_NATIVE_WEIGHTS_RENORM);
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
  assert_v_shape (b, TRUE, 8, 1);

  budgets ("topp:p=0.5,schedule=valley", &info, b);
  assert_v_shape (b, FALSE, 1, 8);

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
        g_autoptr (SyTrace) trace = sy_test_random_trace (40, E, L, 77, 1.0);
        g_autoptr (SyRouterSpec) spec = sy_test_parse_spec (specs[i]);

        sy_test_route_all (specs[i], &info, trace, NULL);
        for (int l = 0; l < L; l++)
          {
            const SyTraceLayer *la = &trace->layers[l];

            g_assert_cmpint (la->budget, ==, sy_router_layer_budget (spec, &info, l));
            for (int t = 0; t < 40; t++)
              {
                sy_test_check_cell (la, t, E);
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
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);

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
      g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 3, 2.0);
      const SyTraceLayer *l = &trace->layers[0];

      sy_test_route_all (linear ? "da:map=linear" : "da", &info, trace, recv);
      for (int t = 0; t < n; t++)
        {
          int order[8];

          sy_test_check_cell (l, t, E);
          g_assert_cmpint (l->k[t], ==, linear ? want_linear[t] : want_budget[t]);
          g_assert_cmpfloat_with_epsilon (l->importance[t], want_imp[t], 1e-6);
          g_assert_cmpint (!!(l->flags[t] & SY_CELL_SINK), ==, t == 0);
          sy_test_ref_order (l->probs + t * E, E, order);
          for (int j = 0; j < l->k[t]; j++)
            g_assert_cmpint (l->experts[t * E + j], ==, order[j]);
        }
    }

  /* kmin applies to sinks; k scales the budget */
  {
    g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 3, 2.0);

    sy_test_route_all ("da:k=4,kmin=2,kmax=8", &info, trace, recv);
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
  SyRouterModelInfo info = sy_test_softmax_info (E, 2, 1, SY_NATIVE_WEIGHTS_RENORM);
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  float recv[64];
  double sum = 0;
  int n_eff = 0;

  /* imp_j uniform in [0.5, 1.5] x 0.1, token 7 an attention sink */
  for (int j = 0; j < n; j++)
    recv[j] = (float) (g_rand_double_range (rand, 0.05, 0.15) * (n - j));
  recv[7] = 10.0f * (n - 7);

  {
    g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 4, 2.0);
    const SyTraceLayer *l = &trace->layers[0];

    sy_test_route_all ("da:kmin=1", &info, trace, recv);
    for (int t = 0; t < n; t++)
      {
        gboolean sink = t == 0 || t == 7;

        sy_test_check_cell (l, t, E);
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
    g_autoptr (SyTrace) trace = sy_test_random_trace (n, E, 1, 4, 2.0);
    g_autoptr (SyRouterSpec) spec = sy_test_parse_spec ("da");
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

static const SyTestCase tests[] = {
  { "/router/schedules", test_schedules },
  { "/router/da-hand", test_da_hand },
  { "/router/da-sinks-mean", test_da_sinks_and_mean },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
