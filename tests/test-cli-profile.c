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
  return sy_test_cli_run ("profile", args, out, err);
}

static void check_experts (const char *dir,
                           const char *model,
                           gboolean    tagged);

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
  runs = sy_test_json_get (root, "runs");
  g_assert_cmpint (json_object_array_length (runs), ==, n_runs);
  for (int i = 0; i < n_runs; i++)
    {
      json_object *r = json_object_array_get_idx (runs, i);
      json_object *layers = sy_test_json_get (r, "layers"), *genres = sy_test_json_get (r, "by_genre"), *pos = sy_test_json_get (r, "by_pos");
      json_object *time = sy_test_json_get (r, "time");
      gint64 tokens = json_object_get_int64 (sy_test_json_get (r, "tokens"));
      double avg_k = json_object_get_double (sy_test_json_get (r, "avg_k")), gk = 0, gt = 0;

      g_assert_nonnull (json_object_get_string (sy_test_json_get (r, "router")));
      g_assert_cmpint (json_object_get_int (sy_test_json_get (r, "texts")), ==, texts);
      g_assert_cmpint (tokens, >, texts);
      g_assert_true (json_object_get_double (sy_test_json_get (r, "perplexity")) > 1);
      g_assert_true (avg_k >= 1 && avg_k <= 16);
      g_assert_cmpint (json_object_array_length (layers), ==, 3);
      for (int l = 0; l < 3; l++)
        {
          json_object *lo = json_object_array_get_idx (layers, l);
          json_object *load = sy_test_json_get (lo, "expert_load"), *co = sy_test_json_get (lo, "coactivation");
          double sum = 0, lk = json_object_get_double (sy_test_json_get (lo, "avg_k"));

          g_assert_cmpint (json_object_get_int (sy_test_json_get (lo, "layer")), ==, l);
          g_assert_cmpint (json_object_get_int (sy_test_json_get (lo, "moe")), ==, l);
          g_assert_cmpint (json_object_array_length (load), ==, 16);
          g_assert_cmpint (json_object_array_length (co), ==, 16);
          for (int e = 0; e < 16; e++)
            {
              sum += json_object_get_double (json_object_array_get_idx (load, e));
              g_assert_cmpint (json_object_array_length (json_object_array_get_idx (co, e)), ==, 16);
            }
          g_assert_cmpfloat (fabs (sum - tokens * lk), <, 1e-6 * sum + 1e-6);
          g_assert_true (json_object_get_double (sy_test_json_get (lo, "entropy_mean")) >= 0);
        }
      json_object_object_foreach (genres, gname, g)
        {
          gt += json_object_get_double (sy_test_json_get (g, "tokens"));
          gk += json_object_get_double (sy_test_json_get (g, "tokens")) * json_object_get_double (sy_test_json_get (g, "avg_k"));
          g_assert_true (json_object_get_double (sy_test_json_get (g, "perplexity")) > 1);
          if (brown)
            g_assert_nonnull (json_object_get_string (sy_test_json_get (g, "name")));
          (void) gname;
        }
      g_assert_cmpfloat (gt, ==, tokens);
      g_assert_cmpfloat (fabs (gk / gt - avg_k), <, 1e-9);
      if (brown)
        {
          g_assert_nonnull (json_object_object_get (pos, "NN"));
          g_assert_true (json_object_get_double (sy_test_json_get (sy_test_json_get (pos, "NN"), "tokens")) > 0);
        }
      else
        g_assert_cmpint (json_object_object_length (pos), ==, 0);
      g_assert_true (json_object_get_double (sy_test_json_get (time, "attention")) > 0);
      g_assert_true (json_object_get_double (sy_test_json_get (time, "router")) > 0);
      g_assert_true (json_object_get_double (sy_test_json_get (time, "experts")) > 0);
      g_assert_true (json_object_get_double (sy_test_json_get (time, "lm_head")) > 0);
      g_assert_true (json_object_get_double (sy_test_json_get (time, "total")) > 0);
    }
  json_object_put (root);
}

static void
test_profile_brown (void)
{
  const char *brown = g_getenv ("SY_BROWN_CORPUS");
  g_autofree char *m = sy_test_model_path ("olmoe", "");
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-cli-profile-XXXXXX");
  g_autofree char *json = g_build_filename (dir, "profile.json", NULL);
  g_autofree char *args = NULL, *out = NULL, *err = NULL, *sweep = NULL;
  const char *csvs[] = { "runs.csv", "layers.csv", "expert_load.csv", "coactivation.csv",
                         "entropy.csv", "by_genre.csv", "by_pos.csv", "time.csv",
                         "layer_time.csv", "sweep.csv", "expert_tokens.csv", "trace.json" };
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
  g_assert_cmpint (json_object_array_length (sy_test_json_get (root, "sweep")), ==, 3);
  check_experts (dir, m, TRUE);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (sy_test_json_get (root, "corpus"), "split")), ==, "test");
  json_object_put (root);
  sy_test_remove_tree (dir);
}

/* Each layer's experts carry their top tokens (by count, shares of the
 * expert's assignments, at most 20) and POS/genre counts within the load;
 * the expert card draws from the folder, with and without a text. */
static void
check_experts (const char *dir,
               const char *model,
               gboolean    tagged)
{
  g_autofree char *json = g_build_filename (dir, "profile.json", NULL);
  g_autofree char *csv_path = g_build_filename (dir, "expert_tokens.csv", NULL);
  g_autofree char *csv = NULL, *text = NULL, *png = g_build_filename (dir, "card.png", NULL);
  json_object *root, *layer;
  gint64 listed = 0;

  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  g_assert_true (g_str_has_prefix (csv, "router,layer,moe,expert,rank,id,text,count,share\n"));
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  root = json_tokener_parse (text);
  layer = json_object_array_get_idx (sy_test_json_get (json_object_array_get_idx (sy_test_json_get (root, "runs"), 0),
                                                       "layers"), 0);
  for (size_t e = 0; e < json_object_array_length (sy_test_json_get (layer, "experts")); e++)
    {
      json_object *x = json_object_array_get_idx (sy_test_json_get (layer, "experts"), e);
      json_object *top = sy_test_json_get (x, "top_tokens");
      gint64 load = json_object_get_int64 (json_object_array_get_idx (sy_test_json_get (layer, "expert_load"), e));
      gint64 prev = G_MAXINT64, genres = 0, pos = 0;

      g_assert_cmpint (json_object_get_int64 (sy_test_json_get (x, "assignments")), ==, load);
      g_assert_cmpuint (json_object_array_length (top), <=, 20);
      for (size_t i = 0; i < json_object_array_length (top); i++)
        {
          json_object *t = json_object_array_get_idx (top, i);
          gint64 count = json_object_get_int64 (sy_test_json_get (t, "count"));

          g_assert_cmpint (count, <=, prev);
          g_assert_cmpfloat_with_epsilon (json_object_get_double (sy_test_json_get (t, "share")),
                                          (double) count / load, 1e-9);
          g_assert_nonnull (json_object_get_string (sy_test_json_get (t, "text")));
          prev = count;
          listed++;
        }
      json_object_object_foreach (sy_test_json_get (x, "genres"), g, gc)
        {
          (void) g;
          genres += json_object_get_int64 (gc);
        }
      json_object_object_foreach (sy_test_json_get (x, "pos"), tag, pc)
        {
          (void) tag;
          pos += json_object_get_int64 (pc);
        }
      /* every assignment has a genre; only tagged tokens have a POS */
      g_assert_cmpint (genres, ==, load);
      g_assert_cmpint (pos, <=, load);
      if (!tagged)
        g_assert_cmpint (pos, ==, 0);
    }
  g_assert_cmpint (listed, >, 0);
  json_object_put (root);

  /* the card, from the profile alone, then with a text */
  {
    g_autofree char *args = g_strdup_printf ("--view expert --layer 0 --expert 1 --profile '%s' --out '%s'", dir, png);
    g_autofree char *out = NULL, *err = NULL;
    gsize len = 0;
    g_autofree char *bytes = NULL;

    g_assert_cmpint (sy_test_cli_run ("render", args, &out, &err), ==, 0);
    g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
    g_assert_cmpuint (len, >, 5000);
    g_remove (png);
  }
  {
    g_autofree char *args = g_strdup_printf ("--model '%s' --text 'The cat sat.' --view expert --layer 0 --expert 1 "
                                             "--profile '%s' --out '%s'", model, dir, png);
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint (sy_test_cli_run ("render", args, &out, &err), ==, 0);
    g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
    g_remove (png);
  }
  {
    g_autofree char *args = g_strdup_printf ("--view expert --layer 0 --expert 999 --profile '%s' --out '%s'", dir, png);
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint (sy_test_cli_run ("render", args, &out, &err), !=, 0);
    sy_test_assert_cli_error (err, "no expert 999");
  }
}

static void
test_profile_jsonl (void)
{
  g_autofree char *m = sy_test_model_path ("olmoe", "");
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-cli-profile-XXXXXX");
  g_autofree char *jl = g_build_filename (dir, "texts.jsonl", NULL);
  g_autofree char *outdir = g_build_filename (dir, "out", NULL);
  g_autofree char *json = g_build_filename (outdir, "profile.json", NULL);
  g_autofree char *args = NULL, *out = NULL, *err = NULL;

  g_assert_true (g_file_set_contents (jl, "{\"text\": \"The cat sat on the mat.\", \"genre\": \"pets\"}\n"
                                          "{\"text\": \"Stocks fell sharply on Monday.\"}\n", -1, NULL));
  args = g_strdup_printf ("--model '%s' --router topk:k=2 --corpus '%s' --out '%s'", m, jl, outdir);
  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  check_profile_json (json, 1, 2, FALSE);
  check_experts (outdir, m, FALSE);
  sy_test_remove_tree (outdir);
  g_remove (jl);
  g_rmdir (dir);
}

static void
test_profile_errors (void)
{
  g_autofree char *m = sy_test_model_path ("olmoe", "");
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

static const SyTestCase tests[] = {
  { "/cli/profile/brown", test_profile_brown },
  { "/cli/profile/jsonl", test_profile_jsonl },
  { "/cli/profile/errors", test_profile_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
