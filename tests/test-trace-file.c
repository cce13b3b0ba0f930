/* test-trace-file.c: trace files (docs/trace-format.md)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A trace saved from a live run of every fixture model and read back holds
 * the same run; every π-only policy re-applied to it gives the live run's
 * K and expert sets on MoE layer 0 and, on every layer, the sets the
 * policy's rule (routing.md, written again here) gives on the recorded π.
 * Bad files are errors naming the problem.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-trace-file.h"
#include "sy-test-model.h"
#include "sy-test-trace.h"
#include "sy-test-util.h"

static const char *const archs[] = {
  "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", "deepseek_v3", "gpt_oss", NULL
};

static const char *const policies[] = {
  "native", "topk:k=2", "topk:k=1", "topp:p=0.5", "topp:p=0.7,kmax=3", "topp:p=0.3,kmin=2",
  "minp:t=0.5", "minp:t=0.2,kmax=3", "quantile:q=0.8", "quantile:q=0.95", "adr",
  "adr:theta=0.9", "topp:p=0.6,schedule=descending", "topk:schedule=ascending,khi=3",
  "minp:t=0.3,schedule=pyramid,khi=3", NULL
};

#define TEXT "The service is pretty good, and the food was great."

/* the sorted set of the first k experts of row t */
static void
row_set (const SyTraceLayer *tl,
         int                 E,
         int                 t,
         int                *out)
{
  int k = tl->k[t];

  memcpy (out, tl->experts + (gsize) t * E, sizeof (int) * k);
  for (int i = 1; i < k; i++)
    for (int j = i; j > 0 && out[j - 1] > out[j]; j--)
      {
        int x = out[j];

        out[j] = out[j - 1];
        out[j - 1] = x;
      }
}

static void
assert_rows_equal (const SyTraceLayer *a,
                   const SyTraceLayer *b,
                   int                 E,
                   int                 T,
                   const char         *what)
{
  g_autofree int *sa = g_new (int, E);
  g_autofree int *sb = g_new (int, E);

  for (int t = 0; t < T; t++)
    {
      if (a->k[t] != b->k[t])
        g_error ("%s: token %d: K %d vs %d", what, t, a->k[t], b->k[t]);
      row_set (a, E, t, sa);
      row_set (b, E, t, sb);
      for (int j = 0; j < a->k[t]; j++)
        if (sa[j] != sb[j])
          g_error ("%s: token %d: expert sets differ at %d (%d vs %d)", what, t, j, sa[j], sb[j]);
    }
}

/* ---- the rules of routing.md, on one layer of recorded probabilities ---- */

typedef struct
{
  const SyTraceFile *tf;
  int                l;
  int                E;
  float             *key;    /* (E) ranking key */
  int               *order;  /* (E) experts by descending key */
} Ref;

static void
ref_rank (Ref     *r,
          int      t,
          gboolean grouped)
{
  const SyTraceLayer *tl = &r->tf->trace->layers[r->l];
  const SyRouterModelInfo *info = &r->tf->info;
  int E = r->E;

  for (int e = 0; e < E; e++)
    {
      /* traces of pi only rank by pi (no logits, no selection bias) */
      if (info->activation == SY_ROUTER_SIGMOID && r->tf->values == SY_TRACE_ROUTER_LOGITS)
        {
          float z = tl->logits[(gsize) t * E + e];

          r->key[e] = 1.0f / (1.0f + expf (-z)) +
                      (r->tf->bias ? r->tf->bias[(gsize) r->l * E + e] : 0.0f);
        }
      else
        r->key[e] = tl->probs[(gsize) t * E + e];
    }
  if (grouped && info->n_group > 1)
    {
      int G = info->n_group, size = E / G;
      float score[32];
      gboolean keep[32] = { 0, };

      for (int g = 0; g < G; g++)
        {
          float a = -INFINITY, b = -INFINITY;

          for (int j = 0; j < size; j++)
            {
              float v = r->key[g * size + j];

              if (v > a)
                {
                  b = a;
                  a = v;
                }
              else if (v > b)
                b = v;
            }
          score[g] = size >= 2 ? a + b : a;
        }
      for (int n = 0; n < info->topk_group; n++)
        {
          int best = -1;

          for (int g = 0; g < G; g++)
            if (!keep[g] && (best < 0 || score[g] > score[best]))
              best = g;
          keep[best] = TRUE;
        }
      for (int e = 0; e < E; e++)
        if (!keep[e / size])
          r->key[e] = 0.0f;
    }
  for (int e = 0; e < E; e++)
    r->order[e] = e;
  for (int i = 1; i < E; i++)
    for (int j = i; j > 0; j--)
      {
        int a = r->order[j - 1], b = r->order[j];

        if (r->key[b] > r->key[a])
          {
            r->order[j - 1] = b;
            r->order[j] = a;
          }
        else
          break;
      }
}

/* K of token t under @spec by the rules of routing.md */
static int
ref_k (Ref                *r,
       const SyRouterSpec *spec,
       int                 t,
       int                 budget,
       float               tau)
{
  const SyTraceLayer *tl = &r->tf->trace->layers[r->l];
  const float *p = tl->probs + (gsize) t * r->E;
  int E = r->E, nk = r->tf->info.native_k, K = nk;
  int kmin = spec->kmin > 0 ? spec->kmin : 1, kmax = spec->kmax > 0 ? spec->kmax : E;

  switch (spec->policy)
    {
    case SY_POLICY_NATIVE:
      K = nk;
      break;
    case SY_POLICY_TOPK:
      K = spec->schedule != SY_SCHEDULE_NONE ? budget : spec->k;
      break;
    case SY_POLICY_TOPP:
      {
        float c = 0;

        K = E;
        for (int j = 0; j < E; j++)
          {
            c += p[r->order[j]];
            if (c > (float) spec->p)
              {
                K = j + 1;
                break;
              }
          }
        K = CLAMP (K, kmin, kmax);
      }
      break;
    case SY_POLICY_MINP:
      {
        float top = 0;

        for (int e = 0; e < E; e++)
          top = MAX (top, p[e]);
        K = 0;
        for (int e = 0; e < E; e++)
          K += (double) p[e] >= spec->t * (double) top;
        K = CLAMP (K, kmin, kmax);
      }
      break;
    case SY_POLICY_QUANTILE:
      K = 0;
      for (int e = 0; e < E; e++)
        K += p[e] >= tau;
      K = MAX (K, 1);
      break;
    case SY_POLICY_ADR:
      {
        double h = 0, c;
        double theta = isnan (spec->theta) ? 0.5 : spec->theta;

        for (int e = 0; e < E; e++)
          if (p[e] > 0)
            h -= p[e] * log (p[e]);
        c = CLAMP (h / log (E), 0.0, 1.0);
        K = c >= theta ? nk : 1;
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return MIN (K, budget);
}

static int
cmp_float (const void *a,
           const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return (x > y) - (x < y);
}

static void
check_reference (const SyTraceFile  *tf,
                 const SyRouterSpec *spec,
                 const SyTrace      *applied,
                 const char         *what)
{
  int E = tf->trace->n_experts, T = tf->trace->n_tokens;
  g_autofree float *key = g_new (float, E);
  g_autofree int *order = g_new (int, E);
  g_autofree int *got = g_new (int, E);
  g_autofree int *want = g_new (int, E);
  g_autofree float *pool = g_new (float, (gsize) T * E);

  for (int l = 0; l < tf->trace->n_moe_layers; l++)
    {
      Ref r = { tf, l, E, key, order };
      const SyTraceLayer *tl = &tf->trace->layers[l];
      int budget = sy_router_layer_budget (spec, &tf->info, l);
      gboolean grouped = spec->policy == SY_POLICY_NATIVE || spec->policy == SY_POLICY_TOPK;
      float tau = 0;

      if (spec->policy == SY_POLICY_QUANTILE)
        {
          gsize N = (gsize) T * E;

          memcpy (pool, tl->probs, sizeof (float) * N);
          qsort (pool, N, sizeof (float), cmp_float);
          tau = pool[(gsize) floor (spec->q * (double) (N - 1))];
        }
      for (int t = 0; t < T; t++)
        {
          int K;

          ref_rank (&r, t, grouped);
          K = ref_k (&r, spec, t, budget, tau);
          if (applied->layers[l].k[t] != K)
            g_error ("%s: layer %d token %d: K %d, the rule gives %d", what, l, t,
                     applied->layers[l].k[t], K);
          memcpy (want, order, sizeof (int) * K);
          for (int i = 1; i < K; i++)
            for (int j = i; j > 0 && want[j - 1] > want[j]; j--)
              {
                int x = want[j];

                want[j] = want[j - 1];
                want[j - 1] = x;
              }
          row_set (&applied->layers[l], E, t, got);
          for (int j = 0; j < K; j++)
            if (got[j] != want[j])
              g_error ("%s: layer %d token %d: expert %d, the rule gives %d", what, l, t, got[j],
                       want[j]);
        }
    }
}

/* @back, read back from the trace file of @native (a run of @model on
 * TEXT), holds that run exactly. */
static void
assert_recorded (const SyTraceFile *back,
                 const SyTrace     *native,
                 SyModel           *model)
{
  const SyModelInfo *info = sy_model_get_info (model);
  int E = native->n_experts, T = native->n_tokens, L = native->n_moe_layers;

  sy_test_assert_same_routing (native, back->trace);
  g_assert_cmpint (back->trace->n_layers, ==, native->n_layers);
  g_assert_cmpstr (back->text, ==, TEXT);
  g_assert_cmpstr (back->model_type, ==, info->model_type);
  g_assert_cmpint (back->info.activation, ==, sy_model_get_router_info (model)->activation);
  g_assert_true (back->has_nll);
  g_assert_cmpfloat_with_epsilon (back->trace->perplexity, native->perplexity,
                                  1e-4 * native->perplexity);
  for (int t = 0; t < T; t++)
    g_assert_cmpstr (back->trace->token_text[t], ==, native->token_text[t]);
  for (int l = 0; l < L; l++)
    {
      const SyTraceLayer *x = &native->layers[l], *y = &back->trace->layers[l];

      g_assert_cmpint (x->layer, ==, y->layer);
      g_assert_cmpint (memcmp (x->logits, y->logits, sizeof (float) * T * E), ==, 0);
      g_assert_cmpfloat (sy_test_max_abs_diff (x->probs, y->probs, (gsize) T * E), <=, 1e-6);
      for (int t = 0; t < T; t++)
        g_assert_cmpfloat_with_epsilon (x->entropy[t], y->entropy[t], 1e-5);
    }
}

/* Every π-only policy re-applied to @back (the recorded @native) gives
 * what @session runs live on MoE layer 0, and the policy's rule on every
 * layer. */
static void
check_policies (SySession         *session,
                const SyTraceFile *back,
                const SyTrace     *native,
                const char        *arch)
{
  int E = native->n_experts, T = native->n_tokens;

  for (int p = 0; policies[p]; p++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (policies[p], &error);
      g_autoptr (SyTrace) live = NULL;
      g_autoptr (SyTrace) applied = NULL;
      g_autofree char *what = g_strdup_printf ("%s %s", arch, policies[p]);

      g_assert_no_error (error);
      if (spec->kmax > E || spec->k > E)
        continue;
      g_assert_true (sy_session_set_router (session, spec, &error));
      g_assert_no_error (error);
      live = sy_session_run_text (session, TEXT, NULL, NULL, &error);
      g_assert_no_error (error);
      applied = sy_trace_file_apply (back, spec, &error);
      g_assert_no_error (error);
      g_assert_true (isnan (applied->perplexity));
      g_assert_cmpint (applied->layers[0].budget, ==, live->layers[0].budget);
      assert_rows_equal (&live->layers[0], &applied->layers[0], E, T, what);
      check_reference (back, spec, applied, what);
    }
}

/* @tf (the recorded @native, @json in float32) in float16 and top-N:
 * readable, close, smaller. */
static void
check_compact (const SyTraceFile *tf,
               const SyTrace     *native,
               const char        *json,
               const char        *arch)
{
  int E = native->n_experts, T = native->n_tokens, L = native->n_moe_layers;
  SyTraceFileWriteOptions f16 = { SY_TRACE_DTYPE_F16, 0 };
  SyTraceFileWriteOptions top = { SY_TRACE_DTYPE_F16, MIN (4, E - 1) };
  g_autoptr (GError) error = NULL;
  g_autofree char *json16 = sy_trace_file_to_json (tf, &f16);
  g_autoptr (SyTraceFile) back16 = sy_trace_file_parse (json16, -1, "t16.json", &error);
  g_autofree char *jsontop = NULL;
  g_autoptr (SyTraceFile) backtop = NULL;

  g_assert_no_error (error);
  jsontop = sy_trace_file_to_json (tf, &top);
  backtop = sy_trace_file_parse (jsontop, -1, "ttop.json", &error);
  g_assert_no_error (error);
  g_assert_cmpint (backtop->values, ==, SY_TRACE_ROUTER_TOP);
  g_assert_cmpuint (strlen (json16), <, strlen (json));
  for (int l = 0; l < L; l++)
    {
      g_assert_cmpfloat (sy_test_max_abs_diff (native->layers[l].probs,
                                               back16->trace->layers[l].probs,
                                               (gsize) T * E), <=, 2e-3);
      for (int t = 0; t < T; t++)
        g_assert_cmpint (backtop->trace->layers[l].k[t], ==, native->layers[l].k[t]);
    }
  {
    g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("topp:p=0.5", NULL);
    g_autoptr (SyTrace) applied = sy_trace_file_apply (backtop, spec, &error);

    g_assert_no_error (error);
    check_reference (backtop, spec, applied, "top-N");
  }
  g_test_message ("%s: %zu bytes f32, %zu f16, %zu top-%d", arch, strlen (json),
                  strlen (json16), strlen (jsontop), top.top_n);
}

static void
test_live_models (void)
{
  for (int a = 0; archs[a]; a++)
    {
      g_autoptr (SyModel) model = sy_test_load_model (archs[a]);
      g_autoptr (SySession) session = sy_session_new (model);
      g_autoptr (SyTrace) native = NULL;
      g_autoptr (SyTraceFile) tf = sy_test_record_run (session, TEXT, TEXT, &native);
      g_autofree char *json = sy_trace_file_to_json (tf, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (SyTraceFile) back = sy_trace_file_parse (json, -1, "t.json", &error);

      g_assert_no_error (error);
      assert_recorded (back, native, model);
      check_policies (session, back, native, archs[a]);
      check_compact (tf, native, json, archs[a]);
    }
}

/* ---- bad files ---- */

static const char good[] =
  "{\"format\": \"switchyard-trace\", \"version\": 1, \"source\": \"test\","
  " \"model\": {\"name\": \"m\", \"n_layers\": 2, \"n_experts\": 4, \"native_k\": 2,"
  " \"vocab_size\": 10, \"moe_layers\": [0, 1]},"
  " \"tokens\": {\"ids\": [1, 2, 3]},"
  " \"values\": \"probs\", \"dtype\": \"f32\", \"weights\": false,"
  " \"layers\": ["
  "  {\"layer\": 0, \"k\": [2, 2, 1], \"experts\": [0, 1, 2, 3, 1], \"router\": \"@P0@\"},"
  "  {\"layer\": 1, \"k\": [1, 1, 1], \"experts\": [3, 2, 1], \"router\": \"@P1@\"}]}";

static char *
b64_floats (const float *v,
            int          n)
{
  return g_base64_encode ((const guchar *) v, sizeof (float) * n);
}

static char *
make_file (const char *edit_from,
           const char *edit_to,
           gboolean    nan)
{
  float p0[12] = { .5f, .3f, .1f, .1f, .1f, .2f, .3f, .4f, .25f, .25f, .25f, .25f };
  float p1[12] = { .1f, .1f, .1f, .7f, .1f, .1f, .7f, .1f, .1f, .7f, .1f, .1f };
  g_autofree char *b0 = NULL;
  g_autofree char *b1 = NULL;
  g_autoptr (GString) s = g_string_new (good);

  if (nan)
    p1[5] = NAN;
  b0 = b64_floats (p0, 12);
  b1 = b64_floats (p1, 12);
  g_string_replace (s, "@P0@", b0, 0);
  g_string_replace (s, "@P1@", b1, 0);
  if (edit_from)
    g_assert_cmpuint (g_string_replace (s, edit_from, edit_to, 1), ==, 1);
  return g_strdup (s->str);
}

static void
test_good (void)
{
  g_autofree char *json = make_file (NULL, NULL, FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) tf = sy_trace_file_parse (json, -1, "good.json", &error);
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("topp:p=0.65", NULL);
  g_autoptr (SyTrace) tr = NULL;

  g_assert_no_error (error);
  g_assert_false (tf->has_weights);
  g_assert_false (tf->has_nll);
  g_assert_cmpfloat_with_epsilon (tf->trace->layers[0].weights[0], 0.5, 1e-6);
  g_assert_cmpint (tf->trace->layers[1].experts[4 * 1], ==, 2);
  tr = sy_trace_file_apply (tf, spec, &error);
  g_assert_no_error (error);
  /* token 0, layer 0: .5 + .3 > .65 -> {0, 1}; token 2: .25 x 3 > .65 -> 3 */
  g_assert_cmpint (tr->layers[0].k[0], ==, 2);
  g_assert_cmpint (tr->layers[0].k[2], ==, 3);
  g_assert_cmpint (tr->layers[1].k[0], ==, 1);
  g_assert_cmpint (tr->layers[1].experts[0], ==, 3);
}

/* A broken trace file: make_file (from, to, nan), cut in half when @cut;
 * its parse error must hold @needle on one line and name the file */
typedef struct
{
  const char *from;
  const char *to;
  gboolean    nan;
  gboolean    cut;
  const char *needle;
} BadTrace;

static const BadTrace bad_traces[] = {
  { "\"k\": [2, 2, 1]", "\"k\": [2, 2]", FALSE, FALSE, "layers[0].k has 2 entries, expected 3" },
  { "\"experts\": [3, 2, 1]", "\"experts\": [3, 2]", FALSE, FALSE,
    "layers[1].experts has 2 entries, expected 3" },
  { NULL, NULL, TRUE, FALSE, "value 5 is NaN" },
  { "\"ids\": [1, 2, 3]", "\"ids\": [1, 2, 10]", FALSE, FALSE,
    "token id 10 (tokens.ids[2]) is outside the vocabulary of 10 ids" },
  { "\"moe_layers\": [0, 1]", "\"moe_layers\": [0]", FALSE, FALSE,
    "2 layers, but the header's model.moe_layers lists 1" },
  { "\"experts\": [3, 2, 1]", "\"experts\": [3, 2, 4]", FALSE, FALSE,
    "layers[1].experts[2] = 4 is outside 0..3" },
  { NULL, NULL, FALSE, TRUE, "unexpected end of file" },
  { "\"switchyard-trace\"", "\"switchyard-session\"", FALSE, FALSE, "not a Switchyard trace" },
  { "\"version\": 1", "\"version\": 2", FALSE, FALSE, "version 2" },
  { "\"dtype\": \"f32\"", "\"dtype\": \"f16\"", FALSE, FALSE,
    "layers[0].router holds 24 values, expected 12" },
  { "\"values\": \"probs\"", "\"values\": \"bits\"", FALSE, FALSE, "'values' is \"bits\"" },
};

static void
test_bad (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_traces); i++)
    {
      const BadTrace *c = &bad_traces[i];
      g_autofree char *json = make_file (c->from, c->to, c->nan);
      g_autoptr (GError) error = NULL;
      g_autoptr (SyTraceFile) tf = NULL;

      if (c->cut)
        json[strlen (json) / 2] = '\0';
      tf = sy_trace_file_parse (json, -1, "bad.json", &error);
      g_assert_null (tf);
      g_assert_nonnull (error);
      if (strstr (error->message, c->needle) == NULL || strchr (error->message, '\n') != NULL)
        g_error ("expected '%s' in one line: %s", c->needle, error->message);
      g_assert_true (g_str_has_prefix (error->message, "bad.json") ||
                     strstr (error->message, "bad.json") != NULL);
    }
}

static void
test_id_only (void)
{
  g_autofree char *json = make_file ("\"values\": \"probs\"", "\"values\": \"none\"", FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) tf = sy_trace_file_parse (json, -1, "ids.json", &error);
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("topk:k=1", NULL);
  g_autoptr (SyTrace) tr = NULL;
  g_autofree char *limits = NULL;

  g_assert_no_error (error);
  g_assert_false (sy_trace_file_has_router (tf));
  g_assert_true (isnan (tf->trace->layers[0].entropy[0]));
  tr = sy_trace_file_apply (tf, spec, &error);
  g_assert_null (tr);
  sy_test_assert_engine_error (&error, SY_ENGINE_ERROR_UNSUPPORTED, "holds expert ids only");
  tr = sy_trace_file_apply (tf, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tr->layers[0].k[0], ==, 2);
  limits = sy_trace_file_describe_limits (tf, NULL);
  g_assert_nonnull (strstr (limits, "expert ids only"));
  /* da needs the recorded attention */
  g_clear_pointer (&tr, sy_trace_free);
  {
    g_autofree char *j2 = make_file (NULL, NULL, FALSE);
    g_autoptr (SyTraceFile) t2 = sy_trace_file_parse (j2, -1, "p.json", &error);
    g_autoptr (SyRouterSpec) da = sy_router_spec_parse ("da", NULL);

    g_assert_no_error (error);
    tr = sy_trace_file_apply (t2, da, &error);
    g_assert_null (tr);
    g_assert_nonnull (strstr (error->message, "attention"));
  }
}

static const SyTestCase tests[] = {
  { "/trace-file/live-models", test_live_models },
  { "/trace-file/good", test_good },
  { "/trace-file/bad", test_bad },
  { "/trace-file/id-only", test_id_only },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
