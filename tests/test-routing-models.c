/* test-routing-models.c: routing policies on the fixture models
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For every fixture model the engine supports: `native` chooses the
 * reference experts, `topk:k=<native k>` equals `native` exactly, the
 * output changes when and only when the chosen experts (or their weights)
 * change, Top-P matches its rule on the probabilities in the trace, and
 * calibration reaches its target.  On Qwen2-MoE, `adr` with
 * shallow=shared runs only the shared expert.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "sy-calibrate.h"
#include "sy-metrics.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-tensor-store.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static const char *const archs[] = {
  "mixtral", "olmoe", "qwen2_moe", "qwen3_moe", "granitemoe", "deepseek_v3", "gpt_oss", NULL
};

typedef struct
{
  SyModel   *model;
  SySession *session;
  int32_t   *ids;
  int        n;
  float     *ref_router;   /* (L, n, E) reference router logits of case 0 */
} Fixture;

/* The fixture model @arch, a session on it and its reference case 0; no
 * model (the test skipped) when the engine does not support the
 * architecture yet */
static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  const char *arch = data;
  g_autofree char *dir = sy_test_model_path (arch, "");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTensorStore) ref = NULL;
  json_object *root, *cases, *cs, *v;
  const SyModelInfo *info;
  const char *key;

  memset (fx, 0, sizeof *fx);
  fx->model = sy_model_load (dir, NULL, NULL, &error);
  if (fx->model == NULL && g_error_matches (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH))
    {
      g_autofree char *msg = g_strdup_printf ("%s: %s", arch, error->message);

      g_test_skip (msg);
      return;
    }
  g_assert_no_error (error);
  info = sy_model_get_info (fx->model);
  fx->session = sy_session_new (fx->model);

  root = sy_test_ref_cases (arch, &cases, &ref);
  cs = json_object_array_get_idx (cases, 0);
  g_assert_true (json_object_object_get_ex (cs, "key", &v));
  key = json_object_get_string (v);
  g_assert_true (json_object_object_get_ex (cs, "input_ids", &v));
  fx->ids = sy_test_json_ids (v, 0, &fx->n);

  fx->ref_router = g_new (float, (gsize) info->n_moe_layers * fx->n * info->n_experts);
  for (int l = 0; l < info->n_moe_layers; l++)
    {
      g_autofree char *name = g_strdup_printf ("%s.router_logits.%d", key, l);
      g_autofree float *r = sy_test_ref_tensor (ref, name, fx->n, info->n_experts);

      memcpy (fx->ref_router + (gsize) l * fx->n * info->n_experts, r,
              sizeof (float) * fx->n * info->n_experts);
    }
  json_object_put (root);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  arch)
{
  g_clear_pointer (&fx->session, sy_session_free);
  g_clear_pointer (&fx->model, sy_model_unref);
  g_clear_pointer (&fx->ids, g_free);
  g_clear_pointer (&fx->ref_router, g_free);
}

/* Runs @text on the fixture; *logits gets a copy of the (n, V) logits. */
static SyTrace *
run (Fixture     *fx,
     const char  *text,
     float      **logits)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (text, &error);
  SyTrace *trace;
  const float *l;
  int T, V;

  g_assert_no_error (error);
  g_assert_true (sy_session_set_router (fx->session, spec, &error));
  g_assert_no_error (error);
  sy_session_reset (fx->session);
  trace = sy_session_run (fx->session, fx->ids, fx->n, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (trace);
  l = sy_session_get_logits (fx->session, &T, &V);
  g_assert_cmpint (T, ==, fx->n);
  if (logits)
    *logits = g_memdup2 (l, sizeof (float) * T * V);
  return trace;
}

/* Do cells (moe, t) choose the same experts with the same weights? */
static gboolean
same_cell (const SyTrace *a,
           const SyTrace *b,
           int            moe,
           int            t)
{
  const SyTraceLayer *la = &a->layers[moe], *lb = &b->layers[moe];
  int E = a->n_experts;

  if (la->k[t] != lb->k[t])
    return FALSE;
  return memcmp (la->experts + t * E, lb->experts + t * E, sizeof (int) * la->k[t]) == 0 &&
         memcmp (la->weights + t * E, lb->weights + t * E, sizeof (float) * la->k[t]) == 0;
}

static int
cmp_int (gconstpointer a,
         gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

static void
test_native_topk (Fixture       *fx,
                 gconstpointer  arch)
{
  const SyModelInfo *info;
  const SyRouterModelInfo *rinfo;
  g_autoptr (SyTrace) native = NULL;
  g_autoptr (SyTrace) topk = NULL;
  g_autofree float *ln = NULL;
  g_autofree float *lk = NULL;
  g_autofree char *spec = NULL;
  int E, V;

  if (fx->model == NULL)
    return;
  info = sy_model_get_info (fx->model);
  rinfo = sy_model_get_router_info (fx->model);
  E = info->n_experts;
  V = info->vocab_size;

  native = run (fx, "native", &ln);
  spec = g_strdup_printf ("topk:k=%d", info->native_k);
  topk = run (fx, spec, &lk);

  /* native chooses the reference's experts (top-k of the reference router
   * logits; group-limited routers are checked by the engine's test) */
  if (rinfo->n_group <= 1 && rinfo->activation == SY_ROUTER_SOFTMAX)
    for (int l = 0; l < info->n_moe_layers; l++)
      for (int t = 0; t < fx->n; t++)
        {
          const float *z = fx->ref_router + ((gsize) l * fx->n + t) * E;
          int got[256];

          g_assert_cmpint (native->layers[l].k[t], ==, info->native_k);
          memcpy (got, native->layers[l].experts + t * E, sizeof (int) * info->native_k);
          qsort (got, info->native_k, sizeof (int), cmp_int);
          /* every chosen expert beats every expert left out */
          for (int e = 0; e < E; e++)
            {
              gboolean chosen = bsearch (&e, got, info->native_k, sizeof (int),
                                         (int (*) (const void *, const void *)) cmp_int) != NULL;

              if (!chosen)
                for (int j = 0; j < info->native_k; j++)
                  g_assert_cmpfloat (z[got[j]] + 1e-4f, >=, z[e]);
            }
        }

  /* topk:k=<native k> == native, exactly */
  g_assert_cmpmem (ln, sizeof (float) * fx->n * V, lk, sizeof (float) * fx->n * V);
  for (int l = 0; l < info->n_moe_layers; l++)
    for (int t = 0; t < fx->n; t++)
      g_assert_true (same_cell (native, topk, l, t));
  g_assert_cmpfloat (native->perplexity, ==, topk->perplexity);
  g_assert_cmpfloat (native->avg_k, ==, info->native_k);
  g_assert_true (native->causal);

}

/* The output changes when, and only when, the routing changes: logits of
 * position t are bitwise those of native while no cell at a position <= t
 * differs, and differ at the first position where one does. */
static void
test_output_changes (Fixture       *fx,
                    gconstpointer  data)
{
  const char *arch = data;
  const char *specs[] = {
    "topk:k=native", "topk:k=native,weights=raw", "topk:k=native,weights=renorm", "topk:k=1",
    "topp:p=0.3", "topp:p=0.999", "minp:t=0.5", "adr:theta=0.9", "topk:schedule=descending",
    "ser:kmin=1,t=0.5",
  };
  const SyModelInfo *info;
  g_autoptr (SyTrace) native = NULL;
  g_autofree float *ln = NULL;
  int V, n_same = 0, n_diff = 0;

  if (fx->model == NULL)
    return;
  info = sy_model_get_info (fx->model);
  V = info->vocab_size;
  native = run (fx, "native", &ln);

  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    {
      g_autofree float *lx = NULL;
      g_autoptr (SyTrace) x = run (fx, specs[s], &lx);
      int first = fx->n;

      for (int t = 0; t < fx->n && first == fx->n; t++)
        for (int l = 0; l < info->n_moe_layers; l++)
          if (!same_cell (native, x, l, t))
            {
              first = t;
              break;
            }
      for (int t = 0; t < fx->n; t++)
        {
          gboolean same = memcmp (ln + (gsize) t * V, lx + (gsize) t * V, sizeof (float) * V) == 0;

          if (t < first && !same)
            g_error ("%s %s: logits of token %d changed but no routing up to it did",
                     arch, specs[s], t);
          if (t == first && same)
            g_error ("%s %s: routing of token %d changed but its logits did not",
                     arch, specs[s], t);
        }
      if (first == fx->n)
        n_same++;
      else
        n_diff++;
    }
  /* both sides of the equivalence were exercised */
  g_assert_cmpint (n_same, >=, 1);
  g_assert_cmpint (n_diff, >=, 1);
}

/* Top-P on a real model, checked against the trace's probabilities. */
static void
test_topp_model (Fixture       *fx,
                gconstpointer  arch)
{
  const SyModelInfo *info;
  const SyRouterModelInfo *rinfo;
  double ps[] = { 0.2, 0.5, 0.8, 1.0 };
  int E;

  if (fx->model == NULL)
    return;
  info = sy_model_get_info (fx->model);
  rinfo = sy_model_get_router_info (fx->model);
  E = info->n_experts;
  for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
    {
      g_autofree char *spec = g_strdup_printf ("topp:p=%g,weights=raw", ps[i]);
      g_autoptr (SyTrace) trace = run (fx, spec, NULL);

      for (int l = 0; l < info->n_moe_layers; l++)
        for (int t = 0; t < fx->n; t++)
          {
            const SyTraceLayer *tl = &trace->layers[l];
            const float *pr = tl->probs + t * E;
            float c = 0;
            int K = E;

            if (rinfo->activation != SY_ROUTER_SOFTMAX)
              continue;
            /* raw weights: experts are in pi order; the prefix of K - 1
             * does not exceed p, the whole prefix does */
            for (int j = 0; j < tl->k[t]; j++)
              {
                g_assert_cmpfloat (c, <=, (float) ps[i]);
                c += pr[tl->experts[t * E + j]];
              }
            /* every chosen expert is at least as probable as any left out */
            for (int e = 0; e < E; e++)
              {
                gboolean chosen = FALSE;

                for (int j = 0; j < tl->k[t]; j++)
                  chosen |= tl->experts[t * E + j] == e;
                if (!chosen)
                  g_assert_cmpfloat (pr[e], <=, pr[tl->experts[t * E + tl->k[t] - 1]]);
              }
            /* the chosen prefix exceeds p (unless all experts are in) */
            if (tl->k[t] < E)
              g_assert_cmpfloat (c, >, (float) ps[i]);
            if (ps[i] >= 1)
              g_assert_cmpint (tl->k[t], ==, K);
            for (int j = 0; j < tl->k[t]; j++)
              g_assert_cmpfloat (tl->weights[t * E + j], ==, pr[tl->experts[t * E + j]]);
          }
    }
}

static void
test_calibrate (Fixture       *fx,
               gconstpointer  arch)
{
  const char *specs[] = { "topp:p=0.5", "minp:t=0.5", "quantile" };
  const SyModelInfo *info;

  if (fx->model == NULL)
    return;
  info = sy_model_get_info (fx->model);
  for (guint s = 0; s < G_N_ELEMENTS (specs); s++)
    for (double target = 2.0; target <= 6.0; target += 2.0)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (SyRouterSpec) base = sy_router_spec_parse (specs[s], NULL);
        g_autoptr (SyCalibration) cal = sy_calibrate (fx->session, base, fx->ids, fx->n, target,
                                                      NULL, NULL, &error);
        g_autofree char *text = NULL;
        g_autoptr (SyTrace) again = NULL;

        g_assert_no_error (error);
        g_assert_nonnull (cal);
        g_test_message ("olmoe %s target %.1f: value %g avg K %.3f in %d runs",
                        specs[s], target, cal->value, cal->avg_k, cal->n_runs);
        /* one token-layer cell is 1 / (n L) of average K */
        g_assert_cmpfloat (fabs (cal->avg_k - target), <, 0.35);
        g_assert_cmpfloat (cal->value, >=, 0);
        g_assert_cmpfloat (cal->value, <=, 1);
        g_assert_cmpfloat (cal->trace->avg_k, ==, cal->avg_k);
        /* its runs computed the LM head of the last position only, and
         * left the session's setting as it was */
        g_assert_true (isnan (cal->trace->perplexity));
        g_assert_false (sy_session_get_last_logits (fx->session));
        /* the spec reproduces the result */
        text = sy_router_spec_to_string (cal->spec);
        again = run (fx, text, NULL);
        g_assert_cmpfloat (again->avg_k, ==, cal->avg_k);
        g_assert_true (isfinite (again->perplexity));
        g_assert_cmpstr (again->router, ==, text);
      }
  /* ser (olmoe k = 4) reaches [kmin, k]: 2.5 in between, and never
   * above k; t = 0 is native cost */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (SyRouterSpec) base = sy_router_spec_parse ("ser:kmin=1,t=0.5", NULL);
    g_autoptr (SyCalibration) cal = sy_calibrate (fx->session, base, fx->ids, fx->n, 2.5,
                                                  NULL, NULL, &error);
    g_autoptr (SyCalibration) native = NULL;

    g_assert_no_error (error);
    g_test_message ("olmoe ser target 2.5: t %g avg K %.3f in %d runs", cal->value, cal->avg_k, cal->n_runs);
    g_assert_cmpfloat (fabs (cal->avg_k - 2.5), <, 0.35);
    g_assert_cmpint (cal->spec->policy, ==, SY_POLICY_SER);
    g_assert_cmpint (cal->spec->kmin, ==, 1);
    native = sy_calibrate (fx->session, base, fx->ids, fx->n, info->native_k, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (native->avg_k, ==, info->native_k);
    g_assert_null (sy_calibrate (fx->session, base, fx->ids, fx->n, info->native_k + 1, NULL, NULL, &error));
    g_assert_nonnull (strstr (error->message, "out of reach"));
  }
  /* targets out of reach and policies without a threshold are errors */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (SyRouterSpec) base = sy_router_spec_parse ("topp", NULL);
    g_autoptr (SyRouterSpec) topk = sy_router_spec_parse ("topk:k=2", NULL);

    g_assert_null (sy_calibrate (fx->session, base, fx->ids, fx->n, info->n_experts + 1, NULL, NULL, &error));
    g_assert_nonnull (strstr (error->message, "out of reach"));
    g_clear_error (&error);
    g_assert_null (sy_calibrate (fx->session, topk, fx->ids, fx->n, 2, NULL, NULL, &error));
    g_assert_nonnull (strstr (error->message, "not on topk"));
  }
}

static void
test_adr_shared (Fixture       *fx,
                gconstpointer  arch)
{
  const SyModelInfo *info;
  g_autoptr (SyTrace) native = NULL;
  g_autoptr (SyTrace) adr = NULL;
  g_autoptr (SyTrace) adr_top = NULL;
  g_autofree float *ln = NULL;
  g_autofree float *la = NULL;
  double routed;
  int V;

  if (fx->model == NULL)
    return;
  info = sy_model_get_info (fx->model);
  V = info->vocab_size;
  g_assert_cmpint (info->shared_ffn, >, 0);

  native = run (fx, "native", &ln);
  adr = run (fx, "adr:theta=1,shallow=shared", &la);
  for (int l = 0; l < info->n_moe_layers; l++)
    for (int t = 0; t < fx->n; t++)
      {
        const SyTraceLayer *tl = &adr->layers[l];

        g_assert_cmpfloat (tl->complexity[t], <, 1.0f);
        g_assert_cmpint (tl->depth[t], ==, SY_DEPTH_SHALLOW);
        g_assert_cmpint (tl->k[t], ==, 0);
      }
  g_assert_cmpfloat (adr->avg_k, ==, 0);
  for (gsize i = 0; i < (gsize) fx->n * V; i++)
    g_assert_true (isfinite (la[i]));
  g_assert_true (memcmp (ln, la, sizeof (float) * fx->n * V) != 0);
  /* exactly the routed experts' parameters are gone */
  routed = (double) info->native_k * 3 * info->hidden_size * info->expert_ffn * info->n_moe_layers;
  g_assert_cmpfloat_with_epsilon (native->activated_params - adr->activated_params, routed, 1e-6 * routed);

  /* shallow=top keeps one routed expert; theta=0 is all deep = native */
  adr_top = run (fx, "adr:theta=1", NULL);
  g_assert_cmpfloat (adr_top->avg_k, ==, 1);
  {
    g_autofree float *ld = NULL;
    g_autoptr (SyTrace) deep = run (fx, "adr:theta=0", &ld);

    g_assert_cmpfloat (deep->avg_k, ==, info->native_k);
    g_assert_cmpmem (ln, sizeof (float) * fx->n * V, ld, sizeof (float) * fx->n * V);
  }

  /* on a model without shared experts, shallow=shared is an error */
  {
    Fixture mixtral;

    fixture_setup (&mixtral, "mixtral");
    if (mixtral.model != NULL)
      {
        g_autoptr (GError) error = NULL;
        g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("adr:shallow=shared", NULL);

        g_assert_false (sy_session_set_router (mixtral.session, spec, &error));
        g_assert_nonnull (strstr (error->message, "shared experts"));
      }
    fixture_teardown (&mixtral, NULL);
  }
}

static void
test_da_model (Fixture       *fx,
              gconstpointer  arch)
{
  const SyModelInfo *info;
  g_autoptr (SyTrace) da = NULL;
  g_autoptr (SyTrace) q = NULL;

  if (fx->model == NULL)
    return;
  info = sy_model_get_info (fx->model);
  da = run (fx, "da", NULL);
  g_assert_false (da->causal);
  for (int l = 0; l < info->n_moe_layers; l++)
    {
      const SyTraceLayer *tl = &da->layers[l];
      float max = 0;

      g_assert_true (tl->flags[0] & SY_CELL_SINK);
      g_assert_cmpint (tl->k[0], ==, 1);
      for (int t = 0; t < fx->n; t++)
        {
          g_assert_cmpfloat (tl->importance[t], >=, 0);
          g_assert_cmpfloat (tl->importance[t], <=, 1);
          g_assert_cmpint (tl->k[t], >=, 1);
          g_assert_cmpint (tl->k[t], <=, MIN (info->n_experts, 2 * info->native_k));
          max = MAX (max, tl->importance[t]);
        }
      g_assert_cmpfloat (max, ==, 1.0f);
    }
  q = run (fx, "quantile:q=0.8", NULL);
  g_assert_false (q->causal);
  g_assert_cmpstr (q->router, ==, "quantile:q=0.8");
}

/* DeepSeek-V3 group-limited routing on the fixture's reference router
 * logits and its e_score_correction_bias, against an independent
 * implementation of the reference rule (sigmoid; s + b ranks; group score
 * = sum of a group's two best; the topk_group best groups stay, the
 * others' experts score 0; top-k; weights s / (sum s + 1e-20) x scale). */
static void
test_deepseek_groups (void)
{
  g_autofree char *ref_json = sy_test_model_path ("deepseek_v3", "reference.json");
  g_autofree char *ref_st = sy_test_model_path ("deepseek_v3", "reference.safetensors");
  g_autofree char *model_st = sy_test_model_path ("deepseek_v3", "model.safetensors");
  g_autoptr (SyTensorStore) ref = NULL;
  g_autoptr (SyTensorStore) weights = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) native = sy_router_spec_parse ("native", NULL);
  json_object *root, *cases, *cs, *v;
  const int E = 16, K = 4, G = 4, KG = 2, L = 2;
  float bias[2][16];
  const float *biases[2] = { bias[0], bias[1] };
  SyRouterModelInfo info = {
    .n_experts = E, .native_k = K, .n_moe_layers = L,
    .activation = SY_ROUTER_SIGMOID, .native_weights = SY_NATIVE_WEIGHTS_SIGMOID,
    .norm_topk_prob = TRUE, .routed_scaling_factor = 2.5f,
    .n_group = G, .topk_group = KG, .has_shared_experts = TRUE,
    .selection_bias = biases,
  };
  const char *key;
  int n, n_outside = 0;

  ref = sy_tensor_store_open (ref_st, &error);
  g_assert_no_error (error);
  weights = sy_tensor_store_open (model_st, &error);
  g_assert_no_error (error);
  for (int l = 0; l < L; l++)
    {
      g_autofree char *name = g_strdup_printf ("model.layers.%d.mlp.gate.e_score_correction_bias", l + 1);
      int64_t shape[1] = { E };
      const SyTensor *t = sy_tensor_store_get (weights, name, 1, shape, &error);

      g_assert_no_error (error);
      sy_tensor_to_f32 (t, 0, E, bias[l]);
    }
  root = json_object_from_file (ref_json);
  g_assert_true (json_object_object_get_ex (root, "cases", &cases));
  cs = json_object_array_get_idx (cases, 0);
  g_assert_true (json_object_object_get_ex (cs, "key", &v));
  key = json_object_get_string (v);
  g_assert_true (json_object_object_get_ex (cs, "input_ids", &v));
  n = (int) json_object_array_length (v);

  for (int l = 0; l < L; l++)
    {
      g_autofree char *name = g_strdup_printf ("%s.router_logits.%d", key, l);
      int64_t shape[2] = { n, E };
      const SyTensor *t = sy_tensor_store_get (ref, name, 2, shape, &error);
      g_autoptr (SyTrace) trace = sy_trace_new (n, E, 3, L);
      SyTraceLayer *tl = &trace->layers[l];

      g_assert_no_error (error);
      sy_tensor_to_f32 (t, 0, (int64_t) n * E, tl->logits);
      g_assert_true (sy_router_route (native, &info, l, n, 0, NULL, tl, &error));
      g_assert_no_error (error);

      for (int tk = 0; tk < n; tk++)
        {
          const float *z = tl->logits + tk * E;
          float sg[16], sum = 0;
          gboolean taken[16] = { FALSE, };
          int chosen[4];
          int mask = sy_test_ref_select (&info, z, bias[l], sg, chosen);

          for (int r = 0; r < K; r++)
            {
              taken[chosen[r]] = TRUE;
              sum += sg[chosen[r]];
            }
          g_assert_cmpint (tl->group_mask[tk], ==, mask);
          g_assert_cmpint (tl->k[tk], ==, K);
          for (int r = 0; r < K; r++)
            {
              int e = tl->experts[tk * E + r];

              g_assert_true (taken[e]);
              g_assert_cmpfloat_with_epsilon (tl->weights[tk * E + r], sg[e] / (sum + 1e-20f) * 2.5f, 1e-5);
              n_outside += !(mask & (1 << (e / 4)));
            }
        }
    }
  /* with these scores every chosen expert lies in a kept group */
  g_assert_cmpint (n_outside, ==, 0);
  json_object_put (root);
}

static const SyTestCase tests[] = {
  { "/routing-models/deepseek-groups", test_deepseek_groups },
  { NULL, NULL }
};

typedef void (*FixtureFunc) (Fixture       *fx,
                             gconstpointer  arch);

/* A test on a Fixture: of @arch, or (NULL) one of each arch, "@path/ARCH" */
typedef struct
{
  const char *path;
  FixtureFunc func;
  const char *arch;
} FixtureTest;

static const FixtureTest fixture_tests[] = {
  { "/routing-models/native-topk", test_native_topk, NULL },
  { "/routing-models/output-changes", test_output_changes, NULL },
  { "/routing-models/topp", test_topp_model, NULL },
  { "/routing-models/calibrate", test_calibrate, "olmoe" },
  { "/routing-models/adr-shared", test_adr_shared, "qwen2_moe" },
  { "/routing-models/da", test_da_model, "mixtral" },
};

static void
add_fixture_tests (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (fixture_tests); i++)
    {
      const FixtureTest *f = &fixture_tests[i];

      if (f->arch != NULL)
        g_test_add (f->path, Fixture, f->arch, fixture_setup, f->func, fixture_teardown);
      for (guint a = 0; f->arch == NULL && archs[a] != NULL; a++)
        {
          g_autofree char *path = g_strdup_printf ("%s/%s", f->path, archs[a]);

          g_test_add (path, Fixture, archs[a], fixture_setup, f->func, fixture_teardown);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, add_fixture_tests, NULL);
}
