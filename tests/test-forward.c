/* test-forward.c: the forward pass against the HF reference fixtures
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every fixture model and every case of its reference.json: logits,
 * router logits of every MoE layer and hidden states hidden.0..L within
 * 1e-4, the same chosen experts, the same 8-token greedy continuation.
 * Then the cache: prefix + decode == full prefill, and edits reuse the
 * common prefix; the LM head of the last position only
 * (sy_session_set_last_logits) and the cache after it.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "sy-metrics.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-safetensors-writer.h"
#include "sy-session.h"
#include "sy-tensor-store.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

#define TOL 1e-4

static const char *const archs[] = {
  "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", "deepseek_v3", "gpt_oss", NULL
};

static int
cmp_int (gconstpointer a,
         gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* The e_score_correction_bias of MoE layer @i (DeepSeek-V3), or NULL. */
static float *
selection_bias (SyTensorStore *weights,
                SyModel       *model,
                int            i)
{
  const SyModelInfo *info = sy_model_get_info (model);
  g_autoptr (GError) error = NULL;
  g_autofree char *bname = NULL;
  int layer = -1, seen = -1, E = info->n_experts;
  int64_t shape[1] = { E };
  const SyTensor *bt;
  float *bias;

  if (!sy_model_get_router_info (model)->selection_bias)
    return NULL;
  while (seen < i)
    if (info->layer_is_moe[++layer])
      seen++;
  bname = g_strdup_printf ("model.layers.%d.mlp.gate.e_score_correction_bias", layer);
  bt = sy_tensor_store_get (weights, bname, 1, shape, &error);
  g_assert_no_error (error);
  bias = g_new (float, E);
  sy_tensor_to_f32 (bt, 0, E, bias);
  return bias;
}

/* MoE layer @i of reference case @rc (@model, its @weights): the router
 * logits of @tl against the reference's (returns the largest |delta|), and
 * the experts chosen against those the reference's logits choose. */
static double
check_router_layer (const SyTestRefCase *rc,
                    SyTensorStore       *weights,
                    SyModel             *model,
                    int                  i,
                    const SyTraceLayer  *tl)
{
  const SyModelInfo *info = sy_model_get_info (model);
  const SyRouterModelInfo *rinfo = sy_model_get_router_info (model);
  int E = info->n_experts, k = info->native_k, n = rc->n;
  g_autofree char *name = g_strdup_printf ("%s.router_logits.%d", rc->key, i);
  g_autofree float *r = sy_test_ref_tensor (rc->ref, name, n, E);
  double d = sy_test_max_abs_diff (tl->logits, r, (gsize) n * E);
  g_autofree float *bias = selection_bias (weights, model, i);

  if (d > rc->tol)
    g_error ("%s %s: router logits of MoE layer %d differ by %g", rc->label, rc->key, i, d);

  for (int t = 0; t < n; t++)
    {
      int want[256], got[256];

      g_assert_cmpint (rinfo->n_experts, ==, E);
      g_assert_cmpint (rinfo->native_k, ==, k);
      sy_test_ref_select (rinfo, r + (gsize) t * E, bias, NULL, want);
      qsort (want, k, sizeof (int), cmp_int);
      g_assert_cmpint (tl->k[t], ==, k);
      memcpy (got, tl->experts + (gsize) t * E, sizeof (int) * k);
      qsort (got, k, sizeof (int), cmp_int);
      if (rinfo->n_group > 1)
        {
          /* the trace records the kept groups; the experts lie in them */
          int mask = tl->group_mask[t], size = E / rinfo->n_group;

          g_assert_cmpint (g_bit_storage (mask), <=, rinfo->n_group);
          g_assert_cmpint (__builtin_popcount (mask), ==, rinfo->topk_group);
          for (int j = 0; j < k; j++)
            g_assert_true (mask & (1 << (got[j] / size)));
        }
      for (int j = 0; j < k; j++)
        if (got[j] != want[j])
          g_error ("%s %s: MoE layer %d token %d chose expert %d, reference %d",
                   rc->label, rc->key, i, t, got[j], want[j]);
    }
  return d;
}

static void
test_fixture (gconstpointer data)
{
  const char *arch = data;
  g_autofree char *dir = sy_test_model_path (arch, "");
  g_autoptr (SyModel) model = sy_test_load_model (arch);
  g_autoptr (GError) error = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyTensorStore) ref = NULL;
  g_autoptr (SyTensorStore) weights = NULL;
  const SyModelInfo *info;
  json_object *root, *cases;
  double max_logits = 0, max_router = 0, max_hidden = 0;
  int n_cases;

  info = sy_model_get_info (model);
  g_assert_cmpstr (info->model_type, ==, arch);
  weights = sy_tensor_store_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_model_get_unused_tensors (model)[0] == NULL, ==, TRUE);
  session = sy_session_new (model);
  sy_session_set_capture_hidden (session, TRUE);

  root = sy_test_ref_cases (arch, &cases, &ref);
  n_cases = (int) json_object_array_length (cases);

  for (int ci = 0; ci < n_cases; ci++)
    {
      json_object *cs = json_object_array_get_idx (cases, ci), *v;
      g_autoptr (SyTrace) trace = NULL;
      g_autofree int32_t *ids = NULL;
      const char *key;
      int n, n_router, n_hidden, T, V;
      SyTestRefCase rc;
      const float *logits;
      int32_t cont[8];

      g_assert_true (json_object_object_get_ex (cs, "key", &v));
      key = json_object_get_string (v);
      g_assert_true (json_object_object_get_ex (cs, "input_ids", &v));
      ids = sy_test_json_ids (v, 8, &n);
      g_assert_true (json_object_object_get_ex (cs, "greedy_continuation", &v));
      g_assert_cmpint (json_object_array_length (v), ==, 8);
      for (int i = 0; i < 8; i++)
        cont[i] = json_object_get_int (json_object_array_get_idx (v, i));
      g_assert_true (json_object_object_get_ex (cs, "router_layers", &v));
      n_router = json_object_get_int (v);
      g_assert_true (json_object_object_get_ex (cs, "hidden_layers", &v));
      n_hidden = json_object_get_int (v);
      g_assert_cmpint (n_router, ==, info->n_moe_layers);
      g_assert_cmpint (n_hidden, ==, info->n_layers + 1);

      sy_session_reset (session);
      trace = sy_session_run (session, ids, n, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (trace);
      g_assert_cmpint (trace->n_tokens, ==, n);

      logits = sy_session_get_logits (session, &T, &V);
      g_assert_cmpint (T, ==, n);
      g_assert_cmpint (V, ==, info->vocab_size);
      rc = (SyTestRefCase) { ref, arch, key, n, TOL };
      max_logits = MAX (max_logits, sy_test_ref_delta (&rc, "logits", logits, V));

      for (int i = 0; i < n_router; i++)
        max_router = MAX (max_router, check_router_layer (&rc, weights, model, i, &trace->layers[i]));

      max_hidden = MAX (max_hidden, sy_test_ref_hidden_delta (&rc, session, n_hidden, info->hidden_size));

      /* greedy continuation, decoding with the cache */
      sy_test_ref_greedy (&rc, session, ids, cont, 8, TRUE);
    }
  json_object_put (root);

  g_test_message ("%s: %d cases, max |delta| logits %.3g, router logits %.3g, hidden %.3g",
                  arch, n_cases, max_logits, max_router, max_hidden);
}

static void
assert_traces_equal (const SyTrace *a,
                     const SyTrace *b,
                     double         tol)
{
  int E = a->n_experts;

  g_assert_cmpint (a->n_tokens, ==, b->n_tokens);
  g_assert_cmpint (a->n_moe_layers, ==, b->n_moe_layers);
  for (int i = 0; i < a->n_moe_layers; i++)
    {
      const SyTraceLayer *la = &a->layers[i], *lb = &b->layers[i];

      /* router logits (up to ~10 here) amplify summation-order noise
       * through the layers: the fixture tolerance, relative */
      g_assert_cmpfloat (sy_test_max_rel_diff (la->logits, lb->logits, (gsize) a->n_tokens * E), <=, MAX (tol, 1e-4));
      g_assert_cmpfloat (sy_test_max_abs_diff (la->probs, lb->probs, (gsize) a->n_tokens * E), <=, MAX (tol, 1e-5));
      for (int t = 0; t < a->n_tokens; t++)
        {
          g_assert_cmpint (la->k[t], ==, lb->k[t]);
          for (int j = 0; j < la->k[t]; j++)
            g_assert_cmpint (la->experts[t * E + j], ==, lb->experts[t * E + j]);
        }
    }
  g_assert_cmpfloat (sy_test_max_abs_diff (a->nll, b->nll, MAX (a->n_tokens - 1, 0)), <=, tol);
}

/* Fixture model @arch and two sessions on it: @ref runs each text anew,
 * @test is the session under test */
typedef struct
{
  SyModel   *model;
  SySession *ref;
  SySession *test;
} TwoSessions;

static void
two_sessions_setup (TwoSessions   *fx,
                    gconstpointer  arch)
{
  fx->model = sy_test_load_model (arch);
  fx->ref = sy_session_new (fx->model);
  fx->test = sy_session_new (fx->model);
}

static void
two_sessions_teardown (TwoSessions   *fx,
                       gconstpointer  arch)
{
  sy_session_free (fx->test);
  sy_session_free (fx->ref);
  sy_model_unref (fx->model);
}

/* prefill of a prefix, then one decode step per remaining token, equals a
 * full prefill: logits (1e-5), routing, NLL */
static void
test_incremental (TwoSessions   *fx,
                  gconstpointer  arch)
{
  g_autoptr (SyTrace) ref = NULL;
  g_autoptr (SyTrace) last = NULL;
  int32_t ids[24];
  int n = 24;

  for (int i = 0; i < n; i++)
    ids[i] = (i * 131 + 7) % sy_model_get_info (fx->model)->vocab_size;
  g_assert_cmpfloat (sy_test_run_incremental (fx->ref, fx->test, ids, n, 10, &ref, &last), <=, 1e-5);
  assert_traces_equal (ref, last, 1e-5);
  g_assert_cmpfloat (fabs (ref->perplexity - last->perplexity), <=, 1e-4 * ref->perplexity);
}

/* editing the middle of the text keeps the common prefix from the cache
 * and gives what a fresh session gives */
static void
test_edit (TwoSessions   *fx,
           gconstpointer  arch)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) t1 = NULL;
  g_autoptr (SyTrace) t2 = NULL;
  g_autoptr (SyTrace) t3 = NULL;
  int32_t ids[20], edited[22];
  const float *a, *b;
  int T, V;

  for (int i = 0; i < 20; i++)
    ids[i] = (i * 97 + 3) % 3000;
  /* replace token 9 by two tokens */
  memcpy (edited, ids, sizeof (int32_t) * 9);
  edited[9] = 42;
  edited[10] = 43;
  memcpy (edited + 11, ids + 10, sizeof (int32_t) * 10);
  edited[21] = 5;

  sy_session_set_capture_hidden (fx->test, TRUE);
  sy_session_set_capture_hidden (fx->ref, TRUE);
  t1 = sy_session_run (fx->test, ids, 20, NULL, NULL, &error);
  g_assert_no_error (error);
  t2 = sy_session_run (fx->test, edited, 22, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_session_get_n_reused (fx->test), ==, 9);
  t3 = sy_session_run (fx->ref, edited, 22, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_session_get_n_reused (fx->ref), ==, 0);

  a = sy_session_get_logits (fx->test, &T, &V);
  b = sy_session_get_logits (fx->ref, &T, &V);
  g_assert_cmpint (T, ==, 22);
  g_assert_cmpfloat (sy_test_max_abs_diff (a, b, (gsize) T * V), <=, 1e-5);
  for (int i = 0; i <= sy_model_get_info (fx->model)->n_layers; i++)
    {
      int H;
      const float *ha = sy_session_get_hidden (fx->test, i, &T, &H);
      const float *hb = sy_session_get_hidden (fx->ref, i, &T, &H);

      g_assert_nonnull (ha);
      g_assert_cmpfloat (sy_test_max_abs_diff (ha, hb, (gsize) T * H), <=, 1e-5);
    }
  assert_traces_equal (t2, t3, 1e-5);
  for (int t = 0; t < 22; t++)
    g_assert_cmpint (t2->ids[t], ==, edited[t]);
}

/* sy_session_set_last_logits: the LM head of the last position only.  The
 * last row of logits and the routing equal a full run's; the other rows'
 * nll are NaN; a decode step after it has its own nll; turning the option
 * off recomputes from the first position without logits, and the result
 * equals a full run's everywhere */
static void
test_last_logits (TwoSessions   *fx,
                  gconstpointer  arch)
{
  g_autoptr (GError) error = NULL;
  int32_t ids[21];
  int V = sy_model_get_info (fx->model)->vocab_size;

  for (int i = 0; i < 21; i++)
    ids[i] = (i * 113 + 5) % V;
  g_assert_false (sy_session_get_last_logits (fx->test));
  sy_session_set_last_logits (fx->test, TRUE);
  g_assert_true (sy_session_get_last_logits (fx->test));
  for (int n = 20; n <= 21; n++)
    {
      g_autoptr (SyTrace) a = sy_session_run (fx->ref, ids, n, NULL, NULL, &error);
      g_autoptr (SyTrace) b = NULL;
      const float *la, *lb;
      int T;

      g_assert_no_error (error);
      b = sy_session_run (fx->test, ids, n, NULL, NULL, &error);
      g_assert_no_error (error);
      /* the second run is a decode step on the cache */
      g_assert_cmpint (sy_session_get_n_reused (fx->test), ==, n == 20 ? 0 : 20);
      la = sy_session_get_logits (fx->ref, &T, NULL);
      lb = sy_session_get_logits (fx->test, &T, NULL);
      g_assert_cmpint (T, ==, n);
      g_assert_cmpfloat (sy_test_max_abs_diff (la + (gsize) (n - 1) * V, lb + (gsize) (n - 1) * V, V), <=, 1e-5);
      for (int t = 0; t < 19; t++)
        g_assert_true (isnan (b->nll[t]));
      if (n == 21)
        g_assert_cmpfloat (fabs (a->nll[19] - b->nll[19]), <=, 1e-5);
      g_assert_true (isnan (b->perplexity));
      /* routing as a full run's (nll aside) */
      memcpy (b->nll, a->nll, sizeof (float) * (n - 1));
      assert_traces_equal (a, b, 1e-5);
    }

  /* every position's logits again: the cache before the first position
   * without them is all that is reused */
  sy_session_set_last_logits (fx->test, FALSE);
  {
    g_autoptr (SyTrace) a = sy_session_run (fx->ref, ids, 21, NULL, NULL, &error);
    g_autoptr (SyTrace) b = sy_session_run (fx->test, ids, 21, NULL, NULL, &error);
    int T;

    g_assert_no_error (error);
    g_assert_cmpint (sy_session_get_n_reused (fx->test), ==, 0);
    g_assert_cmpfloat (sy_test_max_abs_diff (sy_session_get_logits (fx->ref, &T, NULL),
                                             sy_session_get_logits (fx->test, &T, NULL), (gsize) 21 * V), <=, 1e-5);
    assert_traces_equal (a, b, 1e-5);
    g_assert_cmpfloat (fabs (a->perplexity - b->perplexity), <=, 1e-4 * a->perplexity);
  }
  /* a run with the option on that extends a full run keeps the whole
   * cache, and a full run after it reuses the positions that have logits */
  sy_session_set_last_logits (fx->test, TRUE);
  {
    g_autoptr (SyTrace) b = NULL;

    ids[20] = (ids[20] + 1) % V;
    b = sy_session_run (fx->test, ids, 21, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (sy_session_get_n_reused (fx->test), ==, 20);
    g_assert_false (isnan (b->nll[18]));
    g_assert_false (isnan (b->perplexity));
    sy_session_set_last_logits (fx->test, FALSE);
    g_clear_pointer (&b, sy_trace_free);
    b = sy_session_run (fx->test, ids, 21, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (sy_session_get_n_reused (fx->test), ==, 20);
  }
}

/* a non-causal policy never reuses the cache; changing the policy drops it */
static void
test_policy_cache (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  g_autoptr (SySession) s = sy_session_new (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) da = sy_router_spec_parse ("da", &error);
  g_autoptr (SyRouterSpec) topk = sy_router_spec_parse ("topk:k=4", &error);
  int32_t ids[12];

  g_assert_no_error (error);
  for (int i = 0; i < 12; i++)
    ids[i] = 100 + i * 11;

  g_assert_true (sy_session_set_router (s, da, &error));
  for (int len = 8; len <= 12; len += 4)
    {
      g_autoptr (SyTrace) t = sy_session_run (s, ids, len, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_false (t->causal);
      g_assert_cmpint (sy_session_get_n_reused (s), ==, 0);
      /* DA importance comes from this run's attention */
      for (int tok = 0; tok < len; tok++)
        g_assert_false (isnan (t->layers[0].importance[tok]));
    }

  /* topk:k=native equals native */
  {
    g_autoptr (SySession) native = sy_session_new (model);
    g_autoptr (SyTrace) a = NULL;
    g_autoptr (SyTrace) b = NULL;

    g_assert_true (sy_session_set_router (s, topk, &error));
    a = sy_session_run (s, ids, 12, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (sy_session_get_n_reused (s), ==, 0);
    g_assert_true (a->causal);
    b = sy_session_run (native, ids, 12, NULL, NULL, &error);
    g_assert_no_error (error);
    assert_traces_equal (a, b, 0);
    g_assert_cmpfloat (a->avg_k, ==, 4);
    g_assert_cmpfloat (a->activated_params, >, 0);
    g_assert_cmpfloat (a->flops, >, 2 * a->activated_params);
  }
}

static void
test_bad_ids (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("mixtral");
  g_autoptr (SySession) s = sy_session_new (model);
  g_autoptr (GError) error = NULL;
  int32_t ids[3] = { 5, 3000, 7 };
  SyTrace *t;

  t = sy_session_run (s, ids, 0, NULL, NULL, &error);
  g_assert_null (t);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_BAD_INPUT, "empty");

  t = sy_session_run (s, ids, 3, NULL, NULL, &error);
  g_assert_null (t);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_BAD_INPUT, "3000");

  ids[1] = -1;
  t = sy_session_run (s, ids, 3, NULL, NULL, &error);
  g_assert_null (t);
  g_assert_nonnull (strstr (error->message, "-1"));
}

static gboolean
cancel_at_half (double      fraction,
                const char *what,
                gpointer    data)
{
  return fraction < 0.5;
}

static void
test_cancel (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("qwen3_moe");
  g_autoptr (SySession) s = sy_session_new (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) t = NULL;
  int32_t ids[4] = { 1, 2, 3, 4 };

  g_assert_null (sy_session_run (s, ids, 4, cancel_at_half, NULL, &error));
  g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);
  /* the session still works, from scratch */
  t = sy_session_run (s, ids, 4, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sy_session_get_n_reused (s), ==, 0);
}

/* The fixture converted to @dtype and split into two shards (with
 * model.safetensors.index.json), run against the F32 original. */
typedef struct
{
  const char *arch;
  SyDType     dtype;
  double      tol;
} ConvertCase;

static void
test_converted (gconstpointer data)
{
  const ConvertCase *cc = data;
  g_autofree char *src = sy_test_model_path (cc->arch, "");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = sy_test_make_tmp_dir ("sy-convert-XXXXXX");
  g_autoptr (SyTensorStore) store = NULL;
  g_autoptr (SySafetensorsWriter) w = sy_safetensors_writer_new ();
  g_autoptr (SyModel) f32 = NULL;
  g_autoptr (SyModel) half = NULL;
  g_autoptr (SySession) sa = NULL;
  g_autoptr (SySession) sb = NULL;
  g_autoptr (SyTrace) ta = NULL;
  g_autoptr (SyTrace) tb = NULL;
  g_auto (GStrv) names = NULL;
  const char *copy[] = { "config.json", "generation_config.json", NULL };
  int32_t ids[16];
  const float *la, *lb;
  double d, agree = 0;
  int T, V, E;

  g_assert_no_error (error);
  store = sy_tensor_store_open (src, &error);
  g_assert_no_error (error);
  names = sy_tensor_store_list (store);
  for (int i = 0; names[i]; i++)
    {
      const SyTensor *t = sy_tensor_store_lookup (store, names[i]);

      g_assert_true (sy_safetensors_writer_add_tensor (w, names[i], cc->dtype, t, &error));
    }
  g_assert_true (sy_safetensors_writer_write_sharded (w, tmp, 2, NULL, NULL, &error));
  g_assert_no_error (error);
  for (int i = 0; copy[i]; i++)
    {
      g_autofree char *from = g_build_filename (src, copy[i], NULL);
      g_autofree char *to = g_build_filename (tmp, copy[i], NULL);
      g_autofree char *text = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (from, &text, &len, &error));
      g_assert_true (g_file_set_contents (to, text, len, &error));
    }

  f32 = sy_model_load (src, NULL, NULL, &error);
  g_assert_no_error (error);
  half = sy_model_load (tmp, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_model_get_info (half)->dtype, ==, sy_dtype_name (cc->dtype));
  g_assert_cmpint (sy_model_get_info (half)->n_params, ==, sy_model_get_info (f32)->n_params);

  for (int i = 0; i < 16; i++)
    ids[i] = (i * 173 + 11) % 3000;
  sa = sy_session_new (f32);
  sb = sy_session_new (half);
  ta = sy_session_run (sa, ids, 16, NULL, NULL, &error);
  g_assert_no_error (error);
  tb = sy_session_run (sb, ids, 16, NULL, NULL, &error);
  g_assert_no_error (error);
  la = sy_session_get_logits (sa, &T, &V);
  lb = sy_session_get_logits (sb, &T, &V);
  d = sy_test_max_abs_diff (la, lb, (gsize) T * V);
  g_test_message ("%s as %s in 2 shards: max |delta| logits %.3g", cc->arch,
                  sy_dtype_name (cc->dtype), d);
  g_assert_cmpfloat (d, <=, cc->tol);

  /* the same rounded weights stored as F32 give the same numbers: the
   * half-precision kernels add no error of their own */
  {
    g_autofree char *tmp32 = sy_test_make_tmp_dir ("sy-convert32-XXXXXX");
    g_autoptr (SyTensorStore) hs = sy_tensor_store_open (tmp, &error);
    g_autoptr (SySafetensorsWriter) w32 = sy_safetensors_writer_new ();
    g_autoptr (SyModel) m32 = NULL;
    g_autoptr (SySession) s32 = NULL;
    g_autoptr (SyTrace) t32 = NULL;
    g_autofree char *st32 = g_build_filename (tmp32, "model.safetensors", NULL);
    g_autofree char *cfg32 = g_build_filename (tmp32, "config.json", NULL);
    g_autofree char *cfg = g_build_filename (src, "config.json", NULL);
    g_autofree char *text = NULL;
    gsize len;

    g_assert_no_error (error);
    for (int i = 0; names[i]; i++)
      g_assert_true (sy_safetensors_writer_add_tensor (w32, names[i], SY_DTYPE_F32,
                                                       sy_tensor_store_lookup (hs, names[i]), &error));
    g_assert_true (sy_safetensors_writer_write (w32, st32, &error));
    g_assert_true (g_file_get_contents (cfg, &text, &len, &error));
    g_assert_true (g_file_set_contents (cfg32, text, len, &error));
    m32 = sy_model_load (tmp32, NULL, NULL, &error);
    g_assert_no_error (error);
    s32 = sy_session_new (m32);
    t32 = sy_session_run (s32, ids, 16, NULL, NULL, &error);
    g_assert_no_error (error);
    d = sy_test_max_abs_diff (sy_session_get_logits (s32, &T, &V), lb, (gsize) T * V);
    g_test_message ("%s as %s vs the same weights in F32: max |delta| logits %.3g", cc->arch,
                    sy_dtype_name (cc->dtype), d);
    g_assert_cmpfloat (d, <=, 1e-4);
    g_clear_pointer (&s32, sy_session_free);
    g_clear_pointer (&m32, sy_model_unref);
    g_unlink (st32);
    g_unlink (cfg32);
    g_rmdir (tmp32);
  }

  /* the routing mostly agrees (near-ties may flip) */
  E = ta->n_experts;
  for (int l = 0; l < ta->n_moe_layers; l++)
    for (int t = 0; t < 16; t++)
      agree += ta->layers[l].experts[t * E] == tb->layers[l].experts[t * E];
  g_assert_cmpfloat (agree / (ta->n_moe_layers * 16), >=, 0.8);

  /* a decode step on half weights (the T = 1 kernels) agrees with a prefill */
  {
    g_autoptr (SySession) sc = sy_session_new (half);
    g_autoptr (SyTrace) t1 = sy_session_run (sc, ids, 15, NULL, NULL, &error);
    g_autoptr (SyTrace) t2 = sy_session_run (sc, ids, 16, NULL, NULL, &error);
    const float *lc = sy_session_get_logits (sc, &T, &V);

    g_assert_no_error (error);
    g_assert_nonnull (t1);
    g_assert_nonnull (t2);
    g_assert_cmpint (sy_session_get_n_reused (sc), ==, 15);
    g_assert_cmpfloat (sy_test_max_abs_diff (lb, lc, (gsize) T * V), <=, 1e-4);
  }

  /* sessions go before their model */
  g_clear_pointer (&sb, sy_session_free);
  g_clear_pointer (&half, sy_model_unref);
  {
    g_autoptr (GDir) dir = g_dir_open (tmp, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)))
      {
        g_autofree char *path = g_build_filename (tmp, name, NULL);

        g_unlink (path);
      }
  }
  g_rmdir (tmp);
}

static const ConvertCase convert_cases[] = {
  { "mixtral", SY_DTYPE_BF16, 0.3 },
  { "mixtral", SY_DTYPE_F16, 0.03 },
  { "olmoe", SY_DTYPE_BF16, 0.3 },
  { "olmoe", SY_DTYPE_F16, 0.03 },
  { "qwen2_moe", SY_DTYPE_BF16, 0.3 },
  { "qwen2_moe", SY_DTYPE_F16, 0.03 },
  { "qwen3_moe", SY_DTYPE_BF16, 0.3 },
  { "qwen3_moe", SY_DTYPE_F16, 0.03 },
  { "granitemoe", SY_DTYPE_BF16, 0.3 },
  { "granitemoe", SY_DTYPE_F16, 0.03 },
};

static const SyTestCase tests[] = {
  { "/engine/forward/fixture", NULL, test_fixture, archs },
  { "/engine/forward/policy-cache", test_policy_cache },
  { "/engine/forward/bad-ids", test_bad_ids },
  { "/engine/forward/cancel", test_cancel },
  { NULL, NULL }
};

/* the two-session tests of each arch, and the converted models' */
static void
add_model_tests (void)
{
  static const struct
  {
    const char *name;
    void      (*func) (TwoSessions  *fx,
                       gconstpointer arch);
  } two_session_tests[] = {
    { "incremental", test_incremental },
    { "edit", test_edit },
    { "last-logits", test_last_logits },
  };

  for (guint i = 0; i < G_N_ELEMENTS (two_session_tests); i++)
    for (guint a = 0; archs[a] != NULL; a++)
      {
        g_autofree char *path = g_strdup_printf ("/engine/forward/%s/%s", two_session_tests[i].name, archs[a]);

        g_test_add (path, TwoSessions, archs[a], two_sessions_setup, two_session_tests[i].func,
                    two_sessions_teardown);
      }
  for (guint i = 0; i < G_N_ELEMENTS (convert_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/forward/converted/%s/%s",
                                               convert_cases[i].arch,
                                               sy_dtype_name (convert_cases[i].dtype));

      g_test_add_data_func (path, &convert_cases[i], test_converted);
    }
}

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, add_model_tests, NULL);
}
