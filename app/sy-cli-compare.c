/* sy-cli-compare.c: `switchyard-cli compare` (docs/cli.md "compare")
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs one text under configuration A and configuration B (B takes from
 * A's run the leading layers whose routing agrees) and prints what changes:
 * a table by default (headline A vs B, per layer average K, ΔK and
 * Jaccard, per token ΔK at each layer and ΔNLL), the JSON of cli.md with
 * --json; --out draws the diff view (or, with --view side, A's and B's
 * heatmaps side by side) to SVG/PNG/PDF with the window's renderers.
 * --session FILE gives the model, the text and A and B; options override it.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-cli.h"
#include "sy-cli-model.h"
#include "sy-compare.h"
#include "sy-compare-export.h"
#include "sy-render-export.h"
#include "sy-session.h"
#include "sy-trace-file.h"

static char *
fmt_count (double v)
{
  if (!isfinite (v))
    return g_strdup ("-");
  if (fabs (v) >= 1e9)
    return g_strdup_printf ("%.3fG", v / 1e9);
  if (fabs (v) >= 1e6)
    return g_strdup_printf ("%.3fM", v / 1e6);
  if (fabs (v) >= 1e3)
    return g_strdup_printf ("%.2fk", v / 1e3);
  return g_strdup_printf ("%.0f", v);
}

static void
print_row (const char *name,
           double      a,
           double      b,
           gboolean    count)
{
  g_autofree char *sa = count || !isfinite (a) ? fmt_count (a) : g_strdup_printf ("%.4f", a);
  g_autofree char *sb = count || !isfinite (b) ? fmt_count (b) : g_strdup_printf ("%.4f", b);
  g_autofree char *sd = count || !isfinite (b - a) ? fmt_count (b - a)
                                                   : g_strdup_printf ("%+.4f", b - a);

  printf ("%-26s %14s %14s %14s", name, sa, sb, sd);
  if (count && a != 0 && isfinite (a) && isfinite (b))
    printf (" (%+.1f%%)", 100 * (b - a) / a);
  printf ("\n");
}

static void
print_table (const SyCompare *cmp)
{
  const SyTrace *a = cmp->a, *b = cmp->b;

  printf ("model: %s   tokens: %d   MoE layers: %d   experts: %d\n",
          a->model ? a->model : "?", cmp->n_tokens, cmp->n_moe_layers, cmp->n_experts);
  printf ("A: %s\nB: %s\n", a->router, b->router);
  if (cmp->n_shared_layers > 0)
    printf ("B reused A's first %d decoder layer(s) (identical routing)\n", cmp->n_shared_layers);
  printf ("\n%-26s %14s %14s %14s\n", "", "A", "B", "B - A");
  print_row ("average K", a->avg_k, b->avg_k, FALSE);
  print_row ("activated params / token", a->activated_params, b->activated_params, TRUE);
  print_row ("FLOPs / token", a->flops, b->flops, TRUE);
  print_row ("perplexity", a->perplexity, b->perplexity, FALSE);
  if (isfinite (cmp->kl))
    printf ("mean KL(A||B) of the next-token distributions: %.6f nats\n"
            "greedy next token agrees at %.1f%% of %d positions\n",
            cmp->kl, 100 * cmp->greedy_agreement, cmp->n_tokens);

  printf ("\n%5s %5s %8s %8s %8s %9s\n", "layer", "moe", "avg K A", "avg K B", "avg dK", "Jaccard");
  for (int i = 0; i < cmp->n_moe_layers; i++)
    printf ("%5d %5d %8.3f %8.3f %+8.3f %9.3f\n", cmp->layers[i].layer, i,
            a->layers[i].avg_k, b->layers[i].avg_k, cmp->layers[i].avg_dk,
            cmp->layers[i].mean_jaccard);

  printf ("\ndK per token and MoE layer (B - A):\n%5s %6s  %-14s", "token", "id", "text");
  for (int i = 0; i < cmp->n_moe_layers; i++)
    printf (" L%-3d", cmp->layers[i].layer);
  printf ("  %s\n", "dNLL");
  for (int t = 0; t < cmp->n_tokens; t++)
    {
      const char *raw = a->token_text ? a->token_text[t] : NULL;
      g_autofree char *tok = sy_cli_token_label (raw ? raw : "");

      printf ("%5d %6d  %-*s", t, (int) a->ids[t],
              14 + (int) strlen (tok) - (int) g_utf8_strlen (tok, -1), tok);
      for (int i = 0; i < cmp->n_moe_layers; i++)
        {
          int dk = cmp->layers[i].dk[t];

          if (dk == 0)
            printf ("    .");
          else
            printf (" %+4d", dk);
        }
      if (t + 1 < cmp->n_tokens && isfinite (cmp->dnll[t]))
        printf ("  %+.4f", cmp->dnll[t]);
      printf ("\n");
    }
}

/* compare's options (freed by sy_cli_free_options) */
typedef struct
{
  SyCliInput  in;          /* --model, --text, --ids and A's router (--a) */
  char       *spec_b, *out, *view, *style_name, *session_path, *trace_path, *trace_b_path;
  gboolean    json, pretty;
  int         width, height;
  double      scale;
} CompareOptions;

/* One side of compare --trace: @spec ("recorded" or NULL: the trace's own
 * routing) re-applied to the trace in @path. */
static SyTrace *
trace_side (const char  *path,
            const char  *spec_text,
            const char  *side,
            GError     **error)
{
  g_autoptr (SyTraceFile) tf = sy_trace_file_load (path, error);
  g_autoptr (SyRouterSpec) spec = NULL;
  SyTrace *trace;

  if (tf == NULL)
    return NULL;
  if (spec_text != NULL && strcmp (spec_text, "recorded") != 0)
    {
      spec = sy_router_spec_parse (spec_text, error);
      if (spec == NULL)
        {
          g_prefix_error (error, "--%s: ", side);
          return NULL;
        }
    }
  trace = sy_trace_file_apply (tf, spec, error);
  if (trace == NULL)
    g_prefix_error (error, "--%s: ", side);
  else if (spec == NULL)
    {
      g_autofree char *r = trace->router;

      trace->router = g_strdup_printf ("recorded %s", r ? r : "");
    }
  return trace;
}

/* compare --trace A [--trace-b B]: A's and B's policies re-applied to
 * the recorded runs (B's is A's without --trace-b). */
static SyCompare *
compare_traces (const CompareOptions  *o,
                GError               **error)
{
  g_autoptr (SyTrace) a = trace_side (o->trace_path, o->in.router, "a", error);
  g_autoptr (SyTrace) b = NULL;

  if (a == NULL)
    return NULL;
  b = trace_side (o->trace_b_path ? o->trace_b_path : o->trace_path, o->spec_b, "b", error);
  if (b == NULL)
    return NULL;
  return sy_compare_new (a, NULL, b, NULL, 0, error);
}

/* --session FILE: what the options leave unsaid comes from the session;
 * FALSE having printed the error. */
static gboolean
apply_session (CompareOptions *o,
               gboolean       *session_has_trace)
{
  g_autoptr (SySessionFile) saved = NULL;
  g_autoptr (GError) error = NULL;

  saved = sy_cli_load_session (o->session_path, &o->in.model_path, &error);
  if (saved == NULL)
    {
      sy_cli_error ("compare: %s", error->message);
      return FALSE;
    }
  *session_has_trace = saved->trace != NULL;
  if (saved->trace != NULL && o->trace_path == NULL)
    {
      o->trace_path = sy_session_file_resolve_trace (saved, o->session_path, FALSE);
      if (o->trace_b_path == NULL)
        o->trace_b_path = sy_session_file_resolve_trace (saved, o->session_path, TRUE);
    }
  else if (o->in.text == NULL && o->in.ids_text == NULL && saved->trace == NULL)
    o->in.text = g_strdup (saved->text);
  if (o->in.router == NULL)
    o->in.router = g_strdup (saved->router_a);
  if (o->spec_b == NULL && saved->router_b != NULL)
    o->spec_b = g_strdup (saved->router_b);
  if (o->spec_b == NULL && o->trace_b_path == NULL)
    {
      sy_cli_error ("compare: %s has no configuration B: give --b SPEC", o->session_path);
      return FALSE;
    }
  return TRUE;
}

/* --view, --style, the size and --out into @job (its style @style) and
 * @format; returns 0, or 1 having printed the error. */
static int
picture_options (CompareOptions  *o,
                 SyCompareExport *job,
                 SyRenderStyle   *style,
                 SyExportFormat  *format)
{
  g_autoptr (GError) error = NULL;

  memset (job, 0, sizeof *job);
  job->style = style;
  sy_compare_options_init (&job->diff);
  sy_heatmap_options_init (&job->heatmap);
  if (o->view == NULL || strcmp (o->view, "diff") == 0)
    job->side = FALSE;
  else if (strcmp (o->view, "side") == 0)
    job->side = TRUE;
  else
    return sy_cli_error ("compare: unknown view '%s' (use diff or side)", o->view);
  if (o->style_name == NULL)
    sy_render_style_init_light (style);
  else if (!sy_render_style_init_named (style, o->style_name))
    return sy_cli_error ("compare: unknown style '%s' (use light or dark)", o->style_name);
  o->width = o->width ? o->width : 1200;
  o->height = o->height ? o->height : 800;
  if (o->width < 50 || o->height < 50 || o->width > 20000 || o->height > 20000)
    return sy_cli_error ("compare: picture size %d × %d out of range (50 to 20000)",
                         o->width, o->height);
  if (!(o->scale > 0 && o->scale <= 8))
    return sy_cli_error ("compare: --scale %g out of range (0 to 8)", o->scale);
  if (o->out != NULL && !sy_export_format_from_path (o->out, format, &error))
    return sy_cli_error ("compare: %s", error->message);
  return 0;
}

/* A and B run on the model into *@cmp; returns 0, or 1 having printed
 * the error. */
static int
compare_model (CompareOptions  *o,
               SyCompare      **cmp)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SySession) sa = NULL;
  g_autoptr (SySession) sb = NULL;
  g_autoptr (SyRouterSpec) rb = NULL;
  SyCliInput *in = &o->in;

  in->spec = sy_router_spec_parse (in->router ? in->router : "native", &error);
  if (in->spec == NULL)
    return sy_cli_error ("compare: --a: %s", error->message);
  rb = sy_router_spec_parse (o->spec_b, &error);
  if (rb == NULL)
    return sy_cli_error ("compare: --b: %s", error->message);

  if (!sy_cli_input_load (in, &error))
    return sy_cli_error_from (error);

  sa = sy_session_new (in->model);
  sb = sy_session_new (in->model);
  if (!sy_session_set_router (sa, in->spec, &error))
    return sy_cli_error ("compare: --a: %s", error->message);
  if (!sy_session_set_router (sb, rb, &error))
    return sy_cli_error ("compare: --b: %s", error->message);
  *cmp = sy_compare_run (sa, sb, in->ids, in->n_ids, &error);
  if (*cmp == NULL)
    return sy_cli_error_from (error);
  return 0;
}

/* compare after its options are parsed */
static int
compare (CompareOptions *o)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCompare) cmp = NULL;
  gboolean session_has_trace = FALSE;
  SyCompareExport job;
  SyRenderStyle style;
  SyExportFormat format;

  if (o->session_path != NULL && !apply_session (o, &session_has_trace))
    return 1;
  if (o->trace_b_path != NULL && o->trace_path == NULL)
    return sy_cli_error ("compare: --trace-b needs --trace (A's trace)");
  if (o->trace_path != NULL && (o->in.text || o->in.ids_text || o->in.model_path
                                || (o->session_path && !session_has_trace)))
    return sy_cli_error ("compare: --trace takes no --model, --text, --ids or --session "
                         "(the trace holds the run)");
  if (o->spec_b == NULL && o->trace_b_path == NULL)
    return sy_cli_error ("compare: --b SPEC is required (configuration B)");
  if (o->trace_path == NULL && (o->in.text == NULL) == (o->in.ids_text == NULL))
    return sy_cli_error ("compare: give exactly one of --text TEXT and --ids 1,2,3");
  if (picture_options (o, &job, &style, &format) != 0)
    return 1;

  if (o->trace_path != NULL)
    {
      cmp = compare_traces (o, &error);
      if (cmp == NULL)
        return sy_cli_error ("compare: %s", error->message);
    }
  else if (compare_model (o, &cmp) != 0)
    return 1;

  if (o->json)
    {
      g_autofree char *s = sy_compare_to_json (cmp, o->pretty);

      sy_cli_print_json (s, o->pretty);
    }
  else if (o->out == NULL)
    print_table (cmp);

  if (o->out != NULL)
    {
      job.cmp = cmp;
      if (!sy_compare_export (&job, o->out, o->width, o->height, o->scale, &error))
        return sy_cli_error_from (error);
    }
  return 0;
}

int
sy_cli_compare (int    argc,
                char **argv)
{
  CompareOptions o = { .scale = 1.0 };
  int status = 1;
  GOptionEntry entries[] = {
    SY_CLI_OPTION_MODEL (&o.in.model_path),
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &o.trace_path,
      "Compare on a recorded trace file (no model): --a and --b are re-applied to it "
      "(\"recorded\", the default, is its own routing)", "FILE" },
    { "trace-b", 0, 0, G_OPTION_ARG_FILENAME, &o.trace_b_path,
      "B's trace: a second recording of the same text (another model or precision)", "FILE" },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &o.session_path,
      "Session file (.switchyard): model, text, A and B; other options override it", "FILE" },
    SY_CLI_OPTION_TEXT (&o.in.text),
    SY_CLI_OPTION_IDS (&o.in.ids_text),
    { "a", 0, 0, G_OPTION_ARG_STRING, &o.in.router, "Configuration A (default native)", "SPEC" },
    { "b", 0, 0, G_OPTION_ARG_STRING, &o.spec_b, "Configuration B", "SPEC" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o.json, "Print the comparison as JSON", NULL },
    SY_CLI_OPTION_PRETTY (&o.pretty),
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &o.out, "Draw the diff view to FILE.svg|.png|.pdf", "FILE" },
    { "view", 0, 0, G_OPTION_ARG_STRING, &o.view, "What --out draws: diff (default) or side", "VIEW" },
    { "width", 0, 0, G_OPTION_ARG_INT, &o.width, "Picture width (default 1200)", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &o.height, "Picture height (default 800)", "PX" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &o.scale, "Pixels per unit for PNG (default 1)", "S" },
    { "style", 0, 0, G_OPTION_ARG_STRING, &o.style_name, "light (default) or dark", "STYLE" },
    { NULL }
  };

  if (sy_cli_parse_options ("compare", "- run a text under two routing policies", NULL, entries, TRUE,
                            &argc, &argv))
    status = compare (&o);
  sy_cli_free_options (entries);
  sy_cli_input_clear (&o.in);
  return status;
}
