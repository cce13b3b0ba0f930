/* sy-cli-render.c: `switchyard-cli render`
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs a text through a model under a routing policy and draws one view
 * of the trace with the window's own renderer into SVG, PNG or PDF.
 * --session FILE (a .switchyard file saved by the window) gives the
 * model, text, router A, view, measure, token, layer and zoom; options
 * given as well override it.  --generate N draws the text and N tokens
 * the model continues it with (greedy, or sampled with --temperature,
 * --top-k, --seed), the generated ones marked.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sy-cli.h"
#include "sy-cli-model.h"
#include "sy-expert-render.h"
#include "sy-generate.h"
#include "sy-heatmap-render.h"
#include "sy-inspector-render.h"
#include "sy-model.h"
#include "sy-render-export.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-strip-render.h"
#include "sy-summary-render.h"
#include "sy-trace-file.h"

typedef enum
{
  VIEW_HEATMAP,
  VIEW_STRIP,
  VIEW_INSPECTOR,
  VIEW_SUMMARY,
  VIEW_EXPERT,
} View;

typedef struct
{
  View                view;
  const SyTrace      *trace;
  SyRenderStyle       style;
  SyHeatmapOptions    heatmap;
  SyStripOptions      strip;
  SyInspectorOptions  inspector;
  SySummaryOptions    summary;
  int                 expert_layer;
  int                 expert;
  SyProfileExpert    *profile;
} RenderJob;

static void
draw_job (cairo_t  *cr,
          double    width,
          double    height,
          gpointer  user_data)
{
  RenderJob *job = user_data;

  switch (job->view)
    {
    case VIEW_HEATMAP:
      sy_heatmap_render (cr, job->trace, &job->heatmap, &job->style, width, height);
      break;
    case VIEW_STRIP:
      sy_strip_render (cr, job->trace, &job->strip, &job->style, width, height);
      break;
    case VIEW_INSPECTOR:
      sy_inspector_render (cr, job->trace, &job->inspector, &job->style, width, height);
      break;
    case VIEW_EXPERT:
      sy_expert_render (cr, job->trace, job->expert_layer, job->expert, job->profile, &job->style, width, height);
      break;
    case VIEW_SUMMARY:
    default:
      sy_summary_render (cr, job->trace, &job->summary, &job->style, width, height);
      break;
    }
}

int
sy_cli_render (int    argc,
               char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *ids_text = NULL;
  g_autofree char *router = NULL;
  g_autofree char *view_name = NULL;
  g_autofree char *measure = NULL;
  g_autofree char *style_name = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session_path = NULL;
  g_autofree char *profile_path = NULL;
  g_autoptr (SyProfileExpert) profile = NULL;
  int expert = -1;
  g_autofree char *trace_path = NULL;
  /* G_MININT, NAN: not given (the session's, else the default) */
  int token = G_MININT, layer = G_MININT, width = 0, height = 0;
  int generate = 0, top_k = 0;
  double temperature = 0;
  gint64 seed = 0;
  double scale = 1, cell_width = NAN;
  gboolean session_token = FALSE, session_layer = FALSE;
  g_autoptr (SySessionFile) saved = NULL;
  GOptionEntry entries[] = {
    { "session", 's', 0, G_OPTION_ARG_FILENAME, &session_path,
      "Session file (.switchyard): model, text, router, view, measure, token, zoom; "
      "other options override it; --out defaults to FILE.svg beside it", "FILE" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &trace_path,
      "Draw a recorded trace file (no model; --router re-applies a policy to it)", "FILE" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "Model folder or .gguf file (a split one by any part)", "M" },
    { "text", 't', 0, G_OPTION_ARG_STRING, &text, "Text to run (tokenized with special tokens)", "TEXT" },
    { "ids", 0, 0, G_OPTION_ARG_STRING, &ids_text, "Token ids instead of a text", "1,2,3" },
    { "router", 'r', 0, G_OPTION_ARG_STRING, &router, "Routing policy SPEC (default native)", "SPEC" },
    { "view", 'v', 0, G_OPTION_ARG_STRING, &view_name, "heatmap, strip, inspector, summary or expert", "VIEW" },
    { "expert", 'e', 0, G_OPTION_ARG_INT, &expert, "expert: the expert of --layer whose card is drawn", "E" },
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &profile_path,
      "expert: a profile folder (or its profile.json) for the corpus half of the card", "DIR" },
    { "measure", 0, 0, G_OPTION_ARG_STRING, &measure,
      "heatmap: k|importance|expert|entropy|depth|gate:E; strip: k|importance|depth|surprisal", "MEASURE" },
    { "token", 0, 0, G_OPTION_ARG_INT, &token, "Token selected (inspector: inspected, default 0)", "I" },
    { "layer", 0, 0, G_OPTION_ARG_INT, &layer, "MoE layer selected (inspector: of the bar chart)", "L" },
    { "width", 'W', 0, G_OPTION_ARG_INT, &width, "Picture width (default 1200)", "W" },
    { "height", 'H', 0, G_OPTION_ARG_INT, &height,
      "Picture height (default: what heatmap and strip need, 600 for the others)", "H" },
    { "cell-width", 0, 0, G_OPTION_ARG_DOUBLE, &cell_width, "heatmap: column width (default: fit)", "PX" },
    { "style", 0, 0, G_OPTION_ARG_STRING, &style_name, "light (default) or dark", "STYLE" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "PNG pixels per unit (2 for HiDPI)", "S" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Output file: .svg, .png or .pdf", "FILE" },
    { "generate", 0, 0, G_OPTION_ARG_INT, &generate,
      "Let the model continue the text by N tokens and draw them too (marked)", "N" },
    { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &temperature, "--generate: sampling temperature (0: greedy)", "T" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &top_k, "--generate: sample among the K most likely tokens", "K" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "--generate: seed of the sampler (default 0)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- draw a view of a routing trace");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = NULL;
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyRouterSpec) spec = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autofree int32_t *ids = NULL;
  int n_ids = 0;
  SyExportFormat format;
  RenderJob job;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return sy_cli_error_from (error);
  if (argc > 1)
    return sy_cli_error ("render: unexpected argument '%s'", argv[1]);

  if (session_path != NULL)
    {
      saved = sy_cli_load_session (session_path, &model_path, &error);
      if (saved == NULL)
        return sy_cli_error ("render: %s", error->message);
      if (saved->trace != NULL && trace_path == NULL)
        trace_path = sy_session_file_resolve_trace (saved, session_path, FALSE);
      else if (text == NULL && ids_text == NULL && saved->trace == NULL)
        text = g_strdup (saved->text);
      if (router == NULL && g_strcmp0 (saved->router_a, "recorded") != 0)
        router = g_strdup (saved->router_a);
      /* compare mode is `compare --session`; here it draws A's heatmap */
      if (view_name == NULL && strcmp (saved->view, "compare") != 0)
        view_name = g_strdup (saved->view);
      if (token == G_MININT && saved->token >= 0)
        {
          token = saved->token;
          session_token = TRUE;
        }
      if (layer == G_MININT && saved->layer >= 0)
        {
          layer = saved->layer;
          session_layer = TRUE;
        }
      if (isnan (cell_width))
        cell_width = saved->heatmap_cell_width;
      if (out == NULL)
        {
          g_autofree char *stem = g_str_has_suffix (session_path, SY_SESSION_FILE_EXTENSION)
            ? g_strndup (session_path, strlen (session_path) - strlen (SY_SESSION_FILE_EXTENSION))
            : g_strdup (session_path);

          out = g_strconcat (stem, ".svg", NULL);
        }
    }
  if (token == G_MININT)
    token = -1;
  if (layer == G_MININT)
    layer = -1;
  if (isnan (cell_width))
    cell_width = 0;

  /* Check every option before the (slow) model load. */
  memset (&job, 0, sizeof job);
  if (view_name == NULL || strcmp (view_name, "heatmap") == 0)
    job.view = VIEW_HEATMAP;
  else if (strcmp (view_name, "strip") == 0)
    job.view = VIEW_STRIP;
  else if (strcmp (view_name, "inspector") == 0)
    job.view = VIEW_INSPECTOR;
  else if (strcmp (view_name, "summary") == 0)
    job.view = VIEW_SUMMARY;
  else if (strcmp (view_name, "expert") == 0)
    job.view = VIEW_EXPERT;
  else
    return sy_cli_error ("render: unknown view '%s' (use heatmap, strip, inspector, summary or expert)", view_name);
  if (job.view == VIEW_EXPERT && (layer < 0 || expert < 0))
    return sy_cli_error ("render: the expert view needs --layer L (a MoE layer) and --expert E");
  if (job.view != VIEW_EXPERT && (expert >= 0 || profile_path != NULL))
    return sy_cli_error ("render: --expert and --profile apply to the expert view only");

  sy_heatmap_options_init (&job.heatmap);
  sy_strip_options_init (&job.strip);
  sy_inspector_options_init (&job.inspector);
  sy_summary_options_init (&job.summary);
  /* the session's measure where the view has it (the window keeps one
   * measure for the heatmap and the strip, which know different ones) */
  if (measure == NULL && saved != NULL)
    {
      SyHeatmapMeasure heatmap_measure;
      SyStripMeasure strip_measure;
      int gate = 0;

      if ((job.view == VIEW_HEATMAP && sy_heatmap_measure_parse (saved->measure, &heatmap_measure, &gate, NULL)) ||
          (job.view == VIEW_STRIP && sy_strip_measure_parse (saved->measure, &strip_measure, NULL)))
        measure = g_strdup (saved->measure);
    }
  if (measure != NULL)
    {
      if (job.view == VIEW_HEATMAP)
        {
          if (!sy_heatmap_measure_parse (measure, &job.heatmap.measure, &job.heatmap.gate_expert, &error))
            return sy_cli_error ("render: %s", error->message);
        }
      else if (job.view == VIEW_STRIP)
        {
          if (!sy_strip_measure_parse (measure, &job.strip.measure, &error))
            return sy_cli_error ("render: %s", error->message);
        }
      else
        return sy_cli_error ("render: --measure applies to the heatmap and strip views only");
    }
  if (style_name == NULL)
    sy_render_style_init_light (&job.style);
  else if (!sy_render_style_init_named (&job.style, style_name))
    return sy_cli_error ("render: unknown style '%s' (use light or dark)", style_name);
  if (width == 0)
    width = 1200;
  if (width < 50 || (height != 0 && height < 50) || width > 20000 || height > 20000)
    return sy_cli_error ("render: picture size %d × %d out of range (50 to 20000)", width, height);
  if (!(scale > 0 && scale <= 8))
    return sy_cli_error ("render: --scale %g out of range (0 to 8)", scale);
  if (cell_width < 0 || cell_width > 1000)
    return sy_cli_error ("render: --cell-width %g out of range", cell_width);
  if (generate < 0 || generate > 100000)
    return sy_cli_error ("render: --generate %d out of range (0 to 100000)", generate);
  if (!isfinite (temperature) || temperature < 0 || temperature > 100)
    return sy_cli_error ("render: --temperature %g out of range (0 to 100)", temperature);
  if (top_k < 0 || seed < 0)
    return sy_cli_error ("render: --top-k and --seed must not be negative");
  if (out == NULL)
    return sy_cli_error ("render: --out FILE.svg|.png|.pdf is required");
  if (!sy_export_format_from_path (out, &format, &error))
    return sy_cli_error ("render: %s", error->message);
  if (profile_path != NULL)
    {
      profile = sy_profile_read_expert (profile_path, NULL, layer, expert, &error);
      if (profile == NULL)
        return sy_cli_error ("render: --profile: %s", error->message);
      job.profile = profile;
      job.expert_layer = layer;
      job.expert = expert;
    }
  /* a card from the profile alone: no model to run */
  if (profile != NULL && text == NULL && ids_text == NULL && model_path == NULL && trace_path == NULL)
    {
      if (!sy_render_to_file (out, width, height ? height : 720, scale, draw_job, &job, &error))
        return sy_cli_error_from (error);
      return 0;
    }
  if (trace_path != NULL && (text || ids_text || model_path || (session_path && saved->trace == NULL)))
    return sy_cli_error ("render: --trace takes no --model, --text, --ids or --session "
                         "(the trace holds the run)");
  if (trace_path == NULL && (text == NULL) == (ids_text == NULL))
    return sy_cli_error ("render: give exactly one of --text TEXT and --ids 1,2,3");
  if (router != NULL)
    {
      spec = sy_cli_parse_router (router, &error);
      if (spec == NULL)
        return sy_cli_error ("render: --router: %s", error->message);
    }
  if (ids_text != NULL)
    {
      g_autofree int32_t *check = sy_cli_parse_ids (ids_text, &n_ids, &error);

      if (check == NULL)
        return sy_cli_error ("render: %s", error->message);
    }

  if (trace_path != NULL)
    {
      g_autoptr (SyTraceFile) tf = sy_trace_file_load (trace_path, &error);

      if (tf == NULL)
        return sy_cli_error_from (error);
      trace = sy_trace_file_apply (tf, spec, &error);
      if (trace == NULL)
        return sy_cli_error ("render: %s", error->message);
      goto draw;
    }

  model = sy_cli_load_model (model_path, &error);
  if (model == NULL)
    return sy_cli_error_from (error);
  ids = sy_cli_input_ids (model, text, ids_text, &n_ids, &error);
  if (ids == NULL)
    return sy_cli_error ("render: %s", error->message);
  {
    int vocab = sy_model_get_info (model)->vocab_size;

    for (int i = 0; i < n_ids; i++)
      if (ids[i] >= vocab)
        return sy_cli_error ("render: token id %d out of the vocabulary (%d ids)", ids[i], vocab);
  }

  session = sy_session_new (model);
  if (!sy_session_set_router (session, spec, &error))
    return sy_cli_error_from (error);
  /* The session names the tokens with the model's tokenizer. */
  if (generate > 0)
    {
      SySampling sampling = { .temperature = temperature, .top_k = top_k, .seed = (guint64) seed };

      sy_session_set_extend_native (session, TRUE);
      trace = sy_generate (session, ids, n_ids, generate, &sampling,
                           sy_model_get_info (model)->eos_token_ids,
                           sy_model_get_info (model)->n_eos_token_ids, NULL, NULL, NULL, &error);
    }
  else
    trace = sy_session_run (session, ids, n_ids, NULL, NULL, &error);
  if (trace == NULL)
    return sy_cli_error_from (error);
  if (generate > 0 && trace->n_tokens > n_ids)
    {
      job.heatmap.generated_from = n_ids;
      job.strip.generated_from = n_ids;
    }

draw:
  /* a selection saved with the session that this text does not have: none */
  if (session_token && token >= trace->n_tokens)
    token = -1;
  if (session_layer && layer >= trace->n_moe_layers)
    layer = -1;
  if (token >= trace->n_tokens || token < -1)
    return sy_cli_error ("render: --token %d out of range (the text has %d tokens)", token, trace->n_tokens);
  if (layer >= trace->n_moe_layers || layer < -1)
    return sy_cli_error ("render: --layer %d out of range (the model has %d MoE layers)", layer, trace->n_moe_layers);
  if (job.view == VIEW_EXPERT && expert >= trace->n_experts)
    return sy_cli_error ("render: --expert %d out of range (the model has %d experts)", expert, trace->n_experts);
  if (job.heatmap.measure == SY_HEATMAP_GATE && job.heatmap.gate_expert >= trace->n_experts)
    return sy_cli_error ("render: gate:%d: the model has %d experts", job.heatmap.gate_expert, trace->n_experts);

  job.trace = trace;
  job.heatmap.selected_token = token;
  job.heatmap.selected_layer = layer;
  job.heatmap.cell_width = cell_width;
  job.strip.selected_token = token;
  job.inspector.token = MAX (token, 0);
  job.inspector.layer = MAX (layer, 0);
  job.expert_layer = layer;
  job.expert = expert;

  /* Without --height: as tall as the picture needs, no empty band */
  if (height == 0)
    {
      if (job.view == VIEW_HEATMAP)
        height = (int) CLAMP (sy_heatmap_natural_height (trace, &job.heatmap, &job.style, width), 200, 20000);
      else if (job.view == VIEW_STRIP)
        height = (int) CLAMP (sy_strip_natural_height (trace, &job.strip, &job.style, width), 120, 20000);
      else if (job.view == VIEW_EXPERT)
        height = 720;
      else
        height = 600;
    }

  if (!sy_render_to_file (out, width, height, scale, draw_job, &job, &error))
    return sy_cli_error_from (error);
  return 0;
}
