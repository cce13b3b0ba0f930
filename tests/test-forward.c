/* test-forward.c: the forward pass against the HF reference fixtures
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every fixture model and every case of its reference.json: logits,
 * router logits of every MoE layer and hidden states hidden.0..L within
 * 1e-4, the same chosen experts, the same 8-token greedy continuation.
 * Then the cache: prefix + decode == full prefill, and edits reuse the
 * common prefix.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-tensor-store.h"

#define TOL 1e-4

static const char *const archs[] = {
  "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", NULL
};

static char *
fixture_path (const char *arch,
              const char *file)
{
  const char *root = g_getenv ("SY_FIXTURES");

  g_assert_nonnull (root);
  return g_build_filename (root, "models", arch, file, NULL);
}

/* max |a - b| over n floats; NaN on either side is an infinite error */
static double
max_abs_diff (const float *a,
              const float *b,
              gsize        n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - b[i]);

      if (isnan (d))
        return INFINITY;
      m = MAX (m, d);
    }
  return m;
}

static float *
ref_tensor (SyTensorStore *ref,
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

static int
argmax (const float *x,
        int          n)
{
  int best = 0;

  for (int i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

/* top-k indices by value, ties to the lower index, as a sorted set */
static void
topk_set (const float *z,
          int          E,
          int          k,
          int         *out)
{
  gboolean taken[256] = { FALSE };

  g_assert_cmpint (E, <=, 256);
  for (int i = 0; i < k; i++)
    {
      int best = -1;

      for (int e = 0; e < E; e++)
        if (!taken[e] && (best < 0 || z[e] > z[best]))
          best = e;
      taken[best] = TRUE;
    }
  for (int e = 0, j = 0; e < E; e++)
    if (taken[e])
      out[j++] = e;
}

static int
cmp_int (gconstpointer a,
         gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

static void
test_fixture (gconstpointer data)
{
  const char *arch = data;
  g_autofree char *dir = fixture_path (arch, "");
  g_autofree char *ref_json = fixture_path (arch, "reference.json");
  g_autofree char *ref_st = fixture_path (arch, "reference.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyTensorStore) ref = NULL;
  const SyModelInfo *info;
  json_object *root, *cases;
  double max_logits = 0, max_router = 0, max_hidden = 0;
  int n_cases;

  model = sy_model_load (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  info = sy_model_get_info (model);
  g_assert_cmpstr (info->model_type, ==, arch);
  g_assert_cmpint (sy_model_get_unused_tensors (model)[0] == NULL, ==, TRUE);
  session = sy_session_new (model);
  sy_session_set_capture_hidden (session, TRUE);

  ref = sy_tensor_store_open (ref_st, &error);
  g_assert_no_error (error);
  root = json_object_from_file (ref_json);
  g_assert_nonnull (root);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  n_cases = (int) json_object_array_length (cases);
  g_assert_cmpint (n_cases, >, 0);

  for (int ci = 0; ci < n_cases; ci++)
    {
      json_object *cs = json_object_array_get_idx (cases, ci), *v;
      g_autoptr (SyTrace) trace = NULL;
      g_autofree int32_t *ids = NULL;
      const char *key;
      int n, n_router, n_hidden, T, V, H, E = info->n_experts, k = info->native_k;
      const float *logits;
      int32_t cont[8];

      g_assert_true (json_object_object_get_ex (cs, "key", &v));
      key = json_object_get_string (v);
      g_assert_true (json_object_object_get_ex (cs, "input_ids", &v));
      n = (int) json_object_array_length (v);
      ids = g_new (int32_t, n + 8);
      for (int i = 0; i < n; i++)
        ids[i] = json_object_get_int (json_object_array_get_idx (v, i));
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
      {
        g_autofree char *name = g_strdup_printf ("%s.logits", key);
        g_autofree float *r = ref_tensor (ref, name, n, V);
        double d = max_abs_diff (logits, r, (gsize) n * V);

        max_logits = MAX (max_logits, d);
        if (d > TOL)
          g_error ("%s %s: logits differ by %g", arch, key, d);
      }

      for (int i = 0; i < n_router; i++)
        {
          g_autofree char *name = g_strdup_printf ("%s.router_logits.%d", key, i);
          g_autofree float *r = ref_tensor (ref, name, n, E);
          const SyTraceLayer *tl = &trace->layers[i];
          double d = max_abs_diff (tl->logits, r, (gsize) n * E);

          max_router = MAX (max_router, d);
          if (d > TOL)
            g_error ("%s %s: router logits of MoE layer %d differ by %g", arch, key, i, d);

          for (int t = 0; t < n; t++)
            {
              int want[256], got[256];

              topk_set (r + (gsize) t * E, E, k, want);
              g_assert_cmpint (tl->k[t], ==, k);
              memcpy (got, tl->experts + (gsize) t * E, sizeof (int) * k);
              qsort (got, k, sizeof (int), cmp_int);
              for (int j = 0; j < k; j++)
                if (got[j] != want[j])
                  g_error ("%s %s: MoE layer %d token %d chose expert %d, reference %d",
                           arch, key, i, t, got[j], want[j]);
            }
        }

      for (int i = 0; i < n_hidden; i++)
        {
          g_autofree char *name = g_strdup_printf ("%s.hidden.%d", key, i);
          g_autofree float *r = ref_tensor (ref, name, n, info->hidden_size);
          const float *h = sy_session_get_hidden (session, i, &T, &H);
          double d;

          g_assert_nonnull (h);
          g_assert_cmpint (H, ==, info->hidden_size);
          d = max_abs_diff (h, r, (gsize) n * H);
          max_hidden = MAX (max_hidden, d);
          if (d > TOL)
            g_error ("%s %s: hidden.%d differs by %g", arch, key, i, d);
        }

      /* greedy continuation, decoding with the cache */
      for (int s = 0; s < 8; s++)
        {
          g_autoptr (SyTrace) step = NULL;
          int len = n + s;

          logits = sy_session_get_logits (session, &T, &V);
          ids[len] = argmax (logits + (gsize) (len - 1) * V, V);
          if (ids[len] != cont[s])
            g_error ("%s %s: greedy token %d is %d, reference %d", arch, key, s, ids[len], cont[s]);
          if (s == 7)
            break;
          step = sy_session_run (session, ids, len + 1, NULL, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpint (sy_session_get_n_reused (session), ==, len);
        }
    }
  json_object_put (root);

  g_test_message ("%s: %d cases, max |delta| logits %.3g, router logits %.3g, hidden %.3g",
                  arch, n_cases, max_logits, max_router, max_hidden);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (int i = 0; archs[i]; i++)
    {
      g_autofree char *path = g_strdup_printf ("/engine/forward/fixture/%s", archs[i]);

      g_test_add_data_func (path, archs[i], test_fixture);
    }
  return g_test_run ();
}
