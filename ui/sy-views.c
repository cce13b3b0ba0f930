/* sy-views.c: the views and measures, as data
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sy-views.h"

/* Heatmap */

static gboolean
heatmap_set_measure (SyViewOptions  *opts,
                     const char     *measure,
                     GError        **error)
{
  return sy_heatmap_measure_parse (measure, &opts->heatmap.measure, &opts->heatmap.gate_expert, error);
}

static void
heatmap_select (SyViewOptions *opts,
                int            token,
                int            layer)
{
  opts->heatmap.selected_token = token;
  opts->heatmap.selected_layer = layer;
}

static double
heatmap_natural_height (const SyViewFrame *f)
{
  return sy_heatmap_natural_height (&f->target, f->trace, &f->opts->heatmap);
}

static void
heatmap_render (const SyViewFrame *f)
{
  sy_heatmap_render (&f->target, f->trace, &f->opts->heatmap);
}

static gboolean
heatmap_hit (const SyViewFrame *f,
             const double       point[2],
             int                cell[2])
{
  SyHeatmapLayout layout;

  sy_heatmap_layout (&f->target, f->trace, &f->opts->heatmap, &layout);
  return sy_heatmap_hit (&layout, point[0], point[1], &cell[0], &cell[1]);
}

static char *
heatmap_tooltip (const SyViewFrame *f,
                 const double       point[2])
{
  const SyTrace *trace = f->trace;
  int cell[2];

  if (!heatmap_hit (f, point, cell))
    return NULL;
  if (cell[0] < 0)
    return g_strdup_printf (_("Token %d “%s” (id %d)"), cell[1],
                            trace->token_text[cell[1]] ? trace->token_text[cell[1]] : "", trace->ids[cell[1]]);
  return sy_heatmap_describe_cell (trace, &f->opts->heatmap, cell[0], cell[1]);
}

/* Token strip */

static gboolean
strip_set_measure (SyViewOptions  *opts,
                   const char     *measure,
                   GError        **error)
{
  return sy_strip_measure_parse (measure, &opts->strip.measure, error);
}

static void
strip_select (SyViewOptions *opts,
              int            token,
              int            layer)
{
  opts->strip.selected_token = token;
}

static double
strip_natural_height (const SyViewFrame *f)
{
  return sy_strip_natural_height (&f->target, f->trace, &f->opts->strip);
}

static void
strip_render (const SyViewFrame *f)
{
  sy_strip_render (&f->target, f->trace, &f->opts->strip);
}

static gboolean
strip_hit (const SyViewFrame *f,
           const double       point[2],
           int                cell[2])
{
  g_autoptr (SyStripLayout) layout = sy_strip_layout_new (&f->target, f->trace, &f->opts->strip);

  cell[0] = -1;
  cell[1] = sy_strip_hit (layout, point[0], point[1]);
  return cell[1] >= 0;
}

static char *
strip_tooltip (const SyViewFrame *f,
               const double       point[2])
{
  int cell[2];

  if (!strip_hit (f, point, cell))
    return NULL;
  return sy_strip_describe (f->trace, cell[1]);
}

/* Token inspector */

static void
inspector_select (SyViewOptions *opts,
                  int            token,
                  int            layer)
{
  opts->inspector.token = MAX (token, 0);
  opts->inspector.layer = MAX (layer, 0);
}

static void
inspector_render (const SyViewFrame *f)
{
  sy_inspector_render (&f->target, f->trace, &f->opts->inspector);
}

/* A row of the grid picks the layer of the bar chart. */
static gboolean
inspector_hit (const SyViewFrame *f,
               const double       point[2],
               int                cell[2])
{
  SyInspectorLayout layout;
  int expert;

  sy_inspector_layout (&f->target, f->trace, &f->opts->inspector, &layout);
  cell[1] = -1;
  return sy_inspector_hit_grid (&layout, point[0], point[1], &cell[0], &expert);
}

static char *
inspector_tooltip (const SyViewFrame *f,
                   const double       point[2])
{
  const SyTrace *trace = f->trace;
  SyInspectorLayout layout;
  int layer, expert, rank;

  sy_inspector_layout (&f->target, trace, &f->opts->inspector, &layout);
  if (sy_inspector_hit_grid (&layout, point[0], point[1], &layer, &expert))
    {
      const SyTraceLayer *l = &trace->layers[layer];
      int i = sy_trace_index (trace, layout.token, expert);
      gboolean chosen = sy_inspector_is_chosen (trace, layer, layout.token, expert);
      g_autofree char *status = NULL;
      double w = 0;

      for (int j = 0; chosen && j < l->k[layout.token]; j++)
        if (l->experts[sy_trace_index (trace, layout.token, j)] == expert)
          w = l->weights[sy_trace_index (trace, layout.token, j)];
      status = chosen ? g_strdup_printf (_("chosen, weight %.4f"), w) : g_strdup (_("not chosen"));
      return g_strdup_printf (_("Layer L%d, expert %d\nπ = %.4f · logit = %.4f\n%s"),
                              l->layer, expert, l->probs[i], l->logits[i], status);
    }
  rank = sy_inspector_hit_bar (&layout, point[0], point[1]);
  if (rank >= 0)
    {
      g_autofree int *order = g_new (int, trace->n_experts);
      const SyTraceLayer *l = &trace->layers[layout.layer];
      double cum = 0;

      sy_inspector_sorted (trace, layout.layer, layout.token, order);
      for (int r = 0; r <= rank; r++)
        cum += l->probs[sy_trace_index (trace, layout.token, order[r])];
      return g_strdup_printf (_("Rank %d: expert %d\nπ = %.4f · cumulative = %.4f%s"), rank + 1, order[rank],
                              l->probs[sy_trace_index (trace, layout.token, order[rank])], cum,
                              sy_inspector_is_chosen (trace, layout.layer, layout.token, order[rank])
                              ? _(" · chosen") : "");
    }
  return NULL;
}

/* Summary */

static void
summary_render (const SyViewFrame *f)
{
  sy_summary_render (&f->target, f->trace, &f->opts->summary);
}

/* A bar of a per-layer chart picks its layer. */
static gboolean
summary_hit (const SyViewFrame *f,
             const double       point[2],
             int                cell[2])
{
  SySummaryLayout layout;
  SySummaryChartId chart;

  sy_summary_layout (&f->target, f->trace, &f->opts->summary, &layout);
  cell[1] = -1;
  return sy_summary_hit (&layout, point[0], point[1], &chart, &cell[0]) && chart != SY_SUMMARY_CHART_LOAD;
}

static char *
summary_tooltip (const SyViewFrame *f,
                 const double       point[2])
{
  const SyTrace *trace = f->trace;
  SySummaryLayout layout;
  SySummaryChartId chart;
  int index;

  sy_summary_layout (&f->target, trace, &f->opts->summary, &layout);
  if (!sy_summary_hit (&layout, point[0], point[1], &chart, &index))
    return NULL;
  switch (chart)
    {
    case SY_SUMMARY_CHART_AVG_K:
      return g_strdup_printf (_("Layer L%d: mean K = %.4f (budget %d)"), trace->layers[index].layer,
                              trace->layers[index].avg_k, trace->layers[index].budget);
    case SY_SUMMARY_CHART_LOAD:
      {
        g_autofree double *load = g_new0 (double, trace->n_experts);
        double total = 0;

        sy_summary_expert_load (trace, load);
        for (int e = 0; e < trace->n_experts; e++)
          total += load[e];
        return g_strdup_printf (_("Expert %d: %.0f token-layer routings (%.2f%% of all)"), index, load[index],
                                total > 0 ? 100 * load[index] / total : 0);
      }
    case SY_SUMMARY_CHART_TIME:
    case SY_SUMMARY_N_CHARTS:
    default:
      return g_strdup_printf (_("Layer L%d: %.3f ms"), trace->layers[index].layer, trace->layers[index].time_s * 1000);
    }
}

/* Expert card */

static void
expert_render (const SyViewFrame *f)
{
  const SyViewOptions *o = f->opts;

  sy_expert_render (&f->target, f->trace, o->expert_layer, o->expert, o->profile);
}

static const SyViewInfo views[] = {
  { "heatmap", N_("Heatmap"), SY_VIEW_WINDOW | SY_VIEW_PAGE | SY_VIEW_RENDER | SY_VIEW_MEASURE, 600,
    heatmap_set_measure, heatmap_select, heatmap_natural_height, 200, heatmap_render, heatmap_hit, heatmap_tooltip },
  { "strip", N_("Token strip"), SY_VIEW_WINDOW | SY_VIEW_RENDER | SY_VIEW_MEASURE, 600,
    strip_set_measure, strip_select, strip_natural_height, 120, strip_render, strip_hit, strip_tooltip },
  { "inspector", N_("Inspector"), SY_VIEW_WINDOW | SY_VIEW_PAGE | SY_VIEW_RENDER, 600,
    NULL, inspector_select, NULL, 0, inspector_render, inspector_hit, inspector_tooltip },
  { "summary", N_("Summary"), SY_VIEW_WINDOW | SY_VIEW_PAGE | SY_VIEW_RENDER, 600,
    NULL, NULL, NULL, 0, summary_render, summary_hit, summary_tooltip },
  { "expert", N_("Expert card"), SY_VIEW_RENDER, 720,
    NULL, NULL, NULL, 0, expert_render, NULL, NULL },
  /* configuration A against B: `switchyard-cli compare` draws it */
  { "compare", N_("Compare"), SY_VIEW_WINDOW | SY_VIEW_PAGE, 800, NULL, NULL, NULL, 0, NULL, NULL, NULL },
};

static const SyMeasureInfo measures[] = {
  { "k", N_("Experts (K)"), "k", "k" },
  { "importance", N_("Importance"), "importance", "importance" },
  { "expert", N_("Top expert"), "expert", NULL },
  { "entropy", N_("Router entropy"), "entropy", NULL },
  { "depth", N_("Depth (shallow/deep)"), "depth", "depth" },
  { "surprisal", N_("Surprisal (NLL)"), NULL, "surprisal" },
  { "gate", N_("Gate weight of expert…"), "gate", NULL },
};

const SyViewInfo *
sy_views (guint *n_views)
{
  *n_views = G_N_ELEMENTS (views);
  return views;
}

const SyViewInfo *
sy_view_lookup (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (views); i++)
    if (strcmp (views[i].name, name) == 0)
      return &views[i];
  return NULL;
}

char *
sy_view_names (SyViewFlags flags)
{
  GString *s = g_string_new (NULL);
  guint n = 0, seen = 0;

  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    n += (views[i].flags & flags) == flags;
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    if ((views[i].flags & flags) == flags)
      {
        if (seen > 0)
          g_string_append (s, seen + 1 == n ? " or " : ", ");
        g_string_append (s, views[i].name);
        seen++;
      }
  return g_string_free (s, FALSE);
}

void
sy_view_options_init (SyViewOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  sy_heatmap_options_init (&opts->heatmap);
  sy_strip_options_init (&opts->strip);
  sy_inspector_options_init (&opts->inspector);
  sy_summary_options_init (&opts->summary);
  opts->expert_layer = -1;
  opts->expert = -1;
}

void
sy_view_options_set_marks (SyViewOptions *opts,
                           int            generated_from,
                           int            first_difference)
{
  opts->heatmap.generated_from = MAX (generated_from, 0);
  opts->heatmap.first_difference = MAX (first_difference, 0);
  opts->strip.generated_from = MAX (generated_from, 0);
  opts->strip.first_difference = MAX (first_difference, 0);
}

const SyMeasureInfo *
sy_measures (guint *n_measures)
{
  *n_measures = G_N_ELEMENTS (measures);
  return measures;
}

const SyMeasureInfo *
sy_measure_lookup (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (measures); i++)
    if (strcmp (measures[i].name, name) == 0)
      return &measures[i];
  return NULL;
}
