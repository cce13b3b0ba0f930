/* test-cli-route.c: `switchyard-cli route` on the fixture models
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-test-util.h"

static const char *ids = "1,50,60,70,80,90,100,110";

static json_object *
route_json (const char *arch,
            const char *extra)
{
  g_autofree char *m = sy_test_model_path (arch, "");
  g_autofree char *args = g_strdup_printf ("route --model '%s' --ids %s --json %s", m, ids, extra);
  json_object *root;

  root = sy_test_cli_json (args);
  return root;
}

static void
test_route_json (void)
{
  json_object *root = route_json ("olmoe", "--router topp:p=0.5");
  json_object *layers = sy_test_json_get (root, "layers"), *metrics = sy_test_json_get (root, "metrics"), *q = sy_test_json_get (root, "quality");
  double sum = 0;
  int cells = 0;

  g_assert_cmpstr (json_object_get_string (sy_test_json_get (root, "router")), ==, "topp:p=0.5");
  g_assert_true (json_object_get_boolean (sy_test_json_get (root, "causal")));
  g_assert_cmpint (json_object_array_length (sy_test_json_get (root, "tokens")), ==, 8);
  g_assert_cmpint (json_object_array_length (layers), ==, 3);
  for (int l = 0; l < 3; l++)
    {
      json_object *cellsj = sy_test_json_get (json_object_array_get_idx (layers, l), "tokens");

      for (int t = 0; t < 8; t++)
        {
          json_object *c = json_object_array_get_idx (cellsj, t);
          int k = json_object_get_int (sy_test_json_get (c, "k"));
          double cum = json_object_get_double (sy_test_json_get (c, "cum"));
          json_object *probs = sy_test_json_get (c, "probs");
          json_object *experts = sy_test_json_get (c, "experts");
          /* OLMoE weights are raw: the last expert is the least probable */
          int last = json_object_get_int (json_object_array_get_idx (experts, k - 1));
          double p_last = json_object_get_double (json_object_array_get_idx (probs, last));

          g_assert_cmpint (json_object_array_length (probs), ==, 16);
          g_assert_cmpint (k, >=, 1);
          g_assert_cmpfloat (cum, >, 0.5);
          g_assert_cmpfloat (cum - p_last, <=, 0.5 + 1e-6);   /* without its last expert, the prefix was short */
          g_assert_null (sy_test_json_get (c, "importance"));
          g_assert_null (sy_test_json_get (c, "depth"));
          sum += k;
          cells++;
        }
    }
  g_assert_cmpfloat_with_epsilon (json_object_get_double (sy_test_json_get (metrics, "avg_k")), sum / cells, 1e-9);
  g_assert_cmpint (json_object_array_length (sy_test_json_get (metrics, "nll")), ==, 7);
  g_assert_true (json_object_get_double (sy_test_json_get (metrics, "perplexity")) > 1);
  g_assert_true (json_object_get_double (sy_test_json_get (metrics, "flops")) > 0);
  g_assert_true (json_object_get_double (sy_test_json_get (metrics, "activated_params")) > 0);
  g_assert_true (json_object_get_double (sy_test_json_get (q, "kl")) >= 0);
  g_assert_cmpint (json_object_get_int (sy_test_json_get (q, "positions")), ==, 8);
  json_object_put (root);

  /* native: no comparison; non-causal da says so */
  root = route_json ("mixtral", "");
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (root, "router")), ==, "native");
  g_assert_false (json_object_object_get_ex (root, "quality", NULL));
  json_object_put (root);
  root = route_json ("mixtral", "--router da");
  g_assert_false (json_object_get_boolean (sy_test_json_get (root, "causal")));
  json_object_put (root);
}

static void
test_route_calibrate (void)
{
  json_object *root = route_json ("olmoe", "--router topp --calibrate 2");
  json_object *cal = sy_test_json_get (root, "calibration");
  g_autofree char *want = NULL;

  g_assert_cmpfloat (json_object_get_double (sy_test_json_get (cal, "target")), ==, 2);
  g_assert_cmpfloat (fabs (json_object_get_double (sy_test_json_get (cal, "avg_k")) - 2), <, 0.35);
  g_assert_cmpfloat (json_object_get_double (sy_test_json_get (sy_test_json_get (root, "metrics"), "avg_k")), ==,
                     json_object_get_double (sy_test_json_get (cal, "avg_k")));
  want = g_strdup (json_object_get_string (sy_test_json_get (cal, "router")));
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (root, "router")), ==, want);
  g_assert_true (g_str_has_prefix (want, "topp:p="));
  json_object_put (root);

  /* ser calibrates t, keeps kmin, and reads back in its own order */
  root = route_json ("olmoe", "--router ser:t=0.5,kmin=1 --calibrate 3");
  cal = sy_test_json_get (root, "calibration");
  g_assert_cmpfloat (fabs (json_object_get_double (sy_test_json_get (cal, "avg_k")) - 3), <, 0.35);
  g_assert_true (g_str_has_prefix (json_object_get_string (sy_test_json_get (cal, "router")),
                                   "ser:kmin=1,t="));
  json_object_put (root);
}

static void
test_route_csv (void)
{
  g_autofree char *m = sy_test_model_path ("olmoe", "");
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-route-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "t.csv", NULL);
  g_autofree char *args = g_strdup_printf ("route --model '%s' --ids %s --router minp:t=0.3 --csv '%s'",
                                           m, ids, path);
  g_autofree char *csv = NULL;
  g_auto (GStrv) lines = NULL;

  g_free (sy_test_cli_ok (args));
  g_assert_true (g_file_get_contents (path, &csv, NULL, NULL));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "layer,moe,token,id,text,k,budget,experts,weights"));
  g_assert_cmpint (g_strv_length (lines), ==, 1 + 8 * 3 + 1);
  g_assert_true (g_str_has_prefix (lines[1], "0,0,0,1,"));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_route_table (void)
{
  g_autofree char *m = sy_test_model_path ("qwen2_moe", "");
  g_autofree char *args = g_strdup_printf ("route --model '%s' --ids %s --router adr:theta=1,shallow=shared", m, ids);
  g_autofree char *out = sy_test_cli_ok (args);

  g_assert_nonnull (strstr (out, "router: adr:theta=1,shallow=shared"));
  g_assert_nonnull (strstr (out, "average K: 0.000"));
  g_assert_nonnull (strstr (out, "vs native: mean KL"));
  g_assert_nonnull (strstr (out, "K per token and MoE layer"));
  g_assert_nonnull (strstr (out, "   0s"));
}

/* --text tokenizes with special tokens, as `tokenize --special` does */
static void
test_route_text (void)
{
  g_autofree char *m = sy_test_model_path ("olmoe", "");
  g_autofree char *a1 = g_strdup_printf ("route --model '%s' --text 'The jury said it.' --json --no-compare", m);
  g_autofree char *a2 = g_strdup_printf ("tokenize --model '%s' --text 'The jury said it.' --special", m);
  g_autofree char *o1 = NULL, *o2 = NULL, *e1 = NULL, *e2 = NULL;
  json_object *r1, *r2, *tokens, *idsj;
  int s1, s2;
  GString *text = g_string_new (NULL);

  sy_test_cli_line (a1, &o1, &e1, &s1);
  sy_test_cli_line (a2, &o2, &e2, &s2);
  g_assert_true (g_spawn_check_wait_status (s1, NULL));
  g_assert_true (g_spawn_check_wait_status (s2, NULL));
  r1 = json_tokener_parse (o1);
  r2 = json_tokener_parse (o2);
  g_assert_nonnull (r1);
  g_assert_nonnull (r2);
  tokens = sy_test_json_get (r1, "tokens");
  idsj = sy_test_json_get (r2, "ids");
  g_assert_cmpint (json_object_array_length (tokens), ==, json_object_array_length (idsj));
  for (size_t i = 0; i < json_object_array_length (tokens); i++)
    {
      json_object *t = json_object_array_get_idx (tokens, i);

      g_assert_cmpint (json_object_get_int (sy_test_json_get (t, "id")), ==,
                       json_object_get_int (json_object_array_get_idx (idsj, i)));
      g_assert_true (json_object_is_type (sy_test_json_get (t, "text"), json_type_string));
      g_string_append (text, json_object_get_string (sy_test_json_get (t, "text")));
    }
  g_assert_nonnull (strstr (text->str, "jury"));
  g_string_free (text, TRUE);
  json_object_put (r1);
  json_object_put (r2);
}

static void
test_route_errors (void)
{
  g_autofree char *m = sy_test_model_path ("mixtral", "");
  const struct { const char *args; const char *message; } cases[] = {
    { "--router bogus", "unknown policy 'bogus'" },
    { "--router topp:p=2", "p=2 is outside [0,1]" },
    { "--router topp:foo=1", "unknown option 'foo'" },
    { "--router topk:k=9", "k=9 is outside 1..8" },
    { "--router adr:shallow=shared", "shared experts" },
    { "--router topk:k=2 --calibrate 2", "not on topk" },
    { "--router topp --calibrate x", "--calibrate x" },
    { "--router topp --calibrate 99", "out of reach" },
    { "--text hello", "exactly one of --text" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *args = g_strdup_printf ("route --model '%s' --ids %s %s", m, ids, cases[i].args);
      g_autofree char *err = sy_test_cli_fails (args);

      g_test_message ("route %s", cases[i].args);
      sy_test_assert_cli_error (err, cases[i].message);
    }
  {
    g_autofree char *args = g_strdup_printf ("route --model '%s' --ids 1,99999", m);
    g_autofree char *err = sy_test_cli_fails (args);

    sy_test_assert_cli_error (err, "outside the vocabulary");
  }
}

static const SyTestCase tests[] = {
  { "/cli-route/json", test_route_json },
  { "/cli-route/calibrate", test_route_calibrate },
  { "/cli-route/table", test_route_table },
  { "/cli-route/csv", test_route_csv },
  { "/cli-route/text", test_route_text },
  { "/cli-route/errors", test_route_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
