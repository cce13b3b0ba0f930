/* sy-test-model.c: engine-level helpers the model tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-engine-error.h"
#include "sy-metrics.h"
#include "sy-model.h"
#include "sy-session.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

float *
sy_test_ref_tensor (SyTensorStore *ref,
                    const char    *name,
                    int64_t        rows,
                    int64_t        cols)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { rows, cols };
  const SyTensor *t = sy_tensor_store_get (ref, name, 2, shape, &error);
  float *out;

  g_assert_no_error (error);
  out = g_new (float, rows * cols);
  sy_tensor_to_f32 (t, 0, rows * cols, out);
  return out;
}

double
sy_test_ref_delta (const SyTestRefCase *c,
                   const char          *part,
                   const float         *got,
                   int64_t              cols)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", c->key, part);
  g_autofree float *r = sy_test_ref_tensor (c->ref, name, c->n, cols);
  double d = sy_test_max_abs_diff (got, r, (gsize) c->n * cols);

  if (d > c->tol)
    g_error ("%s %s: %s differs by %g", c->label, c->key, part, d);
  return d;
}

double
sy_test_ref_hidden_delta (const SyTestRefCase *c,
                          SySession           *session,
                          int                  n_hidden,
                          int                  hidden_size)
{
  double max = 0;

  for (int i = 0; i < n_hidden; i++)
    {
      g_autofree char *part = g_strdup_printf ("hidden.%d", i);
      int T, H;
      const float *h = sy_session_get_hidden (session, i, &T, &H);

      g_assert_nonnull (h);
      g_assert_cmpint (H, ==, hidden_size);
      max = MAX (max, sy_test_ref_delta (c, part, h, H));
    }
  return max;
}

void
sy_test_ref_greedy (const SyTestRefCase *c,
                    SySession           *session,
                    int32_t             *ids,
                    const int32_t       *cont,
                    int                  n_cont,
                    gboolean             causal)
{
  for (int s = 0; s < n_cont; s++)
    {
      g_autoptr (SyTrace) step = NULL;
      g_autoptr (GError) error = NULL;
      int len = c->n + s, T, V;
      const float *logits = sy_session_get_logits (session, &T, &V);

      ids[len] = sy_metrics_argmax (logits + (gsize) (len - 1) * V, V);
      if (ids[len] != cont[s])
        g_error ("%s %s: greedy token %d is %d, reference %d", c->label, c->key, s, ids[len], cont[s]);
      if (s == n_cont - 1)
        break;
      step = sy_session_run (session, ids, len + 1, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sy_session_get_n_reused (session), ==, causal ? len : 0);
    }
}

void
sy_test_assert_engine_error_at (GError     **error,
                                int          code,
                                const char  *needle,
                                const char  *where)
{
  if (!g_error_matches (*error, SY_ENGINE_ERROR, code))
    g_error ("%s: expected engine error %d, got %s", where, code, *error ? (*error)->message : "none");
  if (strstr ((*error)->message, needle) == NULL)
    g_error ("%s: '%s' not found in '%s'", where, needle, (*error)->message);
  g_clear_error (error);
}

void
sy_test_assert_load_fails (const char        *dir,
                           int                code,
                           const char *const *needles)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);

  g_assert_null (model);
  g_assert_error (error, SY_ENGINE_ERROR, code);
  for (int i = 0; needles[i]; i++)
    if (strstr (error->message, needles[i]) == NULL)
      g_error ("error '%s' does not mention '%s'", error->message, needles[i]);
  g_test_message ("%s", error->message);
}

void
sy_test_assert_copy_fails (const char        *dir,
                           int                code,
                           const char *const *needles)
{
  sy_test_assert_load_fails (dir, code, needles);
  sy_test_remove_tree (dir);
}

char *
sy_test_model_copy_config (const char     *arch,
                           const char     *tmpl,
                           SyTestEditFunc  edit,
                           gpointer        data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *src_config = sy_test_model_path (arch, "config.json");
  g_autofree char *tmp = g_dir_make_tmp (tmpl, &error);
  g_autofree char *dst_config = NULL;
  json_object *config;

  g_assert_no_error (error);
  dst_config = g_build_filename (tmp, "config.json", NULL);
  config = json_object_from_file (src_config);
  g_assert_nonnull (config);
  if (edit)
    edit (config, data);
  g_assert_cmpint (json_object_to_file (dst_config, config), ==, 0);
  json_object_put (config);
  return g_steal_pointer (&tmp);
}

json_object *
sy_test_ref_cases (const char     *arch,
                   json_object   **cases,
                   SyTensorStore **ref)
{
  g_autofree char *ref_json = sy_test_model_path (arch, "reference.json");
  g_autofree char *ref_st = sy_test_model_path (arch, "reference.safetensors");
  g_autoptr (GError) error = NULL;
  json_object *root;

  *ref = sy_tensor_store_open (ref_st, &error);
  g_assert_no_error (error);
  root = json_object_from_file (ref_json);
  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", cases));
  g_assert_cmpint (json_object_array_length (*cases), >, 0);
  return root;
}

/* The index of the largest of @v[0 .. @n - 1] not yet @taken (the first
 * of equals), now taken */
static int
take_best (const float *v,
           gboolean    *taken,
           int          n)
{
  int best = -1;

  for (int i = 0; i < n; i++)
    if (!taken[i] && (best < 0 || v[i] > v[best]))
      best = i;
  taken[best] = TRUE;
  return best;
}

/* DeepSeek-V3's scores in @v: sigmoid (z) + bias, 0 outside the kept
 * groups; the kept groups' mask */
static int
deepseek_scores (const SyRouterModelInfo *info,
                 const float             *z,
                 const float             *bias,
                 float                   *sig,
                 float                   *v)
{
  int E = info->n_experts, size = E / info->n_group, mask = 0;
  float gs[32];
  gboolean keep[32] = { FALSE };

  g_assert_cmpint (info->n_group, <=, 32);
  for (int e = 0; e < E; e++)
    {
      float s = 1.0f / (1.0f + expf (-z[e]));

      if (sig != NULL)
        sig[e] = s;
      v[e] = s + bias[e];
    }
  for (int g = 0; g < info->n_group; g++)
    {
      float a = -INFINITY, b = -INFINITY;

      for (int j = 0; j < size; j++)
        {
          float x = v[g * size + j];

          if (x > a)
            {
              b = a;
              a = x;
            }
          else if (x > b)
            b = x;
        }
      gs[g] = a + b;
    }
  for (int i = 0; i < info->topk_group; i++)
    mask |= 1 << take_best (gs, keep, info->n_group);
  for (int e = 0; e < E; e++)
    if (!keep[e / size])
      v[e] = 0.0f;
  return mask;
}

int
sy_test_ref_select (const SyRouterModelInfo *info,
                    const float             *z,
                    const float             *bias,
                    float                   *sig,
                    int                     *out)
{
  float v[256];
  gboolean taken[256] = { FALSE };
  int mask = 0;

  g_assert_cmpint (info->n_experts, <=, 256);
  if (bias != NULL)
    mask = deepseek_scores (info, z, bias, sig, v);
  else
    memcpy (v, z, sizeof (float) * info->n_experts);
  for (int i = 0; i < info->native_k; i++)
    out[i] = take_best (v, taken, info->n_experts);
  return mask;
}

int32_t *
sy_test_json_ids (json_object *arr,
                  int          extra,
                  int         *n)
{
  int32_t *ids;

  *n = (int) json_object_array_length (arr);
  ids = g_new (int32_t, *n + extra);
  for (int i = 0; i < *n; i++)
    ids[i] = json_object_get_int (json_object_array_get_idx (arr, i));
  return ids;
}

double
sy_test_run_incremental (SySession      *full,
                         SySession      *inc,
                         const int32_t  *ids,
                         int             n,
                         int             from,
                         SyTrace       **full_trace,
                         SyTrace       **inc_trace)
{
  g_autoptr (GError) error = NULL;
  const float *a, *b;
  int T, V;

  *full_trace = sy_session_run (full, ids, n, NULL, NULL, &error);
  g_assert_no_error (error);
  *inc_trace = NULL;
  for (int len = from; len <= n; len++)
    {
      g_clear_pointer (inc_trace, sy_trace_free);
      *inc_trace = sy_session_run (inc, ids, len, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (sy_session_get_n_reused (inc), ==, len == from ? 0 : len - 1);
    }
  a = sy_session_get_logits (full, &T, &V);
  b = sy_session_get_logits (inc, &T, &V);
  g_assert_cmpint (T, ==, n);
  return sy_test_max_abs_diff (a, b, (gsize) n * V);
}

/* The experts of one MoE layer that @tl chose and @fl did not, and the
 * tokens where they chose different numbers, added to @d. */
static void
compare_experts (const SyTraceLayer *tl,
                 const SyTraceLayer *fl,
                 int                 n,
                 int                 E,
                 SyTestRefDeltas    *d)
{
  for (int tk = 0; tk < n; tk++)
    {
      d->k_mismatch += tl->k[tk] != fl->k[tk];
      for (int j = 0; j < tl->k[tk]; j++)
        {
          int e = tl->experts[(gsize) tk * E + j];
          gboolean found = FALSE;

          for (int o = 0; o < fl->k[tk]; o++)
            found |= fl->experts[(gsize) tk * E + o] == e;
          d->expert_mismatch += !found;
        }
    }
}

/* The 8-token greedy continuation of @ids (@n tokens, room for 8 more)
 * against @want; TRUE when it is the same. */
static gboolean
greedy_matches (SySession   *session,
                int32_t     *ids,
                int          n,
                json_object *want)
{
  g_autoptr (GError) error = NULL;

  for (int s = 0; s < 8; s++)
    {
      g_autoptr (SyTrace) step = NULL;
      int len = n + s, T, V;
      const float *logits = sy_session_get_logits (session, &T, &V);
      int best = sy_metrics_argmax (logits + (gsize) (len - 1) * V, V);

      if (best != json_object_get_int (json_object_array_get_idx (want, s)))
        return FALSE;
      ids[len] = best;
      if (s == 7)
        break;
      step = sy_session_run (session, ids, len + 1, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  return TRUE;
}

void
sy_test_compare_reference (SyModel         *model,
                           SyModel         *folder,
                           const char      *arch,
                           SyTestRefDeltas *d)
{
  g_autoptr (SySession) fsession = sy_session_new (folder);
  g_autoptr (SyTensorStore) ref = NULL;
  g_autoptr (SySession) session = sy_session_new (model);
  g_autoptr (GError) error = NULL;
  const SyModelInfo *info = sy_model_get_info (model);
  json_object *cases, *root = sy_test_ref_cases (arch, &cases, &ref);

  memset (d, 0, sizeof *d);
  sy_session_set_capture_hidden (session, TRUE);
  for (size_t ci = 0; ci < json_object_array_length (cases); ci++)
    {
      json_object *cs = json_object_array_get_idx (cases, ci), *v;
      g_autoptr (SyTrace) trace = NULL;
      g_autoptr (SyTrace) ftrace = NULL;
      g_autofree int32_t *ids = NULL;
      g_autofree char *lname = NULL;
      g_autofree float *rl = NULL;
      const char *key;
      int n, T, V, H, E = info->n_experts;
      const float *logits;

      g_assert_true (json_object_object_get_ex (cs, "key", &v));
      key = json_object_get_string (v);
      g_assert_true (json_object_object_get_ex (cs, "input_ids", &v));
      ids = sy_test_json_ids (v, 8, &n);

      sy_session_reset (session);
      trace = sy_session_run (session, ids, n, NULL, NULL, &error);
      g_assert_no_error (error);
      sy_session_reset (fsession);
      ftrace = sy_session_run (fsession, ids, n, NULL, NULL, &error);
      g_assert_no_error (error);

      logits = sy_session_get_logits (session, &T, &V);
      g_assert_cmpint (T, ==, n);
      lname = g_strdup_printf ("%s.logits", key);
      rl = sy_test_ref_tensor (ref, lname, n, V);
      d->logits = MAX (d->logits, sy_test_max_abs_diff (logits, rl, (gsize) n * V));
      for (int i = 0; i < info->n_moe_layers; i++)
        {
          g_autofree char *name = g_strdup_printf ("%s.router_logits.%d", key, i);
          g_autofree float *r = sy_test_ref_tensor (ref, name, n, E);
          const SyTraceLayer *tl = &trace->layers[i];
          double delta = sy_test_max_abs_diff (tl->logits, r, (gsize) n * E);

          d->router = MAX (d->router, delta);
          if (i == 0)
            d->router0 = MAX (d->router0, delta);
          compare_experts (tl, &ftrace->layers[i], n, E, d);
        }
      for (int i = 0; i <= info->n_layers; i++)
        {
          g_autofree char *name = g_strdup_printf ("%s.hidden.%d", key, i);
          g_autofree float *r = sy_test_ref_tensor (ref, name, n, info->hidden_size);
          const float *h = sy_session_get_hidden (session, i, &T, &H);

          g_assert_nonnull (h);
          d->hidden = MAX (d->hidden, sy_test_max_abs_diff (h, r, (gsize) n * H));
        }
      g_assert_true (json_object_object_get_ex (cs, "greedy_continuation", &v));
      if (!greedy_matches (session, ids, n, v))
        {
          g_test_message ("%s %s: the greedy continuation leaves the reference", arch, key);
          d->greedy_mismatch++;
        }
    }
  json_object_put (root);
}

SyModel *
sy_test_load_model (const char *arch)
{
  g_autofree char *dir = sy_test_model_path (arch, "");
  g_autoptr (GError) error = NULL;

  return sy_test_assert_ok (sy_model_load (dir, NULL, NULL, &error), &error);
}

SyTraceFile *
sy_test_record_run (SySession  *session,
                    const char *text,
                    const char *file_text,
                    SyTrace   **run)
{
  SyModel *model = sy_session_get_model (session);
  const SyModelInfo *info = sy_model_get_info (model);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) trace = sy_session_run_text (session, text, NULL, NULL, &error);
  SyTraceFile *tf;

  g_assert_no_error (error);
  tf = sy_trace_file_new (trace, sy_model_get_router_info (model), info->model_type,
                          info->vocab_size, file_text);
  if (run != NULL)
    *run = g_steal_pointer (&trace);
  return tf;
}
