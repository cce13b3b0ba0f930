/* test-activations-q8.c: --activations q8 end to end, against the exact
 * path
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On llama.cpp's own quantized files (fixtures/gguf-llamacpp/olmoe256-*:
 * Q4_K_M, Q8_0 and every other preset), a session with 8-bit activations
 * runs 64 tokens and stays within a stated tolerance of the exact run:
 * max |logit difference| <= 2% of the exact logits' range, the top-1
 * token the same at >= 90% of positions, the chosen expert sets the same
 * at >= 80% of (token, layer) pairs.  The exact path stays the default:
 * a new session runs f32 and gives the same logits, bit for bit, as one
 * set to f32 explicitly (and not those of q8); switching the mode drops
 * the cache (the rerun computes every position).  The same through
 * switchyard-cli: forward --activations q8 dumps logits within the
 * tolerance of the default's, which equal --activations f32's bit for bit;
 * route, generate and bench take it, and bench names the q8 kernel of
 * each type.
 *
 * Also the measuring tool of DEVELOPERS.md: `test-activations-q8 --measure
 * [--tokens N] MODEL...` prints, per model, the deviation of q8 from
 * exact (max |logit diff|, top-1 agreement, identical expert sets) and
 * the CPU time of both runs.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sy-metrics.h"
#include "sy-model.h"
#include "sy-session.h"
#include "sy-tensor-store.h"
#include "sy-test-util.h"

typedef struct
{
  double max_diff;      /* max |q8 - f32| over every logit */
  double range;         /* max - min of the f32 logits */
  double top1;          /* fraction of positions with the same argmax */
  double experts;       /* fraction of (token, MoE layer) with the same set */
  double cpu_f32;       /* CPU seconds of the runs */
  double cpu_q8;
} Deviation;

static double
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static gboolean
same_set (const SyTraceLayer *a,
          const SyTraceLayer *b,
          int                 t,
          int                 E)
{
  if (a->k[t] != b->k[t])
    return FALSE;
  for (int i = 0; i < a->k[t]; i++)
    {
      gboolean found = FALSE;

      for (int j = 0; j < b->k[t]; j++)
        found |= a->experts[(gsize) t * E + i] == b->experts[(gsize) t * E + j];
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* seeded ids, BOS first where the model has one */
static int32_t *
random_ids (const SyModelInfo *info,
            int                n)
{
  GRand *r = g_rand_new_with_seed (8);
  int32_t *ids = g_new (int32_t, n);

  for (int i = 0; i < n; i++)
    ids[i] = g_rand_int_range (r, 0, info->vocab_size);
  if (info->bos_token_id >= 0)
    ids[0] = info->bos_token_id;
  g_rand_free (r);
  return ids;
}

static void
measure (SyModel   *model,
         int        n,
         Deviation *d)
{
  const SyModelInfo *info = sy_model_get_info (model);
  g_autofree int32_t *ids = random_ids (info, n);
  g_autoptr (SySession) exact = sy_session_new (model);
  g_autoptr (SySession) q8 = sy_session_new (model);
  g_autoptr (SyTrace) te = NULL;
  g_autoptr (SyTrace) tq = NULL;
  g_autoptr (GError) error = NULL;
  const float *le, *lq;
  int T, V, sets = 0, pairs = 0;
  double c0;
  float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;

  sy_session_set_activations (q8, SY_ACTIVATIONS_Q8);
  c0 = cpu_s ();
  te = sy_session_run (exact, ids, n, NULL, NULL, &error);
  d->cpu_f32 = cpu_s () - c0;
  g_assert_no_error (error);
  c0 = cpu_s ();
  tq = sy_session_run (q8, ids, n, NULL, NULL, &error);
  d->cpu_q8 = cpu_s () - c0;
  g_assert_no_error (error);

  le = sy_session_get_logits (exact, &T, &V);
  lq = sy_session_get_logits (q8, NULL, NULL);
  d->max_diff = 0;
  for (gsize i = 0; i < (gsize) T * V; i++)
    {
      d->max_diff = MAX (d->max_diff, fabs ((double) le[i] - lq[i]));
      lo = MIN (lo, le[i]);
      hi = MAX (hi, le[i]);
    }
  d->range = hi - lo;
  d->top1 = sy_metrics_mean_rows (le, lq, T, V, sy_metrics_agree_row);
  for (int l = 0; l < te->n_moe_layers; l++)
    for (int t = 0; t < T; t++, pairs++)
      sets += same_set (&te->layers[l], &tq->layers[l], t, te->n_experts);
  d->experts = pairs > 0 ? (double) sets / pairs : 1.0;
}

static void
test_fixture (gconstpointer data)
{
  const char *name = data;
  g_autofree char *path = sy_test_fixture_path ("gguf-llamacpp", name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load (path, NULL, NULL, &error);
  Deviation d;

  g_assert_no_error (error);
  measure (model, 64, &d);
  g_test_message ("%s: max |dlogit| %.4g (range %.4g), top-1 %.3f, expert sets %.3f", name,
                  d.max_diff, d.range, d.top1, d.experts);
  g_assert_cmpfloat (d.max_diff, >, 0);          /* q8 ran, not the exact path */
  g_assert_cmpfloat (d.max_diff, <=, 0.02 * d.range);
  g_assert_cmpfloat (d.top1, >=, 0.9);
  g_assert_cmpfloat (d.experts, >=, 0.8);
}

/* f32 is the default, exactly; changing the mode drops the cache */
static void
test_default_exact (void)
{
  g_autofree char *path = sy_test_fixture_path ("gguf-llamacpp", "olmoe256-Q4_K_M.gguf", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load (path, NULL, NULL, &error);
  g_autoptr (SySession) plain = NULL;
  g_autoptr (SySession) set = NULL;
  g_autofree int32_t *ids = NULL;
  g_autofree float *first = NULL;
  const float *le;
  int T, V, n = 24;

  g_assert_no_error (error);
  ids = random_ids (sy_model_get_info (model), n);
  plain = sy_session_new (model);
  set = sy_session_new (model);
  g_assert_cmpint (sy_session_get_activations (plain), ==, SY_ACTIVATIONS_F32);
  sy_session_set_activations (set, SY_ACTIVATIONS_F32);
  sy_trace_free (sy_session_run (plain, ids, n, NULL, NULL, &error));
  g_assert_no_error (error);
  sy_trace_free (sy_session_run (set, ids, n, NULL, NULL, &error));
  g_assert_no_error (error);
  le = sy_session_get_logits (plain, &T, &V);
  g_assert_cmpint (T, ==, n);
  first = g_memdup2 (le, sizeof (float) * n * V);
  g_assert_cmpint (memcmp (first, sy_session_get_logits (set, NULL, NULL), sizeof (float) * n * V), ==, 0);

  /* to q8 and back: every position recomputed each time */
  sy_session_set_activations (set, SY_ACTIVATIONS_Q8);
  sy_trace_free (sy_session_run (set, ids, n, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sy_session_get_n_reused (set), ==, 0);
  g_assert_cmpint (memcmp (first, sy_session_get_logits (set, NULL, NULL), sizeof (float) * n * V), !=, 0);
  sy_session_set_activations (set, SY_ACTIVATIONS_F32);
  sy_trace_free (sy_session_run (set, ids, n, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sy_session_get_n_reused (set), ==, 0);
  g_assert_cmpint (memcmp (first, sy_session_get_logits (set, NULL, NULL), sizeof (float) * n * V), ==, 0);
}

static float *
dump_logits (const char *dir,
             const char *model,
             const char *option,
             int        *n)
{
  g_autofree char *out = g_build_filename (dir, "dump.safetensors", NULL);
  g_autofree char *args = g_strdup_printf ("forward --model '%s' --ids 1,5,9,200,7,31,2999,4 %s "
                                           "--dump '%s'", model, option, out);
  g_autofree char *stdout_text = sy_test_cli_ok (args);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) store = sy_tensor_store_open (out, &error);
  const SyTensor *t;
  float *v;

  g_assert_no_error (error);
  t = sy_tensor_store_lookup (store, "logits");
  g_assert_nonnull (t);
  *n = (int) sy_tensor_n_elements (t);
  v = g_new (float, *n);
  sy_tensor_to_f32 (t, 0, *n, v);
  return v;
}

static void
test_cli (void)
{
  g_autofree char *model = sy_test_fixture_path ("gguf-llamacpp", "olmoe256-Q4_K_M.gguf", NULL);
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-q8-XXXXXX");
  g_autofree float *plain = NULL;
  g_autofree float *f32 = NULL;
  g_autofree float *q8 = NULL;
  g_autofree char *route = g_strdup_printf ("route --model '%s' --ids 1,5,9,200 --activations q8 --json",
                                            model);
  g_autofree char *bench = g_strdup_printf ("bench --model '%s' --decode-tokens 2 --activations q8",
                                            model);
  g_autofree char *bench_out = NULL;
  json_object *root;
  int n, n2, n3;
  double max_diff = 0;
  float lo = G_MAXFLOAT, hi = -G_MAXFLOAT;

  plain = dump_logits (dir, model, "", &n);
  f32 = dump_logits (dir, model, "--activations f32", &n2);
  q8 = dump_logits (dir, model, "--activations q8", &n3);
  g_assert_cmpint (n, ==, n2);
  g_assert_cmpint (n, ==, n3);
  g_assert_cmpint (memcmp (plain, f32, sizeof (float) * n), ==, 0);
  for (int i = 0; i < n; i++)
    {
      max_diff = MAX (max_diff, fabs ((double) plain[i] - q8[i]));
      lo = MIN (lo, plain[i]);
      hi = MAX (hi, plain[i]);
    }
  g_assert_cmpfloat (max_diff, >, 0);
  g_assert_cmpfloat (max_diff, <=, 0.02 * (hi - lo));

  root = sy_test_cli_json (route);
  json_object_put (root);
  {
    g_autofree char *gen = g_strdup_printf ("generate --model '%s' --ids 1,5,9 --max-tokens 3 "
                                            "--activations q8", model);
    g_autofree char *gen_out = sy_test_cli_ok (gen);
  }
  bench_out = sy_test_cli_ok (bench);
  g_assert_nonnull (strstr (bench_out, "Q4_K"));
  g_assert_nonnull (strstr (bench_out, "q8: "));
  sy_test_remove_tree (dir);
}

static int
measure_main (int    argc,
              char **argv)
{
  int n = 128;

  for (int i = 2; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyModel) model = NULL;
      Deviation d;

      if (strcmp (argv[i], "--tokens") == 0 && i + 1 < argc)
        {
          n = atoi (argv[++i]);
          continue;
        }
      model = sy_model_load (argv[i], NULL, NULL, &error);
      if (model == NULL)
        {
          fprintf (stderr, "%s: %s\n", argv[i], error->message);
          return 1;
        }
      measure (model, n, &d);
      printf ("%s: %d tokens: max |dlogit| %.4g (logit range %.4g), top-1 agreement %.3f, "
              "identical expert sets %.3f; CPU f32 %.3f s, q8 %.3f s (%.2fx)\n",
              argv[i], n, d.max_diff, d.range, d.top1, d.experts, d.cpu_f32, d.cpu_q8,
              d.cpu_f32 / d.cpu_q8);
    }
  return 0;
}

static const char *const files[] = {
  "olmoe256-Q4_K_M.gguf", "olmoe256-Q8_0.gguf", "olmoe256-Q6_K.gguf", "olmoe256-Q5_K_M.gguf",
  "olmoe256-Q4_K_S.gguf", "olmoe256-Q3_K_M.gguf", "olmoe256-Q2_K.gguf", "olmoe256-Q5_1.gguf",
  "olmoe256-Q5_0.gguf", "olmoe256-Q4_1.gguf", "olmoe256-Q4_0.gguf", "olmoe256-IQ4_NL.gguf",
  "olmoe256-IQ4_XS.gguf", NULL
};

static const SyTestCase tests[] = {
  { "/engine/activations-q8", NULL, test_fixture, files },
  { "/engine/activations-q8/default-exact", test_default_exact },
  { "/engine/activations-q8/cli", test_cli },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  if (argc > 1 && strcmp (argv[1], "--measure") == 0)
    return measure_main (argc, argv);
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
