/* test-cli-trace.c: route --save-trace / --trace, render --trace,
 * compare --trace, import (docs/cli.md, docs/trace-format.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-c/json.h>

#include "sy-test-util.h"
#include "sy-views.h"

#define TEXT "The service is pretty good, and the food was great."

typedef struct
{
  char *dir;
  char *model;
  char *trace;
} Fx;

static void
fx_setup (Fx            *fx,
          gconstpointer  data)
{

  (void) data;
  fx->dir = sy_test_make_tmp_dir ("sy-cli-trace-XXXXXX");
  fx->model = sy_test_model_path ("olmoe", "");
  fx->trace = g_build_filename (fx->dir, "run.json", NULL);
  sy_test_cli_succeeds ("route", "--model", fx->model, "--text", TEXT,
                        "--no-compare", "--save-trace", fx->trace, NULL);
}

static void
fx_teardown (Fx            *fx,
             gconstpointer  data)
{
  (void) data;
  sy_test_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->model);
  g_free (fx->trace);
}

static json_object *
parse (const char *out)
{
  json_object *o = json_tokener_parse (out);

  g_assert_nonnull (o);
  return o;
}

/* K of layer @l as an array of T ints */
static GArray *
layer_k (json_object *trace,
         int          l)
{
  json_object *layers = sy_test_json_get (trace, "layers");
  json_object *tokens = sy_test_json_get (json_object_array_get_idx (layers, l), "tokens");
  GArray *k = g_array_new (FALSE, FALSE, sizeof (int));

  for (gsize t = 0; t < json_object_array_length (tokens); t++)
    {
      int v = json_object_get_int (sy_test_json_get (json_object_array_get_idx (tokens, t), "k"));

      g_array_append_val (k, v);
    }
  return k;
}

static void
test_route (Fx            *fx,
            gconstpointer  data)
{
  json_object *live, *rec, *app, *recorded;
  g_autoptr (GArray) kl = NULL;
  g_autoptr (GArray) ka = NULL;

  (void) data;
  live = sy_test_cli_json_args ("route", "--model", fx->model, "--text", TEXT,
                                "--router", "topp:p=0.5", "--no-compare", "--json", NULL);
  rec = sy_test_cli_json_args ("route", "--trace", fx->trace, "--json", NULL);
  app = sy_test_cli_json_args ("route", "--trace", fx->trace, "--router", "topp:p=0.5", "--json", NULL);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (rec, "router")), ==, "native");
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (app, "router")), ==, "topp:p=0.5");
  recorded = sy_test_json_get (app, "recorded");
  g_assert_true (json_object_get_boolean (sy_test_json_get (recorded, "reapplied")));
  g_assert_false (json_object_get_boolean (sy_test_json_get (recorded, "nll")));
  g_assert_nonnull (strstr (json_object_get_string (sy_test_json_get (recorded, "limits")),
                            "not re-run"));
  /* the recorded run keeps its perplexity, the re-applied one has none */
  g_assert_true (json_object_is_type (sy_test_json_get (sy_test_json_get (rec, "metrics"),
                                                        "perplexity"), json_type_double));
  g_assert_true (sy_test_json_get (sy_test_json_get (app, "metrics"), "perplexity") == NULL);
  /* layer 0 as the live run */
  kl = layer_k (live, 0);
  ka = layer_k (app, 0);
  g_assert_cmpuint (kl->len, ==, ka->len);
  g_assert_cmpmem (kl->data, kl->len * sizeof (int), ka->data, ka->len * sizeof (int));
  json_object_put (live);
  json_object_put (rec);
  json_object_put (app);

  /* f16 and top-N files are smaller and read back */
  {
    g_autofree char *f16 = g_build_filename (fx->dir, "f16.json", NULL);
    g_autofree char *top = g_build_filename (fx->dir, "top.json", NULL);
    GStatBuf a, b, c;

    sy_test_cli_succeeds ("route", "--trace", fx->trace, "--save-trace", f16,
                          "--trace-dtype", "f16", NULL);
    sy_test_cli_succeeds ("route", "--trace", fx->trace, "--save-trace", top,
                          "--trace-top", "4", "--trace-dtype", "f16", NULL);
    sy_test_cli_succeeds ("route", "--trace", top, "--router", "minp:t=0.3", NULL);
    g_assert_cmpint (g_stat (fx->trace, &a), ==, 0);
    g_assert_cmpint (g_stat (f16, &b), ==, 0);
    g_assert_cmpint (g_stat (top, &c), ==, 0);
    g_assert_cmpint (b.st_size, <, a.st_size);
    g_assert_cmpint (c.st_size, <, b.st_size);
  }
}

/* A saved trace carries the attention each token received: da re-applied
 * to it routes layer 0 as a live da run does (layer 0's attention does
 * not depend on the routing). */
static void
test_attention (Fx            *fx,
                gconstpointer  data)
{
  g_autofree char *contents = NULL;
  json_object *file, *live, *app, *layers;

  (void) data;
  g_assert_true (g_file_get_contents (fx->trace, &contents, NULL, NULL));
  file = parse (contents);
  layers = sy_test_json_get (file, "layers");
  for (gsize l = 0; l < json_object_array_length (layers); l++)
    g_assert_nonnull (sy_test_json_get (json_object_array_get_idx (layers, l), "attention_received"));
  json_object_put (file);

  live = sy_test_cli_json_args ("route", "--model", fx->model, "--text", TEXT,
                                "--router", "da:k=2", "--no-compare", "--json", NULL);
  app = sy_test_cli_json_args ("route", "--trace", fx->trace, "--router", "da:k=2", "--json", NULL);
  {
    json_object *tl = sy_test_json_get (json_object_array_get_idx (sy_test_json_get (live, "layers"), 0), "tokens");
    json_object *ta = sy_test_json_get (json_object_array_get_idx (sy_test_json_get (app, "layers"), 0), "tokens");
    int differ = 0;

    g_assert_cmpuint (json_object_array_length (tl), ==, json_object_array_length (ta));
    for (gsize t = 0; t < json_object_array_length (tl); t++)
      {
        const char *el = json_object_to_json_string (sy_test_json_get (json_object_array_get_idx (tl, t), "experts"));
        const char *ea = json_object_to_json_string (sy_test_json_get (json_object_array_get_idx (ta, t), "experts"));

        g_assert_cmpstr (el, ==, ea);
        differ += json_object_get_int (sy_test_json_get (json_object_array_get_idx (ta, t), "k")) != 2;
      }
    /* da moves the budget between tokens (not every token has k = 2) */
    g_assert_cmpint (differ, >, 0);
  }
  json_object_put (live);
  json_object_put (app);
}

static void
test_render_compare (Fx            *fx,
                     gconstpointer  data)
{
  guint n_views;
  const SyViewInfo *views = sy_views (&n_views);
  g_autofree char *second = g_build_filename (fx->dir, "topk.json", NULL);
  json_object *cmp;

  (void) data;
  for (guint v = 0; v < n_views; v++)
    {
      g_autofree char *svg = g_strdup_printf ("%s/%s.svg", fx->dir, views[v].name);
      g_autoptr (GHashTable) counts = NULL;
      gboolean card = g_str_equal (views[v].name, "expert");

      if (!(views[v].flags & SY_VIEW_RENDER))
        continue;
      /* the card: of expert 1 in layer 0 (for the others NULL ends the arguments) */
      sy_test_cli_succeeds ("render", "--trace", fx->trace, "--router",
                            "topp:p=0.5", "--view", views[v].name, "--out", svg,
                            card ? "--layer" : NULL, "0", "--expert", "1", NULL);
      counts = sy_test_svg_count_elements (svg);
      g_assert_cmpint (sy_test_count_total (counts), >, 20);
    }

  cmp = sy_test_cli_json_args ("compare", "--trace", fx->trace, "--b", "topk:k=2", "--json", NULL);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (sy_test_json_get (cmp, "b"), "router")),
                   ==, "topk:k=2");
  json_object_put (cmp);

  /* two traces of the same text */
  sy_test_cli_succeeds ("route", "--model", fx->model, "--text", TEXT,
                        "--router", "topk:k=2", "--no-compare", "--save-trace", second, NULL);
  cmp = sy_test_cli_json_args ("compare", "--trace", fx->trace, "--trace-b", second, "--json", NULL);
  {
    json_object *l0 = json_object_array_get_idx (sy_test_json_get (cmp, "layers"), 0);
    json_object *t0 = json_object_array_get_idx (sy_test_json_get (l0, "tokens"), 0);

    /* native top-4 against top-2 */
    g_assert_cmpint (json_object_get_int (sy_test_json_get (t0, "dk")), ==, -2);
  }
  json_object_put (cmp);
}

/* A session that names a trace: render --session and compare --session
 * draw and compare it, B's trace included. */
static void
test_session (Fx            *fx,
              gconstpointer  data)
{
  g_autofree char *second = g_build_filename (fx->dir, "topk.json", NULL);
  g_autofree char *session = g_build_filename (fx->dir, "t.switchyard", NULL);
  g_autofree char *svg = g_build_filename (fx->dir, "t.svg", NULL);
  g_autofree char *direct = g_build_filename (fx->dir, "direct.svg", NULL);
  g_autofree char *from_session = NULL, *from_options = NULL;
  g_autofree char *err = NULL;
  json_object *cmp;

  (void) data;
  sy_test_cli_succeeds ("route", "--model", fx->model, "--text", TEXT,
                        "--router", "topk:k=2", "--no-compare", "--save-trace", second, NULL);
  /* relative paths: beside the session */
  g_assert_true (g_file_set_contents (session,
                                      "{\"format\": \"switchyard-session\", \"version\": 1,"
                                      " \"trace\": \"run.json\", \"trace_b\": \"topk.json\","
                                      " \"router_a\": \"topp:p=0.5\", \"router_b\": \"recorded\","
                                      " \"view\": \"heatmap\", \"measure\": \"entropy\", \"token\": 2}",
                                      -1, NULL));
  sy_test_cli_succeeds ("render", "--session", session, NULL);
  g_assert_true (g_file_get_contents (svg, &from_session, NULL, NULL));
  sy_test_cli_succeeds ("render", "--trace", fx->trace, "--router", "topp:p=0.5",
                        "--measure", "entropy", "--token", "2", "--out", direct, NULL);
  g_assert_true (g_file_get_contents (direct, &from_options, NULL, NULL));
  g_assert_cmpstr (from_session, ==, from_options);

  cmp = sy_test_cli_json_args ("compare", "--session", session, "--json", NULL);
  g_assert_cmpstr (json_object_get_string (sy_test_json_get (sy_test_json_get (cmp, "a"), "router")),
                   ==, "topp:p=0.5");
  g_assert_true (g_str_has_prefix (json_object_get_string (sy_test_json_get (sy_test_json_get (cmp, "b"),
                                                                            "router")), "recorded topk"));
  json_object_put (cmp);

  /* a session whose trace is missing: one line naming it */
  g_assert_true (g_file_set_contents (session,
                                      "{\"format\": \"switchyard-session\", \"version\": 1,"
                                      " \"trace\": \"gone.json\"}", -1, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "render", "--session", session, NULL), !=, 0);
  sy_test_assert_cli_error (err, "gone.json");
}

static void
test_errors (Fx            *fx,
             gconstpointer  data)
{
  g_autofree char *err = NULL;
  g_autofree char *data_text = NULL;
  g_autofree char *cut = g_build_filename (fx->dir, "cut.json", NULL);
  g_autofree char *svg = g_build_filename (fx->dir, "x.svg", NULL);
  gsize len;

  (void) data;
  g_assert_true (g_file_get_contents (fx->trace, &data_text, &len, NULL));
  g_assert_true (g_file_set_contents (cut, data_text, (gssize) len / 2, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "route", "--trace", cut, NULL), ==, 1);
  sy_test_assert_cli_error (err, "unexpected end of file");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "render", "--trace", cut, "--out", svg, NULL), ==, 1);
  sy_test_assert_cli_error (err, "cut.json");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "route", "--trace", "/nonexistent/t.json", NULL), ==, 1);
  sy_test_assert_cli_error (err, "/nonexistent/t.json");
  g_clear_pointer (&err, g_free);
  /* a trace without attention_received (as record_hf.py without it) */
  {
    g_autofree char *contents = NULL;
    g_autofree char *no_attention = g_build_filename (fx->dir, "no-attention.json", NULL);
    json_object *root, *layers;

    g_assert_true (g_file_get_contents (fx->trace, &contents, NULL, NULL));
    root = parse (contents);
    layers = sy_test_json_get (root, "layers");
    for (gsize l = 0; l < json_object_array_length (layers); l++)
      json_object_object_del (json_object_array_get_idx (layers, l), "attention_received");
    g_assert_true (g_file_set_contents (no_attention, json_object_to_json_string (root), -1, NULL));
    json_object_put (root);
    g_assert_cmpint (sy_test_cli (NULL, &err, "route", "--trace", no_attention, "--router", "da", NULL),
                     ==, 1);
    sy_test_assert_cli_error (err, "da needs the attention");
  }
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "route", "--trace", fx->trace, "--router",
                                "topk:k=99", NULL), ==, 1);
  sy_test_assert_cli_error (err, "99");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "route", "--trace", fx->trace, "--model", fx->model,
                                NULL), ==, 1);
  sy_test_assert_cli_error (err, "--trace takes no --model");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "compare", "--trace-b", fx->trace, "--b", "native",
                                NULL), ==, 1);
  sy_test_assert_cli_error (err, "--trace-b needs --trace");
}

/* tests/data/import/FILE */
static char *
import_path (const char *file)
{
  return g_build_filename (g_getenv ("SY_SOURCE_ROOT"), "tests", "data", "import", file, NULL);
}

/* import FILE, then route --trace on it: T tokens, the decoder-layer
 * indices and the experts of token 1 on the first MoE layer */
static json_object *
import_ok (Fx         *fx,
           const char *from,
           const char *file,
           const char *extra)
{
  g_autofree char *in = import_path (file);
  g_autofree char *out_path = g_strdup_printf ("%s/%s.trace.json", fx->dir, file);
  g_autofree char *err = NULL;
  const char *args[10] = { "import", "--from", from, NULL, };
  int n = 3;

  if (extra)
    {
      args[n++] = extra;
      args[n++] = "2";
    }
  args[n++] = in;
  args[n++] = out_path;
  args[n] = NULL;
  if (sy_test_cliv (args, NULL, &err) != 0)
    g_error ("import %s %s: %s", from, file, err);
  return sy_test_cli_json_args ("route", "--trace", out_path, "--json", NULL);
}

static void
assert_expert_pair (json_object *trace,
                    int          moe,
                    int          t,
                    int          a,
                    int          b)
{
  json_object *l = json_object_array_get_idx (sy_test_json_get (trace, "layers"), moe);
  json_object *cell = json_object_array_get_idx (sy_test_json_get (l, "tokens"), t);
  json_object *ex = sy_test_json_get (cell, "experts");

  g_assert_cmpint (json_object_get_int (sy_test_json_get (cell, "k")), ==, 2);
  g_assert_cmpint (json_object_get_int (json_object_array_get_idx (ex, 0)), ==, a);
  g_assert_cmpint (json_object_get_int (json_object_array_get_idx (ex, 1)), ==, b);
}

static void
test_import (Fx            *fx,
             gconstpointer  data)
{
  /* tests/data/import/README.md: 4 positions, 3 MoE layers, top-2 of 8;
   * position 1: layer 0 {1, 4}, layer 1 {6, 7}, layer 2 {3, 2} */
  const char *vllm[] = { "vllm-completion.json", "vllm-routed-experts.npy", "vllm-offline.json", NULL };
  g_autofree char *err = NULL;
  json_object *tr;

  (void) data;
  for (int i = 0; vllm[i]; i++)
    {
      tr = import_ok (fx, "vllm", vllm[i], NULL);
      g_assert_cmpint (json_object_array_length (sy_test_json_get (tr, "tokens")), ==, 4);
      g_assert_cmpint (json_object_array_length (sy_test_json_get (tr, "layers")), ==, 3);
      g_assert_cmpint (json_object_get_int (sy_test_json_get (tr, "n_experts")), ==, 8);
      assert_expert_pair (tr, 0, 1, 1, 4);
      assert_expert_pair (tr, 2, 1, 3, 2);
      if (i != 1)
        g_assert_cmpint (json_object_get_int (sy_test_json_get (json_object_array_get_idx (
                           sy_test_json_get (tr, "tokens"), 2), "id")), ==, 103);
      json_object_put (tr);
    }

  /* SGLang: layer 0 is dense (-1), so two MoE layers, decoder layers 1 and 2 */
  tr = import_ok (fx, "sglang", "sglang-generate.json", "--top-k");
  g_assert_cmpint (json_object_array_length (sy_test_json_get (tr, "layers")), ==, 2);
  g_assert_cmpint (json_object_get_int (sy_test_json_get (json_object_array_get_idx (
                     sy_test_json_get (tr, "layers"), 0), "layer")), ==, 1);
  assert_expert_pair (tr, 0, 1, 6, 7);
  json_object_put (tr);

  /* llama.cpp: weights, ids and quoted token text */
  tr = import_ok (fx, "llamacpp", "llamacpp-moe-trace.csv", NULL);
  {
    json_object *l0 = json_object_array_get_idx (sy_test_json_get (tr, "layers"), 0);
    json_object *c1 = json_object_array_get_idx (sy_test_json_get (l0, "tokens"), 1);
    json_object *t3 = json_object_array_get_idx (sy_test_json_get (tr, "tokens"), 3);

    g_assert_cmpint (json_object_get_int (sy_test_json_get (l0, "layer")), ==, 1);
    assert_expert_pair (tr, 0, 1, 1, 4);
    g_assert_cmpfloat_with_epsilon (json_object_get_double (json_object_array_get_idx (
                                      sy_test_json_get (c1, "weights"), 0)), 0.6, 1e-6);
    g_assert_cmpstr (json_object_get_string (sy_test_json_get (t3, "text")), ==, " \"jumps\"");
  }
  json_object_put (tr);

  /* policies need probabilities */
  {
    g_autofree char *p = g_strdup_printf ("%s/vllm-completion.json.trace.json", fx->dir);

    g_clear_pointer (&err, g_free);
    g_assert_cmpint (sy_test_cli (NULL, &err, "route", "--trace", p, "--router", "topp:p=0.5",
                                  NULL), ==, 1);
    sy_test_assert_cli_error (err, "holds expert ids only");
  }
}

static void
test_import_errors (Fx            *fx,
                    gconstpointer  data)
{
  g_autofree char *sg = import_path ("sglang-generate.json");
  g_autofree char *npy = import_path ("vllm-routed-experts.npy");
  g_autofree char *cut = g_build_filename (fx->dir, "cut.npy", NULL);
  g_autofree char *csv = g_build_filename (fx->dir, "bad.csv", NULL);
  g_autofree char *out = g_build_filename (fx->dir, "out.json", NULL);
  g_autofree char *bytes = NULL;
  g_autofree char *err = NULL;
  gsize len;

  (void) data;
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "import", "--from", "sglang", sg, out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "needs --layers N and --top-k K");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "import", "--from", "sglang", "--top-k", "5", sg, out,
                                NULL), ==, 1);
  sy_test_assert_cli_error (err, "not positions x");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "import", "--from", "vllm", "--experts", "4", npy, out,
                                NULL), ==, 1);
  sy_test_assert_cli_error (err, "outside the 4 experts given");
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_get_contents (npy, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (cut, bytes, (gssize) len - 20, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "import", "--from", "vllm", cut, out, NULL), ==, 1);
  sy_test_assert_cli_error (err, ".npy data holds");
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_set_contents (csv, "tok,layer,expert\n0,1,2\n", -1, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "import", "--from", "llamacpp", csv, out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "must name the columns token, layer and expert");
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_set_contents (csv, "token,layer,expert\n0,1,x\n", -1, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "import", "--from", "llamacpp", csv, out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "line 2: expert 'x' is not an index");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "import", "--from", "tgi", csv, out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "unknown source 'tgi'");
  sy_test_assert_no_file (out);
}

static void
test_profile (Fx            *fx,
              gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (fx->dir, "traces", NULL);
  g_autofree char *second = g_build_filename (dir, "b.json", NULL);
  g_autofree char *first = g_build_filename (dir, "a.json", NULL);
  g_autofree char *out = g_build_filename (fx->dir, "prof", NULL);
  g_autofree char *pj = g_build_filename (out, "profile.json", NULL);
  g_autofree char *err = NULL;
  g_autofree char *data_text = NULL;
  g_autofree char *csv = import_path ("llamacpp-moe-trace.csv");
  json_object *prof, *runs, *l0, *load;
  gint64 sum = 0;

  (void) data;
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_file_get_contents (fx->trace, &data_text, NULL, NULL));
  g_assert_true (g_file_set_contents (first, data_text, -1, NULL));
  sy_test_cli_succeeds ("route", "--model", fx->model, "--text", "Another one.",
                        "--no-compare", "--save-trace", second, NULL);
  sy_test_cli_succeeds ("profile", "--traces", dir, "--router", "recorded",
                        "--router", "topk:k=1", "--out", out, "--quiet", NULL);
  prof = json_object_from_file (pj);
  g_assert_nonnull (prof);
  runs = sy_test_json_get (prof, "runs");
  g_assert_cmpint (json_object_array_length (runs), ==, 2);
  /* topk:k=1: the load of a layer sums to the tokens */
  l0 = json_object_array_get_idx (sy_test_json_get (json_object_array_get_idx (runs, 1), "layers"), 0);
  load = sy_test_json_get (l0, "expert_load");
  for (gsize e = 0; e < json_object_array_length (load); e++)
    sum += json_object_get_int64 (json_object_array_get_idx (load, e));
  g_assert_cmpint (sum, ==, json_object_get_int64 (sy_test_json_get (json_object_array_get_idx (runs, 1),
                                                                     "tokens")));
  g_assert_cmpfloat (json_object_get_double (sy_test_json_get (json_object_array_get_idx (runs, 0),
                                                               "avg_k")), ==, 4.0);
  json_object_put (prof);

  /* traces of another shape: an error naming the file */
  sy_test_cli_succeeds ("import", "--from", "llamacpp", csv, first, NULL);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (sy_test_cli (NULL, &err, "profile", "--traces", dir, "--out", out, NULL), ==, 1);
  sy_test_assert_cli_error (err, "b.json: 3 MoE layers of 16 experts, unlike the first trace");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/cli-trace/route", Fx, NULL, fx_setup, test_route, fx_teardown);
  g_test_add ("/cli-trace/attention", Fx, NULL, fx_setup, test_attention, fx_teardown);
  g_test_add ("/cli-trace/render-compare", Fx, NULL, fx_setup, test_render_compare, fx_teardown);
  g_test_add ("/cli-trace/errors", Fx, NULL, fx_setup, test_errors, fx_teardown);
  g_test_add ("/cli-trace/session", Fx, NULL, fx_setup, test_session, fx_teardown);
  g_test_add ("/cli-trace/import", Fx, NULL, fx_setup, test_import, fx_teardown);
  g_test_add ("/cli-trace/import-errors", Fx, NULL, fx_setup, test_import_errors, fx_teardown);
  g_test_add ("/cli-trace/profile", Fx, NULL, fx_setup, test_profile, fx_teardown);
  return g_test_run ();
}
