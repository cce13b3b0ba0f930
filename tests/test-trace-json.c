/* test-trace-json.c: the trace as JSON (cli.md "Trace") and CSV
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-c/json.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "sy-engine-error.h"
#include "sy-router.h"
#include "sy-trace-json.h"
#include "sy-test-trace.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

#define N 4
#define E 4
#define L 2

static SyTrace *
make_trace (const char *router)
{
  SyTrace *trace = sy_trace_new (N, E, 3, L);
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (router, NULL);
  SyRouterModelInfo info = {
    .n_experts = E, .native_k = 2, .n_moe_layers = L,
    .activation = SY_ROUTER_SOFTMAX, .native_weights = SY_NATIVE_WEIGHTS_RENORM,
  };
  const float recv[N] = { 3.0f, 1.0f, 1.2f, 0.5f };
  const char *texts[N] = { "The", " \"quoted\"", " tab\there", " caf\xc3\xa9" };

  g_assert_nonnull (spec);
  trace->model = g_strdup ("hand");
  trace->router = sy_router_spec_to_string (spec);
  trace->causal = sy_router_spec_is_causal (spec);
  trace->native_k = 2;
  trace->offsets = g_new0 (int, 2 * N);
  for (int t = 0; t < N; t++)
    {
      trace->ids[t] = 100 + t;
      trace->token_text[t] = g_strdup (texts[t]);
      trace->offsets[2 * t] = t * 3;
      trace->offsets[2 * t + 1] = t * 3 + 3;
    }
  for (int l = 0; l < L; l++)
    {
      trace->layers[l].layer = l + 1;
      for (int i = 0; i < N * E; i++)
        trace->layers[l].logits[i] = sinf (i * 1.7f + l) * 2.0f;
      g_assert_true (sy_router_route (spec, &info, l, N, 0, recv, &trace->layers[l], NULL));
      trace->layers[l].time_s = 0.001 * (l + 1);
    }
  for (int t = 0; t + 1 < N; t++)
    trace->nll[t] = 1.5f + t;
  trace->perplexity = exp ((1.5 + 2.5 + 3.5) / 3);
  sy_trace_update_avg_k (trace);
  trace->activated_params = 123456;
  trace->flops = 2.5e6;
  trace->op_time_s[SY_OP_ATTENTION] = 0.25;
  trace->total_time_s = 1.0;
  return trace;
}

static void
check_same (const SyTrace *a,
            const SyTrace *b)
{
  g_assert_cmpstr (a->model, ==, b->model);
  g_assert_cmpstr (a->router, ==, b->router);
  g_assert_cmpint (a->causal, ==, b->causal);
  sy_test_assert_same_routing (a, b);
  g_assert_cmpint (a->n_layers, ==, b->n_layers);
  g_assert_cmpint (a->native_k, ==, b->native_k);
  for (int t = 0; t < a->n_tokens; t++)
    {
      g_assert_cmpstr (a->token_text[t], ==, b->token_text[t]);
      g_assert_cmpint (a->offsets[2 * t + 1], ==, b->offsets[2 * t + 1]);
    }
  for (int l = 0; l < a->n_moe_layers; l++)
    {
      const SyTraceLayer *x = &a->layers[l], *y = &b->layers[l];

      g_assert_cmpint (x->layer, ==, y->layer);
      g_assert_cmpint (x->moe, ==, y->moe);
      g_assert_cmpint (x->budget, ==, y->budget);
      g_assert_cmpfloat (x->avg_k, ==, y->avg_k);
      g_assert_cmpfloat (x->time_s, ==, y->time_s);
      for (int t = 0; t < a->n_tokens; t++)
        {
          for (int e = 0; e < E; e++)
            g_assert_cmpfloat (x->probs[t * E + e], ==, y->probs[t * E + e]);
          g_assert_cmpfloat (x->cum[t], ==, y->cum[t]);
          g_assert_cmpfloat (x->entropy[t], ==, y->entropy[t]);
          g_assert_true (x->importance[t] == y->importance[t] ||
                         (isnan (x->importance[t]) && isnan (y->importance[t])));
          g_assert_true (x->complexity[t] == y->complexity[t] ||
                         (isnan (x->complexity[t]) && isnan (y->complexity[t])));
          g_assert_cmpint (x->depth[t], ==, y->depth[t]);
          g_assert_cmpint (x->flags[t], ==, y->flags[t]);
        }
    }
  for (int t = 0; t + 1 < a->n_tokens; t++)
    g_assert_cmpfloat (a->nll[t], ==, b->nll[t]);
  g_assert_cmpfloat (a->perplexity, ==, b->perplexity);
  g_assert_cmpfloat (a->avg_k, ==, b->avg_k);
  g_assert_cmpfloat (a->activated_params, ==, b->activated_params);
  g_assert_cmpfloat (a->flops, ==, b->flops);
  g_assert_cmpfloat (a->op_time_s[SY_OP_ATTENTION], ==, b->op_time_s[SY_OP_ATTENTION]);
  g_assert_cmpfloat (a->total_time_s, ==, b->total_time_s);
}

static void
test_json_fields (void)
{
  const char *routers[] = { "topp:p=0.5", "da", "adr:theta=0.6" };

  for (guint r = 0; r < G_N_ELEMENTS (routers); r++)
    for (int pretty = 0; pretty < 2; pretty++)
      {
        g_autoptr (SyTrace) trace = make_trace (routers[r]);
        g_autofree char *text = sy_trace_to_json (trace, pretty);
        json_object *root = json_tokener_parse (text);
        json_object *tokens, *layers, *metrics;
        g_autoptr (GError) error = NULL;
        g_autoptr (SyTrace) back = NULL;

        g_assert_nonnull (root);
        g_assert_cmpstr (json_object_get_string (sy_test_json_get (root, "model")), ==, "hand");
        g_assert_cmpstr (json_object_get_string (sy_test_json_get (root, "router")), ==, trace->router);
        g_assert_cmpint (json_object_get_boolean (sy_test_json_get (root, "causal")), ==, r != 1);
        tokens = sy_test_json_get (root, "tokens");
        g_assert_cmpint (json_object_array_length (tokens), ==, N);
        g_assert_cmpint (json_object_get_int (sy_test_json_get (json_object_array_get_idx (tokens, 2), "id")), ==, 102);
        g_assert_cmpstr (json_object_get_string (sy_test_json_get (json_object_array_get_idx (tokens, 1), "text")),
                         ==, " \"quoted\"");
        g_assert_cmpstr (json_object_get_string (sy_test_json_get (json_object_array_get_idx (tokens, 3), "text")),
                         ==, " caf\xc3\xa9");

        layers = sy_test_json_get (root, "layers");
        g_assert_cmpint (json_object_array_length (layers), ==, L);
        for (int l = 0; l < L; l++)
          {
            json_object *lo = json_object_array_get_idx (layers, l);
            json_object *cells = sy_test_json_get (lo, "tokens");

            g_assert_cmpint (json_object_get_int (sy_test_json_get (lo, "layer")), ==, l + 1);
            g_assert_cmpint (json_object_get_int (sy_test_json_get (lo, "moe")), ==, l);
            g_assert_cmpint (json_object_get_int (sy_test_json_get (lo, "budget")), ==, E);
            g_assert_cmpfloat (json_object_get_double (sy_test_json_get (lo, "avg_k")), ==, trace->layers[l].avg_k);
            g_assert_cmpint (json_object_array_length (cells), ==, N);
            for (int t = 0; t < N; t++)
              {
                json_object *c = json_object_array_get_idx (cells, t);
                const SyTraceLayer *tl = &trace->layers[l];
                int k = json_object_get_int (sy_test_json_get (c, "k"));
                json_object *imp = sy_test_json_get (c, "importance"), *cx = sy_test_json_get (c, "complexity"), *d = sy_test_json_get (c, "depth");

                g_assert_cmpint (k, ==, tl->k[t]);
                g_assert_cmpint (json_object_array_length (sy_test_json_get (c, "experts")), ==, k);
                g_assert_cmpint (json_object_array_length (sy_test_json_get (c, "weights")), ==, k);
                g_assert_cmpint (json_object_array_length (sy_test_json_get (c, "probs")), ==, E);
                g_assert_cmpint (json_object_get_int (json_object_array_get_idx (sy_test_json_get (c, "experts"), 0)),
                                 ==, tl->experts[t * E]);
                g_assert_cmpfloat ((float) json_object_get_double (sy_test_json_get (c, "cum")), ==, tl->cum[t]);
                g_assert_cmpfloat ((float) json_object_get_double (sy_test_json_get (c, "entropy")), ==, tl->entropy[t]);
                /* fields a policy does not compute are null */
                g_assert_true ((imp == NULL) == (r != 1));
                g_assert_true ((cx == NULL) == (r != 2));
                g_assert_true ((d == NULL) == (r != 2));
                if (d)
                  g_assert_cmpstr (json_object_get_string (d), ==,
                                   tl->depth[t] == SY_DEPTH_DEEP ? "deep" : "shallow");
                if (r == 1 && t == 0)
                  g_assert_true (json_object_get_boolean (sy_test_json_get (c, "sink")));
              }
          }

        metrics = sy_test_json_get (root, "metrics");
        g_assert_cmpint (json_object_array_length (sy_test_json_get (metrics, "nll")), ==, N - 1);
        g_assert_cmpfloat (json_object_get_double (sy_test_json_get (metrics, "perplexity")), ==, trace->perplexity);
        g_assert_cmpfloat (json_object_get_double (sy_test_json_get (metrics, "avg_k")), ==, trace->avg_k);
        g_assert_cmpfloat (json_object_get_double (sy_test_json_get (metrics, "activated_params")), ==, 123456);
        g_assert_cmpfloat (json_object_get_double (sy_test_json_get (metrics, "flops")), ==, 2.5e6);
        json_object_put (root);

        back = sy_trace_from_json (text, -1, &error);
        g_assert_no_error (error);
        g_assert_nonnull (back);
        check_same (trace, back);
      }
}

static void
test_json_nan_metrics (void)
{
  g_autoptr (SyTrace) trace = sy_trace_new (1, 2, 1, 1);
  g_autofree char *text = NULL;
  g_autoptr (SyTrace) back = NULL;
  json_object *root;

  text = sy_trace_to_json (trace, FALSE);
  root = json_tokener_parse (text);
  g_assert_nonnull (root);
  g_assert_null (sy_test_json_get (sy_test_json_get (root, "metrics"), "perplexity"));
  g_assert_null (sy_test_json_get (root, "model"));
  g_assert_cmpint (json_object_array_length (sy_test_json_get (sy_test_json_get (root, "metrics"), "nll")), ==, 0);
  json_object_put (root);
  back = sy_trace_from_json (text, -1, NULL);
  g_assert_nonnull (back);
  g_assert_true (isnan (back->perplexity));
}

static void
test_json_errors (void)
{
  const struct { const char *json; const char *message; } cases[] = {
    { "{", "trace JSON" },
    { "[]", "not an object" },
    { "{\"tokens\":[]}", "missing \"layers\"" },
    { "{\"tokens\":[], \"layers\":[], \"metrics\":{}, \"n_experts\":0}", "\"n_experts\" = 0" },
    { "{\"tokens\":[{\"id\":1}], \"layers\":[{\"layer\":0,\"moe\":0,\"budget\":2,\"tokens\":[{\"k\":3}]}],"
      " \"metrics\":{}, \"n_experts\":2}", "\"k\" = 3 is outside 0..2" },
    { "{\"tokens\":[{\"id\":1}], \"layers\":[{\"layer\":0,\"moe\":0,\"budget\":2,\"tokens\":[{\"k\":1,"
      "\"experts\":[5],\"weights\":[1],\"probs\":[0.5,0.5]}]}], \"metrics\":{}, \"n_experts\":2}",
      "\"experts\"[0] is not an expert index" },
    { "{\"tokens\":[{\"id\":1}], \"layers\":[{\"layer\":0,\"moe\":0,\"budget\":2,\"tokens\":[{\"k\":1,"
      "\"experts\":[1],\"weights\":[1],\"probs\":[0.5]}]}], \"metrics\":{}, \"n_experts\":2}",
      "\"probs\" has 1 entries, expected 2" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyTrace) t = sy_trace_from_json (cases[i].json, -1, &error);

      g_assert_null (t);
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: '%s' lacks '%s'", i, error->message, cases[i].message);
    }
}

static void
test_csv (void)
{
  g_autoptr (SyTrace) trace = make_trace ("adr:theta=0.6");
  g_autofree char *csv = sy_trace_to_csv (trace, TRUE);
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  int fd;

  /* header + N * L rows + trailing empty */
  g_assert_cmpint (g_strv_length (lines), ==, 1 + N * L + 1);
  g_assert_true (g_str_has_prefix (lines[0], "layer,moe,token,id,text,k,budget,experts,weights,cum"));
  g_assert_true (g_str_has_suffix (lines[0], ",p0,p1,p2,p3"));
  g_assert_true (g_str_has_prefix (lines[1], "1,0,0,100,\"The\","));
  g_assert_nonnull (strstr (lines[2], "\" \"\"quoted\"\"\""));
  g_assert_nonnull (strstr (lines[1], trace->layers[0].depth[0] == SY_DEPTH_DEEP ? ",deep," : ",shallow,"));

  fd = g_file_open_tmp ("sy-trace-XXXXXX.csv", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (sy_trace_write_csv (trace, path, TRUE, &error));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, csv);
  g_unlink (path);
  g_assert_false (sy_trace_write_csv (trace, "/nonexistent-dir/x.csv", FALSE, &error));
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_IO, "/nonexistent-dir/x.csv");
}

static const SyTestCase tests[] = {
  { "/trace-json/fields", test_json_fields },
  { "/trace-json/nan-metrics", test_json_nan_metrics },
  { "/trace-json/errors", test_json_errors },
  { "/trace-json/csv", test_csv },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
