/* test-cli-profile.c: `switchyard-cli profile` on the OLMoE fixture
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

/* switchyard-cli profile <args>: its exit code */
static int
run_cli (const char  *args,
         char       **out,
         char       **err)
{
  g_autofree char *line = g_strconcat ("profile ", args, NULL);
  int status;

  sy_test_cli_line (line, out, err, &status);
  return sy_test_exit_code (status);
}

static char *
olmoe (void)
{
  return g_build_filename (g_getenv ("SY_FIXTURES"), "models", "olmoe", NULL);
}

static json_object *
get (json_object *o,
     const char  *key)
{
  json_object *v = NULL;

  if (!json_object_object_get_ex (o, key, &v))
    g_error ("missing \"%s\"", key);
  return v;
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *n;

  while (d && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, n, NULL);

      g_remove (p);
    }
  g_rmdir (dir);
}

/* Every field of cli.md "profile" */
static void
check_profile_json (const char *path,
                    int         n_runs,
                    int         texts,
                    gboolean    brown)
{
  g_autofree char *text = NULL;
  json_object *root, *runs;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  root = json_tokener_parse (text);
  g_assert_nonnull (root);
  runs = get (root, "runs");
  g_assert_cmpint (json_object_array_length (runs), ==, n_runs);
  for (int i = 0; i < n_runs; i++)
    {
      json_object *r = json_object_array_get_idx (runs, i);
      json_object *layers = get (r, "layers"), *genres = get (r, "by_genre"), *pos = get (r, "by_pos");
      json_object *time = get (r, "time");
      gint64 tokens = json_object_get_int64 (get (r, "tokens"));
      double avg_k = json_object_get_double (get (r, "avg_k")), gk = 0, gt = 0;

      g_assert_nonnull (json_object_get_string (get (r, "router")));
      g_assert_cmpint (json_object_get_int (get (r, "texts")), ==, texts);
      g_assert_cmpint (tokens, >, texts);
      g_assert_true (json_object_get_double (get (r, "perplexity")) > 1);
      g_assert_true (avg_k >= 1 && avg_k <= 16);
      g_assert_cmpint (json_object_array_length (layers), ==, 3);
      for (int l = 0; l < 3; l++)
        {
          json_object *lo = json_object_array_get_idx (layers, l);
          json_object *load = get (lo, "expert_load"), *co = get (lo, "coactivation");
          double sum = 0, lk = json_object_get_double (get (lo, "avg_k"));

          g_assert_cmpint (json_object_get_int (get (lo, "layer")), ==, l);
          g_assert_cmpint (json_object_get_int (get (lo, "moe")), ==, l);
          g_assert_cmpint (json_object_array_length (load), ==, 16);
          g_assert_cmpint (json_object_array_length (co), ==, 16);
          for (int e = 0; e < 16; e++)
            {
              sum += json_object_get_double (json_object_array_get_idx (load, e));
              g_assert_cmpint (json_object_array_length (json_object_array_get_idx (co, e)), ==, 16);
            }
          g_assert_cmpfloat (fabs (sum - tokens * lk), <, 1e-6 * sum + 1e-6);
          g_assert_true (json_object_get_double (get (lo, "entropy_mean")) >= 0);
        }
      json_object_object_foreach (genres, gname, g)
        {
          gt += json_object_get_double (get (g, "tokens"));
          gk += json_object_get_double (get (g, "tokens")) * json_object_get_double (get (g, "avg_k"));
          g_assert_true (json_object_get_double (get (g, "perplexity")) > 1);
          if (brown)
            g_assert_nonnull (json_object_get_string (get (g, "name")));
          (void) gname;
        }
      g_assert_cmpfloat (gt, ==, tokens);
      g_assert_cmpfloat (fabs (gk / gt - avg_k), <, 1e-9);
      if (brown)
        {
          g_assert_nonnull (json_object_object_get (pos, "NN"));
          g_assert_true (json_object_get_double (get (get (pos, "NN"), "tokens")) > 0);
        }
      else
        g_assert_cmpint (json_object_object_length (pos), ==, 0);
      g_assert_true (json_object_get_double (get (time, "attention")) > 0);
      g_assert_true (json_object_get_double (get (time, "router")) > 0);
      g_assert_true (json_object_get_double (get (time, "experts")) > 0);
      g_assert_true (json_object_get_double (get (time, "lm_head")) > 0);
      g_assert_true (json_object_get_double (get (time, "total")) > 0);
    }
  json_object_put (root);
}

static void
test_profile_brown (void)
{
  const char *brown = g_getenv ("SY_BROWN_CORPUS");
  g_autofree char *m = olmoe ();
  g_autofree char *dir = g_dir_make_tmp ("sy-cli-profile-XXXXXX", NULL);
  g_autofree char *json = g_build_filename (dir, "profile.json", NULL);
  g_autofree char *args = NULL, *out = NULL, *err = NULL, *sweep = NULL;
  const char *csvs[] = { "runs.csv", "layers.csv", "expert_load.csv", "coactivation.csv",
                         "entropy.csv", "by_genre.csv", "by_pos.csv", "time.csv",
                         "layer_time.csv", "sweep.csv", "trace.json" };
  g_autofree char *sweep_path = g_build_filename (dir, "sweep.csv", NULL);
  json_object *root;
  g_autofree char *text = NULL;

  if (brown == NULL || !g_file_test (brown, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("the Brown corpus is not installed");
      return;
    }
  args = g_strdup_printf ("--model '%s' --router native --router 'topp:p=0.5,kmax=4' --corpus brown "
                          "--brown '%s' --split test --limit 3 --sweep p=0.3:0.9:0.3 --out '%s'",
                          m, brown, dir);
  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "3/"));       /* progress lines */
  g_assert_nonnull (strstr (err, "tokens/s"));
  check_profile_json (json, 2, 3, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (csvs); i++)
    {
      g_autofree char *p = g_build_filename (dir, csvs[i], NULL);

      g_assert_true (g_file_test (p, G_FILE_TEST_IS_REGULAR));
    }
  g_assert_true (g_file_get_contents (sweep_path, &sweep, NULL, NULL));
  g_assert_true (g_str_has_prefix (sweep, "p,avg_k,perplexity,pareto\n0.3,"));
  g_assert_nonnull (strstr (sweep, "\nnative,4,"));
  /* the router with a comma is quoted in CSVs */
  {
    g_autofree char *p = g_build_filename (dir, "runs.csv", NULL);
    g_autofree char *c = NULL;

    g_assert_true (g_file_get_contents (p, &c, NULL, NULL));
    g_assert_nonnull (strstr (c, "\n\"topp:p=0.5,kmax=4\",3,"));
  }
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  root = json_tokener_parse (text);
  g_assert_cmpint (json_object_array_length (get (root, "sweep")), ==, 3);
  g_assert_cmpstr (json_object_get_string (get (get (root, "corpus"), "split")), ==, "test");
  json_object_put (root);
  remove_dir (dir);
}

static void
test_profile_jsonl (void)
{
  g_autofree char *m = olmoe ();
  g_autofree char *dir = g_dir_make_tmp ("sy-cli-profile-XXXXXX", NULL);
  g_autofree char *jl = g_build_filename (dir, "texts.jsonl", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autofree char *json = g_build_filename (outdir, "profile.json", NULL);
  g_autofree char *args = NULL, *out = NULL, *err = NULL;

  g_assert_true (g_file_set_contents (jl, "{\"text\": \"The cat sat on the mat.\", \"genre\": \"pets\"}\n"
                                          "{\"text\": \"Stocks fell sharply on Monday.\"}\n", -1, NULL));
  args = g_strdup_printf ("--model '%s' --router topk:k=2 --corpus '%s' --out '%s'", m, jl, outdir);
  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  check_profile_json (json, 1, 2, FALSE);
  remove_dir (outdir);
  g_remove (jl);
  g_rmdir (dir);
}

static void
test_profile_errors (void)
{
  g_autofree char *m = olmoe ();
  struct { const char *args; const char *message; } cases[] = {
    { "--corpus brown --out /tmp/x", "--router" },
    { "--router native --out /tmp/x", "--corpus" },
    { "--router native --corpus brown", "--out" },
    { "--router bogus --corpus brown --out /tmp/x", "bogus" },
    { "--router native --corpus /nonexistent/c.jsonl --out /tmp/x", "/nonexistent/c.jsonl" },
    { "--router native --corpus brown --split dev --out /tmp/x", "--split dev" },
    { "--router native --corpus brown --sweep p=2:3:1 --out /tmp/x", "sweep" },
    { "--router native --corpus brown --brown /nonexistent/brown --out /tmp/x", "Brown corpus is not installed" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *args = g_strdup_printf ("--model '%s' %s", m, cases[i].args);
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
      sy_test_assert_cli_error (err, cases[i].message);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/profile/brown", test_profile_brown);
  g_test_add_func ("/cli/profile/jsonl", test_profile_jsonl);
  g_test_add_func ("/cli/profile/errors", test_profile_errors);
  return g_test_run ();
}
