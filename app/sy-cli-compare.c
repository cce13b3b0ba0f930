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
#include "sy-compare-render.h"
#include "sy-render-export.h"
#include "sy-session.h"
#include "sy-trace-file.h"

typedef struct
{
  const SyCompare  *cmp;
  gboolean          side;
  SyCompareOptions  diff;
  SyHeatmapOptions  heatmap;
  SyRenderStyle     style;
} DrawJob;

static void
draw_job (cairo_t  *cr,
          double    width,
          double    height,
          gpointer  user_data)
{
  DrawJob *job = user_data;

  if (job->side)
    sy_compare_side_render (cr, job->cmp, &job->heatmap, &job->style, width, height);
  else
    sy_compare_render (cr, job->cmp, &job->diff, &job->style, width, height);
}

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
      g_autofree char *esc = raw ? g_strescape (raw, "\xc2\xc3\xc4\xc5\xe2\xe3\xe4\xe5\xe6\xe7\xe8\xe9\xf0")
                                 : g_strdup ("");
      g_autofree char *tok = NULL;

      if (g_utf8_strlen (esc, -1) > 12)
        {
          const char *end = g_utf8_offset_to_pointer (esc, 11);

          tok = g_strdup_printf ("\"%.*s…\"", (int) (end - esc), esc);
        }
      else
        tok = g_strdup_printf ("\"%s\"", esc);
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

static SyCompare *
compare_traces (const char  *path_a,
                const char  *path_b,
                const char  *spec_a,
                const char  *spec_b,
                GError     **error)
{
  g_autoptr (SyTrace) a = trace_side (path_a, spec_a, "a", error);
  g_autoptr (SyTrace) b = NULL;

  if (a == NULL)
    return NULL;
  b = trace_side (path_b, spec_b, "b", error);
  if (b == NULL)
    return NULL;
  return sy_compare_new (a, NULL, b, NULL, 0, error);
}

int
sy_cli_compare (int    argc,
                char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *ids_text = NULL;
  g_autofree char *spec_a = NULL;
  g_autofree char *spec_b = NULL;
  g_autofree char *out = NULL;
  g_autofree char *view = NULL;
  g_autofree char *style_name = NULL;
  g_autofree char *session_path = NULL;
  g_autofree char *trace_path = NULL;
  g_autofree char *trace_b_path = NULL;
  g_autoptr (SySessionFile) saved = NULL;
  gboolean json = FALSE, pretty = FALSE;
  int width = 0, height = 0;
  double scale = 1.0;
  GOptionEntry entries[] = {
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path, "Model folder or .gguf file (a split one by any part)", "PATH" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path,
      "Compare on a recorded trace file (no model): --a and --b are re-applied to it "
      "(\"recorded\", the default, is its own routing)", "FILE" },
    { "trace-b", 0, 0, G_OPTION_ARG_FILENAME, &trace_b_path,
      "B's trace: a second recording of the same text (another model or precision)", "FILE" },
    { "session", 0, 0, G_OPTION_ARG_FILENAME, &session_path,
      "Session file (.switchyard): model, text, A and B; other options override it", "FILE" },
    { "text", 0, 0, G_OPTION_ARG_STRING, &text, "Text to run (tokenized with special tokens)", "TEXT" },
    { "ids", 0, 0, G_OPTION_ARG_STRING, &ids_text, "Token ids instead of text", "1,2,3" },
    { "a", 0, 0, G_OPTION_ARG_STRING, &spec_a, "Configuration A (default native)", "SPEC" },
    { "b", 0, 0, G_OPTION_ARG_STRING, &spec_b, "Configuration B", "SPEC" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the comparison as JSON", NULL },
    { "pretty", 0, 0, G_OPTION_ARG_NONE, &pretty, "Indent the JSON", NULL },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Draw the diff view to FILE.svg|.png|.pdf", "FILE" },
    { "view", 0, 0, G_OPTION_ARG_STRING, &view, "What --out draws: diff (default) or side", "VIEW" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Picture width (default 1200)", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Picture height (default 800)", "PX" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "Pixels per unit for PNG (default 1)", "S" },
    { "style", 0, 0, G_OPTION_ARG_STRING, &style_name, "light (default) or dark", "STYLE" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- run a text under two routing policies");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SySession) sa = NULL;
  g_autoptr (SySession) sb = NULL;
  g_autoptr (SyRouterSpec) ra = NULL;
  g_autoptr (SyRouterSpec) rb = NULL;
  g_autoptr (SyCompare) cmp = NULL;
  g_autofree int32_t *ids = NULL;
  int n_ids = 0;
  DrawJob job;
  SyExportFormat format;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sy_cli_error ("compare: %s", error->message);
  if (argc > 1)
    return sy_cli_error ("compare: unexpected argument '%s'", argv[1]);
  if (session_path != NULL)
    {
      saved = sy_cli_load_session (session_path, &model_path, &error);
      if (saved == NULL)
        return sy_cli_error ("compare: %s", error->message);
      if (text == NULL && ids_text == NULL)
        text = g_strdup (saved->text);
      if (spec_a == NULL)
        spec_a = g_strdup (saved->router_a);
      if (spec_b == NULL && saved->router_b != NULL)
        spec_b = g_strdup (saved->router_b);
      if (spec_b == NULL)
        return sy_cli_error ("compare: %s has no configuration B: give --b SPEC", session_path);
    }
  if (trace_b_path != NULL && trace_path == NULL)
    return sy_cli_error ("compare: --trace-b needs --trace (A's trace)");
  if (trace_path != NULL && (text || ids_text || model_path || session_path))
    return sy_cli_error ("compare: --trace takes no --model, --text, --ids or --session "
                         "(the trace holds the run)");
  if (spec_b == NULL && trace_b_path == NULL)
    return sy_cli_error ("compare: --b SPEC is required (configuration B)");
  if (trace_path == NULL && (text == NULL) == (ids_text == NULL))
    return sy_cli_error ("compare: give exactly one of --text TEXT and --ids 1,2,3");

  memset (&job, 0, sizeof job);
  sy_compare_options_init (&job.diff);
  sy_heatmap_options_init (&job.heatmap);
  if (view == NULL || strcmp (view, "diff") == 0)
    job.side = FALSE;
  else if (strcmp (view, "side") == 0)
    job.side = TRUE;
  else
    return sy_cli_error ("compare: unknown view '%s' (use diff or side)", view);
  if (style_name == NULL)
    sy_render_style_init_light (&job.style);
  else if (!sy_render_style_init_named (&job.style, style_name))
    return sy_cli_error ("compare: unknown style '%s' (use light or dark)", style_name);
  width = width ? width : 1200;
  height = height ? height : 800;
  if (width < 50 || height < 50 || width > 20000 || height > 20000)
    return sy_cli_error ("compare: picture size %d × %d out of range (50 to 20000)", width, height);
  if (!(scale > 0 && scale <= 8))
    return sy_cli_error ("compare: --scale %g out of range (0 to 8)", scale);
  if (out != NULL && !sy_export_format_from_path (out, &format, &error))
    return sy_cli_error ("compare: %s", error->message);

  if (trace_path != NULL)
    {
      cmp = compare_traces (trace_path, trace_b_path ? trace_b_path : trace_path,
                            spec_a, spec_b, &error);
      if (cmp == NULL)
        return sy_cli_error ("compare: %s", error->message);
      goto report;
    }

  ra = sy_router_spec_parse (spec_a ? spec_a : "native", &error);
  if (ra == NULL)
    return sy_cli_error ("compare: --a: %s", error->message);
  rb = sy_router_spec_parse (spec_b, &error);
  if (rb == NULL)
    return sy_cli_error ("compare: --b: %s", error->message);

  model = sy_cli_load_model (model_path, &error);
  if (model == NULL)
    return sy_cli_error_from (error);
  ids = sy_cli_input_ids (model, text, ids_text, &n_ids, &error);
  if (ids == NULL)
    return sy_cli_error_from (error);

  sa = sy_session_new (model);
  sb = sy_session_new (model);
  if (!sy_session_set_router (sa, ra, &error))
    return sy_cli_error ("compare: --a: %s", error->message);
  if (!sy_session_set_router (sb, rb, &error))
    return sy_cli_error ("compare: --b: %s", error->message);
  cmp = sy_compare_run (sa, sb, ids, n_ids, NULL, NULL, &error);
  if (cmp == NULL)
    return sy_cli_error_from (error);

report:
  if (json)
    {
      g_autofree char *s = sy_compare_to_json (cmp, pretty);

      fputs (s, stdout);
      if (!pretty)
        fputc ('\n', stdout);
    }
  else if (out == NULL)
    print_table (cmp);

  if (out != NULL)
    {
      job.cmp = cmp;
      if (!sy_render_to_file (out, width, height, scale, draw_job, &job, &error))
        return sy_cli_error_from (error);
    }
  return 0;
}
