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
#include "sy-format.h"
#include "sy-generate.h"
#include "sy-model.h"
#include "sy-render-export.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-trace-file.h"
#include "sy-views.h"

/* The command line; G_MININT, NAN: not given (the session's, else the
 * default). */
typedef struct
{
  char           *model_path;
  char           *text;
  char           *ids_text;
  char           *router;
  char           *view_name;
  char           *measure;
  char           *style_name;
  char           *out;
  char           *session_path;
  char           *profile_path;
  char           *trace_path;
  int             expert;
  int             token;
  int             layer;
  int             width;
  int             height;
  int             generate;
  int             top_k;
  double          temperature;
  gint64          seed;
  double          scale;
  double          cell_width;
  gboolean        session_token;   /* the selection is the session's */
  gboolean        session_layer;
  SySessionFile  *saved;
  GOptionEntry   *entries;         /* the options, which own the strings above */
} RenderArgs;

static void
render_args_clear (RenderArgs *args)
{
  if (args->entries != NULL)
    sy_cli_free_options (args->entries);
  g_free (args->entries);
  g_clear_pointer (&args->saved, sy_session_file_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RenderArgs, render_args_clear)

/* What is drawn: a view of the table with its options. */
typedef struct
{
  const SyViewInfo *view;
  const SyTrace    *trace;
  SyRenderStyle     style;
  SyViewOptions     opts;
} RenderJob;

static void
draw_job (cairo_t  *cr,
          double    width,
          double    height,
          gpointer  user_data)
{
  RenderJob *job = user_data;

  job->view->render (&(SyViewFrame) { job->trace, &job->opts, { cr, &job->style, width, height } });
}

static gboolean
parse_args (RenderArgs  *args,
            int         *argc,
            char      ***argv,
            GError     **error)
{
  GOptionEntry entries[] = {
    { "session", 's', 0, G_OPTION_ARG_FILENAME, &args->session_path,
      "Session file (.switchyard): model, text, router, view, measure, token, zoom; "
      "other options override it; --out defaults to FILE.svg beside it", "FILE" },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &args->trace_path,
      "Draw a recorded trace file (no model; --router re-applies a policy to it)", "FILE" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &args->model_path,
      "Model folder or .gguf file (a split one by any part)", "M" },
    { "text", 't', 0, G_OPTION_ARG_STRING, &args->text, "Text to run (tokenized with special tokens)", "TEXT" },
    { "ids", 0, 0, G_OPTION_ARG_STRING, &args->ids_text, "Token ids instead of a text", "1,2,3" },
    { "router", 'r', 0, G_OPTION_ARG_STRING, &args->router, "Routing policy SPEC (default native)", "SPEC" },
    { "view", 'v', 0, G_OPTION_ARG_STRING, &args->view_name, "heatmap, strip, inspector, summary or expert", "VIEW" },
    { "expert", 'e', 0, G_OPTION_ARG_INT, &args->expert, "expert: the expert of --layer whose card is drawn", "E" },
    { "profile", 'p', 0, G_OPTION_ARG_FILENAME, &args->profile_path,
      "expert: a profile folder (or its profile.json) for the corpus half of the card", "DIR" },
    { "measure", 0, 0, G_OPTION_ARG_STRING, &args->measure,
      "heatmap: k|importance|expert|entropy|depth|gate:E; strip: k|importance|depth|surprisal", "MEASURE" },
    { "token", 0, 0, G_OPTION_ARG_INT, &args->token, "Token selected (inspector: inspected, default 0)", "I" },
    { "layer", 0, 0, G_OPTION_ARG_INT, &args->layer, "MoE layer selected (inspector: of the bar chart)", "L" },
    { "width", 'W', 0, G_OPTION_ARG_INT, &args->width, "Picture width (default 1200)", "W" },
    { "height", 'H', 0, G_OPTION_ARG_INT, &args->height,
      "Picture height (default: what heatmap and strip need, 600 for the others)", "H" },
    { "cell-width", 0, 0, G_OPTION_ARG_DOUBLE, &args->cell_width, "heatmap: column width (default: fit)", "PX" },
    { "style", 0, 0, G_OPTION_ARG_STRING, &args->style_name, "light (default) or dark", "STYLE" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &args->scale, "PNG pixels per unit (2 for HiDPI)", "S" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &args->out, "Output file: .svg, .png or .pdf", "FILE" },
    { "generate", 0, 0, G_OPTION_ARG_INT, &args->generate,
      "Let the model continue the text by N tokens and draw them too (marked)", "N" },
    { "temperature", 0, 0, G_OPTION_ARG_DOUBLE, &args->temperature,
      "--generate: sampling temperature (0: greedy)", "T" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &args->top_k, "--generate: sample among the K most likely tokens", "K" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &args->seed, "--generate: seed of the sampler (default 0)", "S" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- draw a view of a routing trace");

  args->expert = -1;
  args->token = args->layer = G_MININT;
  args->scale = 1;
  args->cell_width = NAN;
  args->entries = g_memdup2 (entries, sizeof entries);
  g_option_context_add_main_entries (context, entries, NULL);
  return g_option_context_parse (context, argc, argv, error);
}

/* --session: what the options do not give comes from the saved session. */
static gboolean
apply_session (RenderArgs  *args,
               GError     **error)
{
  SySessionFile *saved;

  args->saved = saved = sy_cli_load_session (args->session_path, &args->model_path, error);
  if (saved == NULL)
    return FALSE;
  if (saved->trace != NULL && args->trace_path == NULL)
    args->trace_path = sy_session_file_resolve_trace (saved, args->session_path, FALSE);
  else if (args->text == NULL && args->ids_text == NULL && saved->trace == NULL)
    args->text = g_strdup (saved->text);
  if (args->router == NULL && g_strcmp0 (saved->router_a, "recorded") != 0)
    args->router = g_strdup (saved->router_a);
  /* compare mode is `compare --session`; here it draws A's heatmap */
  if (args->view_name == NULL && strcmp (saved->view, "compare") != 0)
    args->view_name = g_strdup (saved->view);
  if (args->token == G_MININT && saved->token >= 0)
    {
      args->token = saved->token;
      args->session_token = TRUE;
    }
  if (args->layer == G_MININT && saved->layer >= 0)
    {
      args->layer = saved->layer;
      args->session_layer = TRUE;
    }
  if (isnan (args->cell_width))
    args->cell_width = saved->heatmap_cell_width;
  if (args->out == NULL)
    {
      g_autofree char *stem = sy_strip_suffix (args->session_path, SY_SESSION_FILE_EXTENSION);

      args->out = g_strconcat (stem, ".svg", NULL);
    }
  return TRUE;
}

/* The view and its measure: the option's, else the session's where the
 * view has it (the window keeps one measure for the heatmap and the
 * strip, which know different ones). */
static int
choose_view (RenderArgs *args,
             RenderJob  *job)
{
  g_autoptr (GError) error = NULL;

  job->view = sy_view_lookup (args->view_name ? args->view_name : "heatmap");
  if (job->view == NULL || !(job->view->flags & SY_VIEW_RENDER))
    {
      g_autofree char *names = sy_view_names (SY_VIEW_RENDER);

      return sy_cli_error ("render: unknown view '%s' (use %s)", args->view_name, names);
    }
  if (g_str_equal (job->view->name, "expert") && (args->layer < 0 || args->expert < 0))
    return sy_cli_error ("render: the expert view needs --layer L (a MoE layer) and --expert E");
  if (!g_str_equal (job->view->name, "expert") && (args->expert >= 0 || args->profile_path != NULL))
    return sy_cli_error ("render: --expert and --profile apply to the expert view only");

  sy_view_options_init (&job->opts);
  if (args->measure == NULL && args->saved != NULL && job->view->set_measure != NULL)
    {
      SyViewOptions scratch = job->opts;

      if (job->view->set_measure (&scratch, args->saved->measure, NULL))
        args->measure = g_strdup (args->saved->measure);
    }
  if (args->measure != NULL)
    {
      if (job->view->set_measure == NULL)
        return sy_cli_error ("render: --measure applies to the heatmap and strip views only");
      if (!job->view->set_measure (&job->opts, args->measure, &error))
        return sy_cli_error ("render: %s", error->message);
    }
  return 0;
}

/* Checks every option before the (slow) model load. */
static int
check_args (RenderArgs *args,
            RenderJob  *job)
{
  int status = choose_view (args, job);

  if (status != 0)
    return status;
  if (args->style_name == NULL)
    sy_render_style_init_light (&job->style);
  else if (!sy_render_style_init_named (&job->style, args->style_name))
    return sy_cli_error ("render: unknown style '%s' (use light or dark)", args->style_name);
  if (args->width == 0)
    args->width = 1200;
  if (args->width < 50 || (args->height != 0 && args->height < 50) || args->width > 20000 || args->height > 20000)
    return sy_cli_error ("render: picture size %d × %d out of range (50 to 20000)", args->width, args->height);
  if (!(args->scale > 0 && args->scale <= 8))
    return sy_cli_error ("render: --scale %g out of range (0 to 8)", args->scale);
  if (args->cell_width < 0 || args->cell_width > 1000)
    return sy_cli_error ("render: --cell-width %g out of range", args->cell_width);
  if (args->generate < 0 || args->generate > 100000)
    return sy_cli_error ("render: --generate %d out of range (0 to 100000)", args->generate);
  if (!isfinite (args->temperature) || args->temperature < 0 || args->temperature > 100)
    return sy_cli_error ("render: --temperature %g out of range (0 to 100)", args->temperature);
  if (args->top_k < 0 || args->seed < 0)
    return sy_cli_error ("render: --top-k and --seed must not be negative");
  if (args->out == NULL)
    return sy_cli_error ("render: --out FILE.svg|.png|.pdf is required");
  return 0;
}

/* Checks what the run needs: a trace file, or a text or ids for a model. */
static int
check_input (RenderArgs     *args,
             SyRouterSpec  **spec)
{
  g_autoptr (GError) error = NULL;

  if (args->trace_path != NULL && (args->text || args->ids_text || args->model_path ||
                                   (args->session_path && args->saved->trace == NULL)))
    return sy_cli_error ("render: --trace takes no --model, --text, --ids or --session "
                         "(the trace holds the run)");
  if (args->trace_path == NULL && (args->text == NULL) == (args->ids_text == NULL))
    return sy_cli_error ("render: give exactly one of --text TEXT and --ids 1,2,3");
  if (args->router != NULL && (*spec = sy_cli_parse_router (args->router, &error)) == NULL)
    return sy_cli_error ("render: --router: %s", error->message);
  if (args->ids_text != NULL)
    {
      int n_ids = 0;
      g_autofree int32_t *check = sy_cli_parse_ids (args->ids_text, &n_ids, &error);

      if (check == NULL)
        return sy_cli_error ("render: %s", error->message);
    }
  return 0;
}

/* Runs the text through the model (continued by --generate tokens, which
 * the heatmap and the strip mark). */
static int
run_model (RenderArgs    *args,
           SyRouterSpec  *spec,
           RenderJob     *job,
           SyTrace      **trace)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_cli_load_model (args->model_path, SY_MODEL_LOAD_DEFAULT, &error);
  g_autoptr (SySession) session = NULL;
  g_autofree int32_t *ids = NULL;
  int n_ids = 0, vocab;

  if (model == NULL)
    return sy_cli_error_from (error);
  ids = sy_cli_input_ids (model, args->text, args->ids_text, &n_ids, &error);
  if (ids == NULL)
    return sy_cli_error ("render: %s", error->message);
  vocab = sy_model_get_info (model)->vocab_size;
  for (int i = 0; i < n_ids; i++)
    if (ids[i] >= vocab)
      return sy_cli_error ("render: token id %d out of the vocabulary (%d ids)", ids[i], vocab);

  session = sy_session_new (model);
  if (!sy_session_set_router (session, spec, &error))
    return sy_cli_error_from (error);
  /* The session names the tokens with the model's tokenizer. */
  if (args->generate > 0)
    {
      SySampling sampling = { .temperature = args->temperature, .top_k = args->top_k, .seed = (guint64) args->seed };
      const SyModelInfo *info = sy_model_get_info (model);
      SyGenerateRequest request = { .prompt = ids, .n_prompt = n_ids, .max_new = args->generate,
                                    .sampling = &sampling, .eos_ids = info->eos_token_ids,
                                    .n_eos = info->n_eos_token_ids };

      sy_session_set_extend_native (session, TRUE);
      *trace = sy_generate (session, &request, NULL, &error);
    }
  else
    *trace = sy_session_run (session, ids, n_ids, NULL, NULL, &error);
  if (*trace == NULL)
    return sy_cli_error_from (error);
  if (args->generate > 0 && (*trace)->n_tokens > n_ids)
    sy_view_options_set_marks (&job->opts, n_ids, 0);
  return 0;
}

static int
load_trace (RenderArgs    *args,
            SyRouterSpec  *spec,
            SyTrace      **trace)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) tf = sy_trace_file_load (args->trace_path, &error);

  if (tf == NULL)
    return sy_cli_error_from (error);
  *trace = sy_trace_file_apply (tf, spec, &error);
  if (*trace == NULL)
    return sy_cli_error ("render: %s", error->message);
  return 0;
}

/* The selection, checked against the trace, into the view's options. */
static int
select_in (RenderArgs    *args,
           const SyTrace *trace,
           RenderJob     *job)
{
  /* a selection saved with the session that this text does not have: none */
  if (args->session_token && args->token >= trace->n_tokens)
    args->token = -1;
  if (args->session_layer && args->layer >= trace->n_moe_layers)
    args->layer = -1;
  if (args->token >= trace->n_tokens || args->token < -1)
    return sy_cli_error ("render: --token %d out of range (the text has %d tokens)", args->token, trace->n_tokens);
  if (args->layer >= trace->n_moe_layers || args->layer < -1)
    return sy_cli_error ("render: --layer %d out of range (the model has %d MoE layers)",
                         args->layer, trace->n_moe_layers);
  if (g_str_equal (job->view->name, "expert") && args->expert >= trace->n_experts)
    return sy_cli_error ("render: --expert %d out of range (the model has %d experts)",
                         args->expert, trace->n_experts);
  if (job->opts.heatmap.measure == SY_HEATMAP_GATE && job->opts.heatmap.gate_expert >= trace->n_experts)
    return sy_cli_error ("render: gate:%d: the model has %d experts", job->opts.heatmap.gate_expert,
                         trace->n_experts);

  job->trace = trace;
  if (job->view->select)
    job->view->select (&job->opts, args->token, args->layer);
  job->opts.heatmap.cell_width = args->cell_width;
  job->opts.expert_layer = args->layer;
  job->opts.expert = args->expert;
  return 0;
}

static int
draw (RenderArgs *args,
      RenderJob  *job)
{
  g_autoptr (GError) error = NULL;
  int height = args->height;

  /* Without --height: as tall as the picture needs, no empty band */
  if (height == 0 && job->view->natural_height)
    height = (int) CLAMP (job->view->natural_height (&(SyViewFrame) { job->trace, &job->opts,
                                                                      { NULL, &job->style, args->width, 0 } }),
                          job->view->min_height, 20000);
  else if (height == 0)
    height = job->view->default_height;
  if (!sy_render_to_file (args->out, args->width, height, args->scale, draw_job, job, &error))
    return sy_cli_error_from (error);
  return 0;
}

int
sy_cli_render (int    argc,
               char **argv)
{
  g_auto (RenderArgs) args = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autoptr (SyProfileExpert) profile = NULL;
  SyExportFormat format;
  RenderJob job = { 0 };
  int status;

  if (!parse_args (&args, &argc, &argv, &error))
    return sy_cli_error_from (error);
  if (argc > 1)
    return sy_cli_error ("render: unexpected argument '%s'", argv[1]);
  if (args.session_path != NULL && !apply_session (&args, &error))
    return sy_cli_error ("render: %s", error->message);
  if (args.token == G_MININT)
    args.token = -1;
  if (args.layer == G_MININT)
    args.layer = -1;
  if (isnan (args.cell_width))
    args.cell_width = 0;
  if ((status = check_args (&args, &job)) != 0)
    return status;
  if (!sy_export_format_from_path (args.out, &format, &error))
    return sy_cli_error ("render: %s", error->message);
  if (args.profile_path != NULL)
    {
      profile = sy_profile_read_expert (args.profile_path, NULL, args.layer, args.expert, &error);
      if (profile == NULL)
        return sy_cli_error ("render: --profile: %s", error->message);
      job.opts.profile = profile;
      job.opts.expert_layer = args.layer;
      job.opts.expert = args.expert;
    }
  /* a card from the profile alone: no model to run */
  if (profile != NULL && !args.text && !args.ids_text && !args.model_path && !args.trace_path)
    {
      args.height = args.height ? args.height : 720;
      return draw (&args, &job);
    }
  if ((status = check_input (&args, &spec)) != 0)
    return status;
  status = args.trace_path ? load_trace (&args, spec, &trace) : run_model (&args, spec, &job, &trace);
  if (status != 0)
    return status;
  if ((status = select_in (&args, trace, &job)) != 0)
    return status;
  return draw (&args, &job);
}
