/* test-compare.c: SyCompare and the shared compare runs
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-compare.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static const char *text =
  "The jury further said in term-end presentments that the City Executive Committee, "
  "which had over-all charge of the election, deserves the praise and thanks of the city.";

/* The demo model data/models/@name, or NULL (the test skipped) when this
 * checkout does not have it */
static SyModel *
load_demo (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("SY_SOURCE_ROOT"), "data", "models", name, NULL);
  SyModel *m;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *message = g_strdup_printf ("no data/models/%s", name);

      g_test_skip (message);
      return NULL;
    }
  m = sy_model_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  return m;
}

static SySession *
session (SyModel    *m,
         const char *spec_text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (spec_text, &error);
  SySession *s;

  g_assert_no_error (error);
  s = sy_session_new (m);
  g_assert_true (sy_session_set_router (s, spec, &error));
  g_assert_no_error (error);
  return s;
}

static void
test_self (void)
{
  const char *archs[] = { "olmoe", "deepseek_v3", "qwen2_moe" };

  for (guint i = 0; i < G_N_ELEMENTS (archs); i++)
    {
      g_autoptr (SyModel) m = sy_test_load_model (archs[i]);
      g_autoptr (SySession) a = session (m, "topp:p=0.5");
      g_autoptr (SySession) b = session (m, "topp:p=0.5");
      g_autoptr (GError) error = NULL;
      g_autoptr (SyCompare) cmp = sy_compare_run_text (a, b, text, &error);

      g_assert_no_error (error);
      g_assert_nonnull (cmp);
      g_assert_cmpint (cmp->n_tokens, >, 10);
      for (int l = 0; l < cmp->n_moe_layers; l++)
        for (int t = 0; t < cmp->n_tokens; t++)
          {
            g_assert_cmpint (cmp->layers[l].dk[t], ==, 0);
            g_assert_cmpfloat (cmp->layers[l].jaccard[t], ==, 1.0f);
            g_assert_cmpint (cmp->layers[l].n_only_a[t], ==, 0);
            g_assert_cmpint (cmp->layers[l].n_only_b[t], ==, 0);
          }
      for (int t = 0; t + 1 < cmp->n_tokens; t++)
        g_assert_cmpfloat (cmp->dnll[t], ==, 0.0f);
      g_assert_cmpfloat (fabs (cmp->kl), <, 1e-12);
      g_assert_cmpfloat (cmp->greedy_agreement, ==, 1.0);
      g_assert_cmpfloat (cmp->max_abs_dk, ==, 0.0);
      /* identical routing: every layer but the last comes from A */
      g_assert_cmpint (cmp->n_shared_layers, ==, sy_model_get_info (m)->n_layers - 1);
    }
}

static void
topp_order (SyModel  *m,
            gboolean  routes_first_layer);

static void
test_topp_order (void)
{
  g_autoptr (SyModel) m = sy_test_load_model ("olmoe");

  topp_order (m, TRUE);
}

/* the demo model of data/models, trained for top-p routing */
static void
test_topp_order_demo (void)
{
  g_autoptr (SyModel) m = load_demo ("switchyard-topp");

  if (m != NULL)
    topp_order (m, TRUE);
}

static void
topp_order (SyModel  *m,
            gboolean  routes_first_layer)
{
  g_autoptr (SySession) a = session (m, "topp:p=0.2");
  g_autoptr (SySession) b = session (m, "topp:p=0.8");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCompare) cmp = sy_compare_run_text (a, b, text, &error);
  gboolean some_only_b = FALSE;

  g_assert_no_error (error);
  g_assert_cmpint (cmp->n_moe_layers, >, 0);
  for (int l = 0; l < cmp->n_moe_layers; l++)
    {
      g_assert_cmpfloat (cmp->b->layers[l].avg_k, >, cmp->a->layers[l].avg_k);
      g_assert_cmpfloat (cmp->layers[l].avg_dk, >, 0);
      for (int t = 0; t < cmp->n_tokens; t++)
        {
          /* p=0.8 keeps a superset of p=0.2's experts at layer 0 (same input) */
          if (l == 0)
            {
              g_assert_cmpint (cmp->layers[l].dk[t], >=, 0);
              g_assert_cmpint (cmp->layers[l].n_only_a[t], ==, 0);
              g_assert_cmpfloat (cmp->layers[l].jaccard[t], <=, 1.0f);
            }
          some_only_b |= cmp->layers[l].n_only_b[t] > 0;
          g_assert_cmpint (cmp->layers[l].dk[t], ==,
                           cmp->b->layers[l].k[t] - cmp->a->layers[l].k[t]);
        }
    }
  g_assert_true (some_only_b);
  g_assert_cmpfloat (cmp->b->avg_k, >, cmp->a->avg_k);
  g_assert_cmpfloat (cmp->b->activated_params, >, cmp->a->activated_params);
  g_assert_cmpfloat (cmp->kl, >, 0);
  g_assert_cmpfloat (cmp->greedy_agreement, <=, 1.0);
  /* the first layer routes: only the embedding is shared */
  if (routes_first_layer)
    g_assert_cmpint (cmp->n_shared_layers, ==, 0);
}

/* B run after A with sharing equals B run alone, bit for bit. */
static void
assert_same_run (SySession     *shared,
                 const SyTrace *ts,
                 SySession     *alone,
                 const SyTrace *ta)
{
  int T1, V1, T2, V2;
  const float *l1 = sy_session_get_logits (shared, &T1, &V1);
  const float *l2 = sy_session_get_logits (alone, &T2, &V2);
  int E = ts->n_experts, T = ts->n_tokens;

  g_assert_cmpint (T1, ==, T2);
  g_assert_cmpint (V1, ==, V2);
  g_assert_true (memcmp (l1, l2, sizeof (float) * T1 * V1) == 0);
  g_assert_true (memcmp (ts->nll, ta->nll, sizeof (float) * (T - 1)) == 0);
  g_assert_cmpfloat (ts->perplexity, ==, ta->perplexity);
  for (int l = 0; l < ts->n_moe_layers; l++)
    {
      const SyTraceLayer *x = &ts->layers[l], *y = &ta->layers[l];

      g_assert_true (memcmp (x->k, y->k, sizeof (int) * T) == 0);
      g_assert_true (memcmp (x->logits, y->logits, sizeof (float) * T * E) == 0);
      g_assert_true (memcmp (x->probs, y->probs, sizeof (float) * T * E) == 0);
      for (int t = 0; t < T; t++)
        {
          g_assert_true (memcmp (x->experts + t * E, y->experts + t * E, sizeof (int) * x->k[t]) == 0);
          g_assert_true (memcmp (x->weights + t * E, y->weights + t * E, sizeof (float) * x->k[t]) == 0);
        }
    }
}

/* B (@spec_b) sharing the layers of A (@spec_a) runs as B alone: a text,
 * an extension (prefix reuse in both), an edit back */
static void
sharing_case (SyModel    *m,
              const char *spec_a,
              const char *spec_b,
              int         min_shared)
{
  g_autoptr (SySession) a = session (m, spec_a);
  g_autoptr (SySession) b = session (m, spec_b);
  g_autoptr (SySession) alone = session (m, spec_b);
  g_autoptr (GError) error = NULL;
  g_autofree char *longer = g_strconcat (text, " And more words at the end.", NULL);
  const char *texts[] = { text, longer, text };

  sy_session_set_share_source (b, a);
  for (guint j = 0; j < G_N_ELEMENTS (texts); j++)
    {
      g_autoptr (SyTrace) ta = sy_session_run_text (a, texts[j], NULL, NULL, &error);
      g_autoptr (SyTrace) tb = NULL;
      g_autoptr (SyTrace) tz = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (ta);
      tb = sy_session_run_text (b, texts[j], NULL, NULL, &error);
      g_assert_no_error (error);
      tz = sy_session_run_text (alone, texts[j], NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sy_session_get_n_reused (b), ==, sy_session_get_n_reused (alone));
      if (j == 0)
        g_assert_cmpint (sy_session_get_n_shared_layers (b), >=, min_shared);
      assert_same_run (b, tb, alone, tz);
    }
}

static void
test_sharing_exact (void)
{
  struct { const char *arch, *a, *b; int min_shared; } cases[] = {
    { "olmoe", "native", "topp:p=0.5", 0 },
    { "olmoe", "native", "topk:k=native", 2 },
    { "olmoe", "topp:p=0.4", "da:k=4", 0 },
    { "deepseek_v3", "native", "topp:p=0.5", 1 },   /* first layer dense */
    { "deepseek_v3", "native", "da:k=4", 1 },
    { "deepseek_v3", "native", "quantile:q=0.5", 1 },
    { "qwen2_moe", "topk:k=2", "native", 2 },
    { "mixtral", "native", "minp:t=0.3", 0 },
    { "gpt_oss", "native", "topp:p=0.6", 0 },
    { "granitemoe", "native", "native", 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (SyModel) m = sy_test_load_model (cases[i].arch);

      g_test_message ("%s: %s vs %s", cases[i].arch, cases[i].a, cases[i].b);
      sharing_case (m, cases[i].a, cases[i].b, cases[i].min_shared);
    }
}

/* `native` of a model trained with da is da: B shares no MoE layer (A
 * does not keep the attention that da reads), and still runs */
static void
test_sharing_native_da (void)
{
  g_autoptr (SyModel) m = load_demo ("switchyard-da");

  if (m == NULL)
    return;
  g_assert_false (sy_router_spec_is_causal (sy_model_get_router_info (m)->native));
  sharing_case (m, "topk:k=2", "native", 0);
}

static void
test_errors (void)
{
  g_autoptr (SyModel) m = sy_test_load_model ("olmoe");
  g_autoptr (SySession) a = session (m, "native");
  g_autoptr (SySession) b = session (m, "native");
  g_autoptr (GError) error = NULL;
  int32_t ids1[] = { 1, 50, 60, 70 }, ids2[] = { 1, 50, 61, 70 }, ids3[] = { 1, 50, 60 };
  g_autoptr (SyTrace) ta = sy_session_run (a, ids1, 4, NULL, NULL, &error);
  g_autoptr (SyTrace) tb = sy_session_run (b, ids2, 4, NULL, NULL, &error);
  g_autoptr (SyTrace) tc = NULL;
  SyCompare *cmp;

  g_assert_no_error (error);
  cmp = sy_compare_new (ta, NULL, tb, NULL, 0, &error);
  g_assert_null (cmp);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_SHAPE_MISMATCH, "token 2");

  tc = sy_session_run (b, ids3, 3, NULL, NULL, &error);
  g_assert_no_error (error);
  cmp = sy_compare_new (ta, NULL, tc, NULL, 0, &error);
  g_assert_null (cmp);
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_SHAPE_MISMATCH);
  g_clear_error (&error);

  /* without logits: no KL, still the routing diff */
  cmp = sy_compare_new (ta, NULL, ta, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_true (isnan (cmp->kl));
  g_assert_null (cmp->kl_row);
  sy_compare_free (cmp);

  /* a source that ran other ids shares nothing, the run stays right */
  sy_session_set_share_source (b, a);
  g_clear_pointer (&tb, sy_trace_free);
  tb = sy_session_run (b, ids2, 4, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_session_get_n_shared_layers (b), ==, 0);
}

static void
test_json (void)
{
  g_autoptr (SyModel) m = sy_test_load_model ("olmoe");
  g_autoptr (SySession) a = session (m, "native");
  g_autoptr (SySession) b = session (m, "topp:p=0.3");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCompare) cmp = sy_compare_run_text (a, b, text, &error);
  g_autofree char *json = sy_compare_to_json (cmp, FALSE);
  json_object *root = json_tokener_parse (json);
  json_object *layers, *tokens, *cell;

  g_assert_nonnull (root);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (sy_test_json_get (root, "a"), "router")), ==, cmp->a->router);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (sy_test_json_get (root, "b"), "router")), ==, "topp:p=0.3");
  g_assert_cmpfloat_with_epsilon (json_object_get_double (sy_test_json_get (sy_test_json_get (sy_test_json_get (root, "b"), "metrics"), "avg_k")),
                                  cmp->b->avg_k, 1e-9);
  g_assert_cmpint (json_object_array_length (sy_test_json_get (sy_test_json_get (sy_test_json_get (root, "a"), "metrics"), "nll")), ==,
                   cmp->n_tokens - 1);
  layers = sy_test_json_get (root, "layers");
  g_assert_cmpint (json_object_array_length (layers), ==, cmp->n_moe_layers);
  g_assert_cmpint (json_object_get_int (sy_test_json_get (json_object_array_get_idx (layers, 1), "layer")), ==, 1);
  cell = json_object_array_get_idx (sy_test_json_get (json_object_array_get_idx (layers, 0), "tokens"), 3);
  g_assert_cmpint (json_object_get_int (sy_test_json_get (cell, "dk")), ==, cmp->layers[0].dk[3]);
  g_assert_cmpint (json_object_array_length (sy_test_json_get (cell, "only_a")), ==, cmp->layers[0].n_only_a[3]);
  g_assert_cmpint (json_object_array_length (sy_test_json_get (cell, "only_b")), ==, cmp->layers[0].n_only_b[3]);
  g_assert_cmpfloat_with_epsilon (json_object_get_double (sy_test_json_get (cell, "jaccard")),
                                  cmp->layers[0].jaccard[3], 1e-6);
  tokens = sy_test_json_get (root, "tokens");
  g_assert_cmpint (json_object_array_length (tokens), ==, cmp->n_tokens);
  g_assert_cmpint (json_object_get_int (sy_test_json_get (json_object_array_get_idx (tokens, 2), "id")), ==,
                   cmp->a->ids[2]);
  g_assert_cmpfloat_with_epsilon (json_object_get_double (sy_test_json_get (json_object_array_get_idx (tokens, 2), "dnll")),
                                  cmp->dnll[2], 1e-6);
  g_assert_true (json_object_is_type (sy_test_json_get (json_object_array_get_idx (tokens, cmp->n_tokens - 1), "dnll"),
                                      json_type_null));
  g_assert_cmpfloat_with_epsilon (json_object_get_double (sy_test_json_get (root, "kl")), cmp->kl, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double (sy_test_json_get (root, "greedy_agreement")),
                                  cmp->greedy_agreement, 1e-9);
  json_object_put (root);
}

static const SyTestCase tests[] = {
  { "/engine/compare/self", test_self },
  { "/engine/compare/topp-order", test_topp_order },
  { "/engine/compare/topp-order-demo", test_topp_order_demo },
  { "/engine/compare/sharing-exact", test_sharing_exact },
  { "/engine/compare/sharing-native-da", test_sharing_native_da },
  { "/engine/compare/errors", test_errors },
  { "/engine/compare/json", test_json },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
