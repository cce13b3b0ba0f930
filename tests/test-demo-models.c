/* test-demo-models.c: our demo models (model_type "switchyard") against
 * the trainer's PyTorch forward
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every tests/data/NAME/reference.json (written by tools/train/reference.py
 * for the shipped models, tools/train/tiny_references.py for the tiny
 * random-weight ones) is one parity test: logits, router logits and hidden
 * states within 1e-4, the same K, experts and weights per token and layer
 * under the model's native routing, the same greedy continuation.  Then:
 * incremental decoding equals a full prefill with gmha windows, the native
 * policy read from config.json, per-width activated parameters of
 * dual-scale experts, bad configs, and the default model behind the CLI.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "sy-arch.h"
#include "sy-default-model.h"
#include "sy-metrics.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-tensor-store.h"
#include "sy-tokenizer.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

#define TOL 1e-4
#define WEIGHT_TOL 1e-5

static char *
data_path (const char *name,
           const char *file)
{
  const char *root = g_getenv ("SY_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "tests", "data", name, file, NULL);
}

static json_object *
read_json (const char *file)
{
  json_object *root = json_object_from_file (file);

  if (root == NULL)
    g_error ("%s: cannot read JSON", file);
  return root;
}

/* tests/data/@name/reference.json, read */
static json_object *
read_reference (const char *name)
{
  g_autofree char *file = data_path (name, "reference.json");

  return read_json (file);
}

/* The model folder of a reference: "." = the reference's own folder, else
 * relative to the source root. */
static char *
model_dir_of (const char  *name,
              json_object *ref)
{
  const char *dir = json_object_get_string (sy_test_json_get_nonnull (ref, "model_dir"));

  if (g_strcmp0 (dir, ".") == 0)
    return data_path (name, NULL);
  return g_build_filename (g_getenv ("SY_SOURCE_ROOT"), dir, NULL);
}

/* -------------------------------------------------------------- parity */

/* K, experts (in weight order) and weights of every token of one layer. */
static void
check_routing (const char         *name,
               const char         *key,
               int                 layer,
               json_object        *entry,
               const SyTraceLayer *tl,
               int                 n,
               int                 E,
               double             *max_w)
{
  json_object *ks = sy_test_json_get_nonnull (entry, "k"), *ex = sy_test_json_get_nonnull (entry, "experts"), *ws = sy_test_json_get_nonnull (entry, "weights");

  for (int t = 0; t < n; t++)
    {
      int k = json_object_get_int (json_object_array_get_idx (ks, t));
      json_object *et = json_object_array_get_idx (ex, t);
      json_object *wt = json_object_array_get_idx (ws, t);

      if (tl->k[t] != k)
        g_error ("%s %s: layer %d token %d has K %d, reference %d", name, key, layer, t, tl->k[t], k);
      for (int j = 0; j < k; j++)
        {
          int e = json_object_get_int (json_object_array_get_idx (et, j));
          double w = json_object_get_double (json_object_array_get_idx (wt, j));
          double d = fabs (tl->weights[(gsize) t * E + j] - w);

          if (tl->experts[(gsize) t * E + j] != e)
            g_error ("%s %s: layer %d token %d: expert %d of the chosen is %d, reference %d",
                     name, key, layer, t, j, tl->experts[(gsize) t * E + j], e);
          *max_w = MAX (*max_w, d);
          if (d > WEIGHT_TOL)
            g_error ("%s %s: layer %d token %d: weight of expert %d is %g, reference %g",
                     name, key, layer, t, e, tl->weights[(gsize) t * E + j], w);
        }
    }
}

static void
test_parity (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *ref_st = data_path (name, "reference.safetensors");
  json_object *root = read_reference (name);
  json_object *cases = sy_test_json_get_nonnull (root, "cases");
  g_autofree char *dir = model_dir_of (name, root);
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyTensorStore) ref = NULL;
  const SyModelInfo *info;
  gboolean da = g_strcmp0 (json_object_get_string (sy_test_json_get_nonnull (root, "routing")), "da") == 0;
  double max_logits = 0, max_router = 0, max_hidden = 0, max_w = 0;
  int n_tokens = 0;

  model = sy_model_load (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  info = sy_model_get_info (model);
  g_assert_cmpstr (info->model_type, ==, "switchyard");
  g_assert_nonnull (sy_model_get_router_info (model)->native);
  ref = sy_tensor_store_open (ref_st, &error);
  g_assert_no_error (error);

  session = sy_session_new (model);
  sy_session_set_capture_hidden (session, TRUE);

  for (gsize c = 0; c < json_object_array_length (cases); c++)
    {
      json_object *cs = json_object_array_get_idx (cases, c);
      const char *key = json_object_get_string (sy_test_json_get_nonnull (cs, "key"));
      json_object *routing = sy_test_json_get_nonnull (cs, "routing"), *v = NULL;
      g_autofree int32_t *ids = NULL;
      g_autofree int32_t *cont = NULL;
      g_autoptr (SyTrace) trace = NULL;
      const float *logits;
      int n, n_cont, T, V, E = info->n_experts;
      SyTestRefCase rc;

      ids = sy_test_json_ids (sy_test_json_get_nonnull (cs, "input_ids"), 8, &n);
      cont = sy_test_json_ids (sy_test_json_get_nonnull (cs, "greedy_continuation"), 0, &n_cont);
      g_assert_cmpint (n_cont, <=, 8);
      g_assert_cmpint (json_object_get_int (sy_test_json_get_nonnull (cs, "router_layers")), ==, info->n_moe_layers);
      g_assert_cmpint (json_object_get_int (sy_test_json_get_nonnull (cs, "hidden_layers")), ==, info->n_layers + 1);
      n_tokens += n;

      /* the trainer's own tokenization, where the case has a text */
      if (json_object_object_get_ex (cs, "text", &v) && v)
        {
          SyTokenizer *tok = sy_model_get_tokenizer (model);
          g_autoptr (SyEncoding) enc = NULL;

          g_assert_nonnull (tok);
          enc = sy_tokenizer_encode (tok, json_object_get_string (v), -1, TRUE, &error);
          g_assert_no_error (error);
          g_assert_cmpint (enc->n, ==, n);
          for (int t = 0; t < n; t++)
            g_assert_cmpint (enc->ids[t], ==, ids[t]);
        }

      sy_session_reset (session);
      trace = sy_session_run (session, ids, n, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (trace->causal == !da);

      logits = sy_session_get_logits (session, &T, &V);
      g_assert_cmpint (T, ==, n);
      rc = (SyTestRefCase) { ref, name, key, n, TOL };
      max_logits = MAX (max_logits, sy_test_ref_delta (&rc, "logits", logits, V));
      for (int i = 0; i < info->n_moe_layers; i++)
        {
          g_autofree char *part = g_strdup_printf ("router_logits.%d", i);

          max_router = MAX (max_router, sy_test_ref_delta (&rc, part, trace->layers[i].logits, E));
          check_routing (name, key, i, json_object_array_get_idx (routing, i),
                         &trace->layers[i], n, E, &max_w);
        }
      max_hidden = MAX (max_hidden, sy_test_ref_hidden_delta (&rc, session, info->n_layers + 1,
                                                              info->hidden_size));

      /* greedy continuation: causal routing decodes with the cache; da
       * re-decides every K on the longer text, as the reference does */
      sy_test_ref_greedy (&rc, session, ids, cont, n_cont, !da);
    }
  json_object_put (root);
  g_test_message ("%s: %d tokens, max |delta| logits %.3g, router logits %.3g, hidden %.3g, "
                  "weights %.3g", name, n_tokens, max_logits, max_router, max_hidden, max_w);
  if (g_getenv ("SY_DEMO_REPORT"))
    g_printerr ("%s: max |delta| logits %.3g, router logits %.3g, hidden %.3g, weights %.3g\n",
                name, max_logits, max_router, max_hidden, max_w);
}

/* -------------------------------------------- incremental == prefill */

/* Decoding one token at a time through the KV cache gives the prefill's
 * logits and routing, with every gmha window (longer texts than the
 * windows).  A non-causal native policy is swapped for top-k. */
static void
test_incremental (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GError) error = NULL;
  json_object *root = read_reference (name);
  json_object *cases = sy_test_json_get_nonnull (root, "cases");
  json_object *cs = json_object_array_get_idx (cases, json_object_array_length (cases) - 1);
  g_autofree char *dir = model_dir_of (name, root);
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);
  g_autoptr (SySession) full = NULL;
  g_autoptr (SySession) inc = NULL;
  g_autoptr (SyTrace) ref = NULL;
  g_autoptr (SyTrace) last = NULL;
  g_autofree int32_t *ids = NULL;
  const float *b;
  int n, T, V, E;
  double d;

  g_assert_no_error (error);
  E = sy_model_get_info (model)->n_experts;
  ids = sy_test_json_ids (sy_test_json_get_nonnull (cs, "input_ids"), 0, &n);
  full = sy_session_new (model);
  inc = sy_session_new (model);
  if (!sy_router_spec_is_causal (sy_model_get_router_info (model)->native))
    {
      g_autoptr (SyRouterSpec) topk = sy_router_spec_parse ("topk:k=2", &error);

      g_assert_no_error (error);
      g_assert_true (sy_session_set_router (full, topk, &error));
      g_assert_true (sy_session_set_router (inc, topk, &error));
    }
  d = sy_test_run_incremental (full, inc, ids, n, 4, &ref, &last);
  b = sy_session_get_logits (inc, &T, &V);
  g_test_message ("%s: incremental vs prefill, max |delta| logits %.3g over %d tokens", name, d, n);
  g_assert_cmpfloat (d, <=, TOL);
  if (sy_router_spec_is_causal (sy_model_get_router_info (model)->native))
    {
      /* and against the trainer's forward of the whole text */
      g_autofree char *ref_st = data_path (name, "reference.safetensors");
      g_autoptr (SyTensorStore) store = sy_tensor_store_open (ref_st, &error);
      g_autofree char *tn = g_strdup_printf ("%s.logits", json_object_get_string (sy_test_json_get_nonnull (cs, "key")));
      g_autofree float *r = NULL;

      g_assert_no_error (error);
      r = sy_test_ref_tensor (store, tn, n, V);
      d = sy_test_max_abs_diff (b, r, (gsize) n * V);
      g_test_message ("%s: incremental vs PyTorch, max |delta| logits %.3g", name, d);
      g_assert_cmpfloat (d, <=, TOL);
    }
  for (int i = 0; i < ref->n_moe_layers; i++)
    for (int t = 0; t < n; t++)
      {
        g_assert_cmpint (ref->layers[i].k[t], ==, last->layers[i].k[t]);
        for (int j = 0; j < ref->layers[i].k[t]; j++)
          g_assert_cmpint (ref->layers[i].experts[(gsize) t * E + j], ==,
                           last->layers[i].experts[(gsize) t * E + j]);
      }
  json_object_put (root);
}

/* ------------------------------------------------------ native policy */

/* config.json's routing keys become the model's native SyRouterSpec;
 * `native` named explicitly runs it (and says causal=false for da). */
static void
test_native_spec (gconstpointer data)
{
  const char *name = data;
  g_autoptr (GError) error = NULL;
  json_object *ref = read_reference (name);
  g_autofree char *dir = model_dir_of (name, ref);
  g_autofree char *cfg_file = g_build_filename (dir, "config.json", NULL);
  json_object *cfg = read_json (cfg_file);
  const char *routing = json_object_get_string (sy_test_json_get_nonnull (cfg, "routing"));
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);
  const SyRouterModelInfo *ri;
  const SyRouterSpec *nat;
  g_autoptr (SyRouterSpec) named = NULL;
  g_autoptr (SySession) s1 = NULL;
  g_autoptr (SySession) s2 = NULL;
  g_autoptr (SyTrace) t1 = NULL;
  g_autoptr (SyTrace) t2 = NULL;
  int32_t ids[12] = { 0, 5, 17, 200, 3, 3, 99, 41, 250, 7, 128, 64 };
  json_object *sch = NULL;

  g_assert_no_error (error);
  ri = sy_model_get_router_info (model);
  nat = ri->native;
  g_assert_nonnull (nat);
  g_assert_cmpint (ri->native_k, ==, json_object_get_int (sy_test_json_get_nonnull (cfg, "num_experts_per_tok")));
  if (g_strcmp0 (routing, "topp") == 0)
    {
      g_assert_cmpint (nat->policy, ==, SY_POLICY_TOPP);
      g_assert_cmpfloat (nat->p, ==, json_object_get_double (sy_test_json_get_nonnull (cfg, "top_p")));
      g_assert_cmpint (nat->weights, ==, SY_WEIGHTS_RAW);
      g_assert_cmpint (ri->n_shallow_experts, ==, 0);
    }
  else if (g_strcmp0 (routing, "da") == 0)
    {
      g_assert_cmpint (nat->policy, ==, SY_POLICY_DA);
      g_assert_cmpint (nat->k, ==, json_object_get_int (sy_test_json_get_nonnull (cfg, "da_k")));
      g_assert_cmpint (nat->kmin, ==, json_object_get_int (sy_test_json_get_nonnull (cfg, "da_kmin")));
      g_assert_cmpint (nat->kmax, ==, json_object_get_int (sy_test_json_get_nonnull (cfg, "da_kmax")));
      g_assert_cmpint (nat->map, ==, SY_DA_MAP_BUDGET);
      g_assert_cmpint (nat->weights, ==, SY_WEIGHTS_RENORM);
      g_assert_false (sy_router_spec_is_causal (nat));
    }
  else
    {
      g_assert_cmpstr (routing, ==, "dasg");
      g_assert_cmpint (nat->policy, ==, SY_POLICY_ADR);
      g_assert_cmpfloat (nat->theta, ==, json_object_get_double (sy_test_json_get_nonnull (cfg, "theta")));
      g_assert_cmpfloat (nat->gamma, ==, json_object_get_double (sy_test_json_get_nonnull (cfg, "gamma")));
      g_assert_cmpfloat (nat->u, ==, json_object_get_double (sy_test_json_get_nonnull (cfg, "urgency")));
      g_assert_cmpint (nat->kdeep, ==, json_object_get_int (sy_test_json_get_nonnull (cfg, "kdeep")));
      g_assert_cmpint (nat->kshallow, ==, json_object_get_int (sy_test_json_get_nonnull (cfg, "kshallow")));
      g_assert_cmpint (nat->weights, ==, SY_WEIGHTS_RENORM);
      g_assert_cmpint (ri->n_shallow_experts, ==,
                       json_object_get_int (sy_test_json_get_nonnull (cfg, "num_shallow_experts")));
    }
  if (json_object_object_get_ex (cfg, "schedule", &sch) && sch)
    {
      const char *sname = json_object_get_string (sy_test_json_get_nonnull (sch, "name"));

      g_assert_cmpstr (sy_router_schedule_name (nat->schedule), ==, sname);
      if (g_strcmp0 (sname, "custom") == 0)
        {
          json_object *cu = sy_test_json_get_nonnull (sch, "custom");

          g_assert_cmpint (nat->n_custom, ==, (int) json_object_array_length (cu));
          for (int i = 0; i < nat->n_custom; i++)
            g_assert_cmpint (nat->custom[i], ==,
                             json_object_get_int (json_object_array_get_idx (cu, i)));
          for (int i = 0; i < nat->n_custom; i++)
            g_assert_cmpint (sy_router_layer_budget (nat, ri, i), ==, nat->custom[i]);
        }
    }
  else
    g_assert_cmpint (nat->schedule, ==, SY_SCHEDULE_NONE);

  /* the default router and `native` named explicitly agree */
  named = sy_router_spec_parse ("native", &error);
  g_assert_no_error (error);
  s1 = sy_session_new (model);
  s2 = sy_session_new (model);
  g_assert_true (sy_session_set_router (s2, named, &error));
  t1 = sy_session_run (s1, ids, G_N_ELEMENTS (ids), NULL, NULL, &error);
  g_assert_no_error (error);
  t2 = sy_session_run (s2, ids, G_N_ELEMENTS (ids), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (t1->causal == sy_router_spec_is_causal (nat));
  g_assert_true (t2->causal == t1->causal);
  for (int i = 0; i < t1->n_moe_layers; i++)
    for (int t = 0; t < t1->n_tokens; t++)
      {
        g_assert_cmpint (t1->layers[i].k[t], ==, t2->layers[i].k[t]);
        g_assert_cmpfloat (t1->layers[i].weights[(gsize) t * ri->n_experts], ==,
                           t2->layers[i].weights[(gsize) t * ri->n_experts]);
      }
  g_assert_cmpfloat (t1->avg_k, ==, t2->avg_k);

  /* generate's mode (a non-causal router, new tokens routed natively)
   * keeps the cache only when native is causal */
  {
    g_autoptr (SySession) s3 = sy_session_new (model);
    g_autoptr (SyRouterSpec) da = sy_router_spec_parse ("da", &error);
    g_autoptr (SyTrace) a = NULL;
    g_autoptr (SyTrace) b = NULL;

    g_assert_no_error (error);
    g_assert_true (sy_session_set_router (s3, da, &error));
    sy_session_set_extend_native (s3, TRUE);
    a = sy_session_run (s3, ids, 8, NULL, NULL, &error);
    g_assert_no_error (error);
    b = sy_session_run (s3, ids, 12, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (sy_session_get_n_reused (s3), ==, sy_router_spec_is_causal (nat) ? 8 : 0);
  }
  json_object_put (cfg);
  json_object_put (ref);
}

/* ---------------------------------------------- dual-scale experts */

/* Activated parameters count every chosen expert at its own width. */
static void
test_dasg_cost (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = data_path ("tiny-dasg", NULL);
  g_autofree char *cfg_file = data_path ("tiny-dasg", "config.json");
  json_object *cfg = read_json (cfg_file);
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);
  g_autoptr (SySession) s = NULL;
  g_autoptr (SyTrace) trace = NULL;
  const SyModelInfo *info;
  int32_t ids[16];
  int Es, Fs, Fd, G, E, H, D, nh, n_deep = 0, n_shallow = 0;
  double want = 0;

  g_assert_no_error (error);
  info = sy_model_get_info (model);
  Es = json_object_get_int (sy_test_json_get_nonnull (cfg, "num_shallow_experts"));
  Fs = json_object_get_int (sy_test_json_get_nonnull (cfg, "shallow_intermediate_size"));
  Fd = json_object_get_int (sy_test_json_get_nonnull (cfg, "deep_intermediate_size"));
  G = json_object_get_int (sy_test_json_get_nonnull (cfg, "gmha_groups"));
  E = info->n_experts;
  H = info->hidden_size;
  D = info->head_dim;
  nh = info->n_heads;
  g_assert_cmpint (Fs, !=, Fd);
  /* every expert bound at its own width: the parameter count says so */
  {
    int64_t per_layer = (int64_t) 4 * H * nh * D + (int64_t) G * H + 2 * H + (int64_t) E * H
                        + 3 * (int64_t) H * ((int64_t) Es * Fs + (int64_t) (E - Es) * Fd);
    int64_t total = (int64_t) info->n_layers * per_layer + 2 * (int64_t) info->vocab_size * H + H;

    g_assert_cmpint (info->n_params, ==, total);
  }

  for (int i = 0; i < 16; i++)
    ids[i] = (i * 37 + 11) % info->vocab_size;
  ids[0] = 0;
  s = sy_session_new (model);
  trace = sy_session_run (s, ids, 16, NULL, NULL, &error);
  g_assert_no_error (error);
  for (int t = 0; t < 16; t++)
    {
      double p = (double) H * info->vocab_size;

      for (int i = 0; i < trace->n_moe_layers; i++)
        {
          const SyTraceLayer *tl = &trace->layers[i];
          gboolean deep = tl->k[t] > 0 && tl->experts[(gsize) t * E] >= Es;

          p += 4.0 * H * nh * D + (double) H * G + (double) H * E;
          for (int j = 0; j < tl->k[t]; j++)
            {
              int e = tl->experts[(gsize) t * E + j];

              /* adr picks inside one group */
              g_assert_true ((e >= Es) == deep);
              p += 3.0 * H * (e < Es ? Fs : Fd);
            }
          if (deep)
            n_deep++;
          else
            n_shallow++;
        }
      want += p / 16;
    }
  g_assert_cmpint (n_deep, >, 0);
  g_assert_cmpint (n_shallow, >, 0);
  g_assert_cmpfloat (fabs (trace->activated_params - want), <=, 1e-6 * want);
  json_object_put (cfg);
}

/* ------------------------------------------------------- bad configs */

/* A copy of tiny-dasg with one config key changed must fail to load with
 * an error naming the key. */
static void
expect_bad_config (const char *key,
                   const char *json_value,
                   const char *message_part)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src = data_path ("tiny-dasg", NULL);
  g_autofree char *tmp = sy_test_make_tmp_dir ("sy-demo-XXXXXX");
  g_autofree char *cfg_src = g_build_filename (src, "config.json", NULL);
  g_autofree char *cfg_dst = g_build_filename (tmp, "config.json", NULL);
  g_autofree char *st_src = g_build_filename (src, "model.safetensors", NULL);
  g_autofree char *st_dst = g_build_filename (tmp, "model.safetensors", NULL);
  json_object *cfg = read_json (cfg_src);
  g_autoptr (SyModel) model = NULL;

  g_assert_no_error (error);
  if (json_value)
    json_object_object_add (cfg, key, json_tokener_parse (json_value));
  else
    json_object_object_del (cfg, key);
  g_assert_cmpint (json_object_to_file (cfg_dst, cfg), ==, 0);
  json_object_put (cfg);
  g_assert_cmpint (symlink (st_src, st_dst), ==, 0);

  model = sy_model_load (tmp, NULL, NULL, &error);
  if (model != NULL)
    g_error ("%s=%s: the model loaded", key, json_value ? json_value : "(absent)");
  g_assert_nonnull (error);
  if (strstr (error->message, message_part) == NULL)
    g_error ("%s=%s: error '%s' does not name '%s'", key, json_value ? json_value : "(absent)",
             error->message, message_part);
  g_unlink (st_dst);
  g_unlink (cfg_dst);
  g_rmdir (tmp);
}

static void
test_bad_config (void)
{
  expect_bad_config ("routing", "\"bogus\"", "'routing'");
  expect_bad_config ("routing", NULL, "'routing'");
  expect_bad_config ("gmha_groups", "3", "gmha_groups");
  expect_bad_config ("gmha_windows", "[1, 2]", "gmha_windows");
  expect_bad_config ("gmha_windows", "[1, -2, 0, 3]", "gmha_windows");
  expect_bad_config ("attention", "\"sparse\"", "'attention'");
  expect_bad_config ("num_shallow_experts", "6", "num_shallow_experts");
  expect_bad_config ("theta", "\"high\"", "'theta'");
  expect_bad_config ("kdeep", NULL, "'kdeep'");
  expect_bad_config ("kdeep", "2.5", "'kdeep'");
  expect_bad_config ("weights", "\"softmax\"", "'weights'");
  expect_bad_config ("schedule", "{\"name\": \"custom\", \"custom\": [1, 2]}", "native routing");
  expect_bad_config ("schedule", "{\"name\": \"zigzag\"}", "zigzag");
  expect_bad_config ("schedule", "[1]", "'schedule'");
  /* the shallow experts' width must match their tensors */
  expect_bad_config ("shallow_intermediate_size", "13", "gate_proj");
}

/* ------------------------------------------- the app's default model */

static void
test_default_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *cmd = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (SyModel) model = NULL;
  json_object *trace;
  int status;

  g_unsetenv ("SWITCHYARD_MODEL");
  path = sy_default_model_path (&error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, SY_DEFAULT_MODEL_NAME));
  model = sy_model_load (path, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_model_get_info (model)->model_type, ==, "switchyard");
  g_assert_nonnull (sy_model_get_tokenizer (model));

  /* `switchyard-cli route` without --model runs it */
  cmd = g_strdup_printf ("'%s' route --text 'The jury said it did not find any evidence.' --json",
                         g_getenv ("SY_CLI"));
  g_assert_true (g_spawn_command_line_sync (cmd, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("route without --model failed: %s", err);
  trace = json_tokener_parse (out);
  g_assert_nonnull (trace);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get_nonnull (trace, "model")), ==, SY_DEFAULT_MODEL_NAME);
  g_assert_true (json_object_get_boolean (sy_test_json_get_nonnull (trace, "causal")));
  g_assert_cmpint (json_object_array_length (sy_test_json_get_nonnull (trace, "tokens")), >, 5);
  json_object_put (trace);
}

static const SyTestCase tests[] = {
  { "/demo-models/dasg-cost", test_dasg_cost },
  { "/demo-models/bad-config", test_bad_config },
  { "/demo-models/default-model", test_default_model },
  { NULL, NULL }
};

/* GCompareFunc of a GPtrArray of strings: it is handed pointers to the
 * elements, so the order of the strings, not of their addresses */
static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* parity and native-spec tests for each demo model under tests/data (a
 * folder with a reference.json; its name, interned, is the tests' data),
 * incremental ones for those whose attention is "gmha" */
static void
add_model_tests (void)
{
  g_autofree char *root = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();

  root = g_build_filename (g_getenv ("SY_SOURCE_ROOT"), "tests", "data", NULL);
  dir = g_dir_open (root, 0, NULL);
  g_assert_nonnull (dir);
  for (const char *n; (n = g_dir_read_name (dir)) != NULL;)
    {
      g_autofree char *ref = g_build_filename (root, n, "reference.json", NULL);

      if (g_file_test (ref, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (names, (gpointer) g_intern_string (n));
    }
  g_ptr_array_sort (names, compare_names);
  g_assert_cmpuint (names->len, >, 0);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      g_autofree char *p = g_strdup_printf ("/demo-models/parity/%s", n);
      json_object *ref = read_reference (n);
      g_autofree char *q = g_strdup_printf ("/demo-models/native-spec/%s", n);

      g_test_add_data_func (p, n, test_parity);
      if (g_strcmp0 (json_object_get_string (sy_test_json_get_nonnull (ref, "attention")), "gmha") == 0)
        {
          g_autofree char *r = g_strdup_printf ("/demo-models/incremental/%s", n);

          g_test_add_data_func (r, n, test_incremental);
        }
      g_test_add_data_func (q, n, test_native_spec);
      json_object_put (ref);
    }
}

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, add_model_tests, NULL);
}
