/* sy-cli-route.c: `switchyard-cli route` (docs/cli.md "route")
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs a text under a routing policy and prints the trace: a table by
 * default (per MoE layer the budget and average K, per token K at each
 * layer, and the price against `native`: mean KL(native || policy) of the
 * next-token distributions and the positions whose argmax changes), the
 * trace JSON of cli.md with --json (plus "quality" and "calibration"
 * members).  --calibrate K first finds the p / t / q whose average K on the
 * text is K.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sy-calibrate.h"
#include "sy-cli.h"
#include "sy-cli-model.h"
#include "sy-metrics.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-trace-file.h"
#include "sy-trace-json.h"

typedef struct
{
  gboolean have;
  double   kl;               /* mean KL (native || policy) */
  int      changed;          /* positions whose argmax changed */
  int      positions;
  double   native_perplexity;
  double   native_avg_k;
} Quality;

static char *
fmt_count (double v)
{
  if (!isfinite (v))
    return g_strdup ("-");
  if (v >= 1e9)
    return g_strdup_printf ("%.2fG", v / 1e9);
  if (v >= 1e6)
    return g_strdup_printf ("%.2fM", v / 1e6);
  if (v >= 1e3)
    return g_strdup_printf ("%.1fk", v / 1e3);
  return g_strdup_printf ("%.0f", v);
}

static void
print_table (const SyTrace     *trace,
             int                native_k,
             const Quality     *q,
             const SyCalibration *cal)
{
  g_autofree char *params = fmt_count (trace->activated_params);
  g_autofree char *flops = fmt_count (trace->flops);
  g_autofree char *ppl = isfinite (trace->perplexity) ? g_strdup_printf ("%.3f", trace->perplexity)
                                                      : g_strdup ("-");

  printf ("model: %s   router: %s%s\n", trace->model ? trace->model : "?", trace->router,
          trace->causal ? "" : "   (not causal: recomputed over the whole text)");
  if (cal)
    printf ("calibrated: %s gives average K %.3f (target %g, %d runs)\n",
            trace->router, cal->avg_k, cal->target, cal->n_runs);
  printf ("tokens: %d   experts: %d (native top-%d)   MoE layers: %d\n",
          trace->n_tokens, trace->n_experts, native_k, trace->n_moe_layers);
  printf ("average K: %.3f   perplexity: %s   activated params/token: %s   FLOPs/token: %s\n",
          trace->avg_k, ppl, params, flops);
  if (q->have)
    printf ("vs native: mean KL %.6f nats, argmax changed at %d of %d positions (%.1f%%), "
            "native perplexity %.3f, native average K %.3f\n",
            q->kl, q->changed, q->positions,
            q->positions > 0 ? 100.0 * q->changed / q->positions : 0.0,
            q->native_perplexity, q->native_avg_k);

  printf ("\n%5s %5s %6s %7s %9s\n", "layer", "moe", "budget", "avg K", "time ms");
  for (int l = 0; l < trace->n_moe_layers; l++)
    {
      const SyTraceLayer *tl = &trace->layers[l];

      printf ("%5d %5d %6d %7.3f %9.3f\n", tl->layer, tl->moe, tl->budget, tl->avg_k,
              tl->time_s * 1e3);
    }

  printf ("\nK per token and MoE layer:\n%5s %6s  %-16s", "token", "id", "text");
  for (int l = 0; l < trace->n_moe_layers; l++)
    printf ("  L%-2d", trace->layers[l].layer);
  printf ("  %s\n", "nll");
  for (int t = 0; t < trace->n_tokens; t++)
    {
      g_autofree char *tok = sy_cli_token_label (trace->token_text ? trace->token_text[t] : NULL);
      int width = 16 + (int) strlen (tok) - (int) g_utf8_strlen (tok, -1);

      printf ("%5d %6d  %-*s", t, (int) trace->ids[t], width, tok);
      for (int l = 0; l < trace->n_moe_layers; l++)
        {
          const SyTraceLayer *tl = &trace->layers[l];
          char mark = (tl->flags[t] & SY_CELL_SINK) ? '*' :
                      (tl->flags[t] & SY_CELL_NAN_FALLBACK) ? '!' :
                      tl->depth[t] == SY_DEPTH_SHALLOW ? 's' : ' ';

          printf (" %3d%c", tl->k[t], mark);
        }
      if (t + 1 < trace->n_tokens && isfinite (trace->nll[t]))
        printf (" %.3f", trace->nll[t]);
      printf ("\n");
    }
  printf ("(* attention sink, s shallow, ! NaN fallback; nll of the next token)\n");
}

/* route's options (freed by sy_cli_free_options) */
typedef struct
{
  SyCliInput  in;
  char       *calibrate, *csv, *save_trace, *trace_path, *trace_dtype;
  int         trace_top;
  gboolean    json, pretty, no_compare;
} RouteOptions;

/* route --trace FILE [--router SPEC]: the policy re-applied to the
 * recorded router output, no model. */
static int
route_trace (const RouteOptions            *o,
             const SyTraceFileWriteOptions *wopts)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) tf = NULL;
  g_autoptr (SyRouterSpec) spec = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autofree char *limits = NULL;
  Quality q = { 0, };

  tf = sy_trace_file_load (o->trace_path, &error);
  if (tf == NULL)
    return sy_cli_error_from (error);
  if (o->in.router)
    {
      spec = sy_router_spec_parse (o->in.router, &error);
      if (spec == NULL)
        return sy_cli_error_from (error);
    }
  trace = sy_trace_file_apply (tf, spec, &error);
  if (trace == NULL)
    return sy_cli_error_from (error);
  limits = sy_trace_file_describe_limits (tf, spec);

  if (o->csv && !sy_trace_write_csv (trace, o->csv, FALSE, &error))
    return sy_cli_error_from (error);
  if (o->save_trace)
    {
      SyTraceFile copy = *tf;

      /* the re-applied routing under the same header */
      copy.trace = trace;
      copy.has_nll = FALSE;
      if (!sy_trace_file_save (&copy, o->save_trace, wopts, &error))
        return sy_cli_error_from (error);
    }

  if (o->json)
    {
      g_autofree char *out = NULL;
      g_autofree char *extra = NULL;
      json_object *lim = json_object_new_string (limits);
      json_object *src = json_object_new_string (tf->source ? tf->source : "?");

      extra = g_strdup_printf ("\"recorded\":{\"source\":%s,\"reapplied\":%s,"
                               "\"router_values\":%s,\"nll\":%s,\"limits\":%s}",
                               json_object_to_json_string_ext (src, JSON_C_TO_STRING_PLAIN),
                               spec ? "true" : "false",
                               sy_trace_file_has_router (tf) ? "true" : "false",
                               isfinite (trace->perplexity) ? "true" : "false",
                               json_object_to_json_string_ext (lim, JSON_C_TO_STRING_PLAIN));
      json_object_put (lim);
      json_object_put (src);
      out = sy_trace_to_json_full (trace, o->pretty, extra);
      sy_cli_print_json (out, o->pretty);
    }
  else
    {
      printf ("%s\n", limits);
      print_table (trace, trace->native_k, &q, NULL);
    }
  return 0;
}

/* The price against native: runs @session natively on @ids and compares
 * its next-token distributions with @logits (@T × @V, the policy's). */
static gboolean
measure_quality (SySession      *session,
                 const int32_t  *ids,
                 int             n_ids,
                 const float    *logits,
                 int             T,
                 int             V,
                 Quality        *q,
                 GError        **error)
{
  g_autoptr (SyTrace) native = NULL;
  const float *ln;

  if (!sy_session_set_router (session, NULL, error))
    return FALSE;
  native = sy_session_run (session, ids, n_ids, NULL, NULL, error);
  if (native == NULL)
    return FALSE;
  ln = sy_session_get_logits (session, NULL, NULL);
  q->have = TRUE;
  q->kl = sy_metrics_mean_rows (ln, logits, T, V, sy_metrics_kl_row);
  q->positions = T;
  for (int t = 0; t < T; t++)
    q->changed += sy_metrics_argmax (ln + (gsize) t * V, V) !=
                  sy_metrics_argmax (logits + (gsize) t * V, V);
  q->native_perplexity = native->perplexity;
  q->native_avg_k = native->avg_k;
  return TRUE;
}

/* The "quality" and "calibration" members route --json adds. */
static char *
json_extra (const Quality       *q,
            const SyCalibration *cal)
{
  GString *extra = g_string_new (NULL);
  char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE], b3[G_ASCII_DTOSTR_BUF_SIZE];

  if (q->have)
    g_string_append_printf (extra,
                            "\"quality\":{\"reference\":\"native\",\"kl\":%s,"
                            "\"argmax_changed\":%d,\"positions\":%d,\"greedy_agreement\":%s,"
                            "\"native_perplexity\":%s}",
                            g_ascii_formatd (b1, sizeof b1, "%.9g", q->kl), q->changed, q->positions,
                            g_ascii_formatd (b2, sizeof b2, "%.9g",
                                             q->positions ? 1.0 - (double) q->changed / q->positions : 1.0),
                            g_ascii_formatd (b3, sizeof b3, "%.9g", q->native_perplexity));
  if (cal)
    {
      g_autofree char *cs = sy_router_spec_to_string (cal->spec);

      g_string_append_printf (extra, "%s\"calibration\":{\"router\":\"%s\",\"value\":%s,"
                              "\"target\":%s,\"avg_k\":%s,\"runs\":%d}",
                              extra->len ? "," : "", cs,
                              g_ascii_formatd (b1, sizeof b1, "%.9g", cal->value),
                              g_ascii_formatd (b2, sizeof b2, "%.9g", cal->target),
                              g_ascii_formatd (b3, sizeof b3, "%.9g", cal->avg_k), cal->n_runs);
    }
  return g_string_free (extra, FALSE);
}

/* route --calibrate K: the policy of @spec's family whose average K on
 * @ids is K; @spec becomes it. */
static SyCalibration *
calibrate_spec (SySession      *session,
                SyRouterSpec  **spec,
                const char     *calibrate,
                const int32_t  *ids,
                int             n_ids,
                GError        **error)
{
  SyCalibration *cal;
  char *end = NULL;
  double target;

  errno = 0;
  target = g_ascii_strtod (calibrate, &end);
  if (*calibrate == '\0' || *end != '\0' || errno != 0 || !isfinite (target) || target < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "route: --calibrate %s: not a number of experts", calibrate);
      return NULL;
    }
  cal = sy_calibrate (session, *spec, ids, n_ids, target, NULL, NULL, error);
  if (cal == NULL)
    return NULL;
  g_clear_pointer (spec, sy_router_spec_free);
  *spec = sy_router_spec_copy (cal->spec);
  sy_session_reset (session);
  return cal;
}

/* route with a model: the run, its price against native, the outputs. */
static int
route_model (RouteOptions                  *o,
             const SyTraceFileWriteOptions *wopts)
{
  /* cheap: a sum over the attention probabilities the run computes anyway
   * (about 2-4 % of attention time at 950 tokens on the fixtures) */
  gboolean record_attention = TRUE;
  g_autofree float *recv_copy = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autoptr (SyCalibration) cal = NULL;
  g_autofree float *logits = NULL;
  SyCliInput *in = &o->in;
  SySession *session;
  const SyModelInfo *info;
  Quality q = { 0, };
  int T = 0, V = 0;

  in->spec = sy_router_spec_parse (in->router ? in->router : "native", &error);
  if (in->spec == NULL || !sy_cli_input_open (in, &error))
    return sy_cli_error_from (error);
  session = in->session;
  info = sy_model_get_info (in->model);

  if (o->calibrate)
    {
      cal = calibrate_spec (session, &in->spec, o->calibrate, in->ids, in->n_ids, &error);
      if (cal == NULL)
        return sy_cli_error_from (error);
    }

  /* a saved trace carries the attention received (for da re-applied) */
  if (o->save_trace && record_attention)
    sy_session_set_record_attention (session, TRUE);
  trace = sy_session_run (session, in->ids, in->n_ids, NULL, NULL, &error);
  if (trace == NULL)
    return sy_cli_error_from (error);
  if (o->save_trace && record_attention)
    {
      const float *recv = sy_session_get_attention_received (session, NULL);

      recv_copy = recv ? g_memdup2 (recv, sizeof (float) * MAX (trace->n_moe_layers, 1) * trace->n_tokens)
                       : NULL;
      sy_session_set_record_attention (session, FALSE);
    }
  {
    const float *l = sy_session_get_logits (session, &T, &V);

    logits = g_memdup2 (l, sizeof (float) * T * V);
  }

  if (!o->no_compare
      && !(in->spec->policy == SY_POLICY_NATIVE && in->spec->weights == SY_WEIGHTS_NATIVE)
      && !measure_quality (session, in->ids, in->n_ids, logits, T, V, &q, &error))
    return sy_cli_error_from (error);

  if (o->csv && !sy_trace_write_csv (trace, o->csv, FALSE, &error))
    return sy_cli_error_from (error);

  if (o->save_trace)
    {
      g_autoptr (SyTraceFile) tf = sy_trace_file_new (trace, sy_model_get_router_info (in->model),
                                                      info->model_type, info->vocab_size, in->text);

      if (recv_copy != NULL)
        sy_trace_file_set_attention (tf, recv_copy);

      if (!sy_trace_file_save (tf, o->save_trace, wopts, &error))
        return sy_cli_error_from (error);
    }

  if (o->json)
    {
      g_autofree char *extra = json_extra (&q, cal);
      g_autofree char *out = sy_trace_to_json_full (trace, o->pretty, extra);

      sy_cli_print_json (out, o->pretty);
    }
  else
    print_table (trace, info->native_k, &q, cal);
  return 0;
}

/* route after its options are parsed */
static int
route (RouteOptions *o)
{
  SyTraceFileWriteOptions wopts = { SY_TRACE_DTYPE_F32, 0 };

  if (sy_cli_activations_error ("route", o->in.activations) != NULL)
    return sy_cli_error ("%s", sy_cli_activations_error ("route", o->in.activations));

  if (o->trace_dtype && strcmp (o->trace_dtype, "f16") == 0)
    wopts.dtype = SY_TRACE_DTYPE_F16;
  else if (o->trace_dtype && strcmp (o->trace_dtype, "f32") != 0)
    return sy_cli_error ("route: --trace-dtype %s: f32 or f16", o->trace_dtype);
  if (o->trace_top < 0)
    return sy_cli_error ("route: --trace-top %d: not a number of experts", o->trace_top);
  wopts.top_n = o->trace_top;

  if (o->trace_path)
    {
      if (o->in.model_path || o->in.text || o->in.ids_text || o->calibrate)
        return sy_cli_error ("route: --trace takes no --model, --text, --ids or --calibrate "
                             "(the trace holds the run)");
      return route_trace (o, &wopts);
    }
  return route_model (o, &wopts);
}

int
sy_cli_route (int    argc,
              char **argv)
{
  RouteOptions o = { 0, };
  int status = 1;
  GOptionEntry entries[] = {
    SY_CLI_OPTION_ACTIVATIONS (&o.in.activations),
    SY_CLI_OPTION_MODEL (&o.in.model_path),
    SY_CLI_OPTION_TEXT (&o.in.text),
    SY_CLI_OPTION_IDS (&o.in.ids_text),
    { "router", 0, 0, G_OPTION_ARG_STRING, &o.in.router, "Routing policy (default native)", "SPEC" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "Print the trace as JSON", NULL },
    SY_CLI_OPTION_PRETTY (&o.pretty),
    { "calibrate", 0, 0, G_OPTION_ARG_STRING, &o.calibrate,
      "Find the p (topp), t (minp, ser) or q (quantile) whose average K is K (native k if 0)", "K" },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &o.csv, "Also write the per-token-per-layer table", "FILE" },
    { "no-compare", 0, 0, G_OPTION_ARG_NONE, &o.no_compare, "Skip the comparison with native", NULL },
    { "save-trace", 0, 0, G_OPTION_ARG_FILENAME, &o.save_trace,
      "Write the run as a trace file (docs/trace-format.md)", "FILE" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &o.trace_path,
      "Re-apply --router to a recorded trace file instead of running a model", "FILE" },
    { "trace-dtype", 0, 0, G_OPTION_ARG_STRING, &o.trace_dtype,
      "Floats of --save-trace: f32 (default) or f16", "f32|f16" },
    { "trace-top", 0, 0, G_OPTION_ARG_INT, &o.trace_top,
      "--save-trace keeps only the top N probabilities per token (the rest summed)", "N" },
    { NULL }
  };

  if (sy_cli_parse_options ("route", "- run a text under a routing policy", NULL, entries, TRUE,
                            &argc, &argv))
    status = route (&o);
  sy_cli_free_options (entries);
  sy_cli_input_clear (&o.in);
  return status;
}
