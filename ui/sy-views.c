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

/* Expert card */

static void
expert_render (const SyViewFrame *f)
{
  const SyViewOptions *o = f->opts;

  sy_expert_render (&f->target, f->trace, o->expert_layer, o->expert, o->profile);
}

static const SyViewInfo views[] = {
  { "heatmap", N_("Heatmap"), SY_VIEW_WINDOW | SY_VIEW_PAGE | SY_VIEW_RENDER | SY_VIEW_MEASURE, 600,
    heatmap_set_measure, heatmap_select, heatmap_natural_height, 200, heatmap_render, heatmap_hit },
  { "strip", N_("Token strip"), SY_VIEW_WINDOW | SY_VIEW_RENDER | SY_VIEW_MEASURE, 600,
    strip_set_measure, strip_select, strip_natural_height, 120, strip_render, strip_hit },
  { "inspector", N_("Inspector"), SY_VIEW_WINDOW | SY_VIEW_PAGE | SY_VIEW_RENDER, 600,
    NULL, inspector_select, NULL, 0, inspector_render, inspector_hit },
  { "summary", N_("Summary"), SY_VIEW_WINDOW | SY_VIEW_PAGE | SY_VIEW_RENDER, 600,
    NULL, NULL, NULL, 0, summary_render, summary_hit },
  { "expert", N_("Expert card"), SY_VIEW_RENDER, 720,
    NULL, NULL, NULL, 0, expert_render, NULL },
  /* configuration A against B: `switchyard-cli compare` draws it */
  { "compare", N_("Compare"), SY_VIEW_WINDOW | SY_VIEW_PAGE, 800, NULL, NULL, NULL, 0, NULL, NULL },
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
