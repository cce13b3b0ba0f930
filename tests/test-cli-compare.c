/* test-cli-compare.c: `switchyard-cli compare` on a fixture model
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

/* switchyard-cli compare --model <olmoe fixture> <args>: its exit code */
static int
run_cli (const char  *args,
         char       **out,
         char       **err)
{
  g_autofree char *m = sy_test_model_path ("olmoe", "");
  g_autofree char *line = g_strdup_printf ("--model '%s' %s", m, args);

  return sy_test_cli_run ("compare", line, out, err);
}

static void
test_json (void)
{
  g_autofree char *out = NULL, *err = NULL;
  json_object *root, *layers, *tokens, *cell, *tok;
  double ka, kb;

  g_assert_cmpint (run_cli ("--text 'The jury said that the City' --a topp:p=0.2 --b topp:p=0.8 --json",
                            &out, &err), ==, 0);
  root = json_tokener_parse (out);
  g_assert_nonnull (root);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (sy_test_json_get (root, "a"), "router")), ==, "topp:p=0.2");
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (sy_test_json_get (root, "b"), "router")), ==, "topp:p=0.8");
  ka = json_object_get_double (sy_test_json_get (sy_test_json_get (sy_test_json_get (root, "a"), "metrics"), "avg_k"));
  kb = json_object_get_double (sy_test_json_get (sy_test_json_get (sy_test_json_get (root, "b"), "metrics"), "avg_k"));
  g_assert_cmpfloat (kb, >, ka);
  g_assert_true (json_object_get_double (sy_test_json_get (sy_test_json_get (sy_test_json_get (root, "a"), "metrics"), "perplexity")) > 0);
  g_assert_true (json_object_get_double (sy_test_json_get (sy_test_json_get (sy_test_json_get (root, "b"), "metrics"), "activated_params")) > 0);
  g_assert_true (json_object_get_double (sy_test_json_get (sy_test_json_get (sy_test_json_get (root, "b"), "metrics"), "flops")) > 0);
  layers = sy_test_json_get (root, "layers");
  g_assert_cmpint (json_object_array_length (layers), ==, 3);
  tokens = sy_test_json_get (root, "tokens");
  g_assert_cmpint (json_object_array_length (tokens), >, 4);
  for (size_t i = 0; i < json_object_array_length (layers); i++)
    {
      json_object *l = json_object_array_get_idx (layers, i);

      g_assert_cmpint (json_object_get_int (sy_test_json_get (l, "moe")), ==, (int) i);
      g_assert_cmpint (json_object_get_int (sy_test_json_get (l, "layer")), ==, (int) i);
      g_assert_cmpint (json_object_array_length (sy_test_json_get (l, "tokens")), ==, json_object_array_length (tokens));
      cell = json_object_array_get_idx (sy_test_json_get (l, "tokens"), 1);
      g_assert_cmpint (json_object_get_int (sy_test_json_get (cell, "dk")), >=, -16);
      g_assert_true (json_object_get_double (sy_test_json_get (cell, "jaccard")) >= 0 &&
                     json_object_get_double (sy_test_json_get (cell, "jaccard")) <= 1);
      g_assert_true (json_object_is_type (sy_test_json_get (cell, "only_a"), json_type_array));
      g_assert_true (json_object_is_type (sy_test_json_get (cell, "only_b"), json_type_array));
    }
  tok = json_object_array_get_idx (tokens, 1);
  g_assert_true (json_object_is_type (sy_test_json_get (tok, "id"), json_type_int));
  g_assert_true (json_object_is_type (sy_test_json_get (tok, "text"), json_type_string));
  g_assert_true (json_object_is_type (sy_test_json_get (tok, "dnll"), json_type_double));
  g_assert_true (json_object_get_double (sy_test_json_get (root, "kl")) > 0);
  g_assert_true (json_object_get_double (sy_test_json_get (root, "greedy_agreement")) >= 0 &&
                 json_object_get_double (sy_test_json_get (root, "greedy_agreement")) <= 1);
  json_object_put (root);
}

static void
test_self_and_table (void)
{
  g_autofree char *out = NULL, *err = NULL;
  json_object *root;

  g_assert_cmpint (run_cli ("--ids 1,50,60,70,80 --a native --b topk:k=native --json", &out, &err), ==, 0);
  root = json_tokener_parse (out);
  g_assert_cmpfloat (json_object_get_double (sy_test_json_get (root, "kl")), ==, 0);
  g_assert_cmpfloat (json_object_get_double (sy_test_json_get (root, "greedy_agreement")), ==, 1);
  g_assert_cmpint (json_object_get_int (sy_test_json_get (root, "shared_layers")), ==, 2);
  json_object_put (root);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli ("--ids 1,50,60,70,80 --b topp:p=0.3", &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "average K"));
  g_assert_nonnull (strstr (out, "perplexity"));
  g_assert_nonnull (strstr (out, "mean KL"));
}

static void
test_out_and_errors (void)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-cli-compare-XXXXXX");
  g_autofree char *svg = g_build_filename (dir, "diff.svg", NULL);
  g_autofree char *args = g_strdup_printf ("--ids 1,50,60,70,80 --b topp:p=0.3 --out '%s'", svg);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *contents = NULL;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "<?xml"));
  g_assert_nonnull (strstr (contents, "<svg"));
  g_unlink (svg);
  g_rmdir (dir);

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli ("--ids 1,2,3", &out, &err), ==, 1);
  sy_test_assert_cli_error (err, "--b");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli ("--ids 1,2,3 --b bogus:x=1", &out, &err), ==, 1);
  sy_test_assert_cli_error (err, "bogus");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli ("--ids 1,2,3 --b native --out x.bmp", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "switchyard-cli:"));
}

static const SyTestCase tests[] = {
  { "/cli/compare/json", test_json },
  { "/cli/compare/self-and-table", test_self_and_table },
  { "/cli/compare/out-and-errors", test_out_and_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
