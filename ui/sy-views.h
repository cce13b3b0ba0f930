/* sy-views.h: the views and measures, as data
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One table says which views there are: their names (as the CLI's --view,
 * the window's stack pages and saved sessions spell them), titles,
 * renderers, hit tests, tooltips and heights; another the measures the window's
 * "Colour by" offers and which measure of the heatmap and of the strip
 * each one is.  `switchyard-cli render`, the window, the GTK views and
 * the tests all read them, so a view or measure is added here once.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "sy-expert-render.h"
#include "sy-heatmap-render.h"
#include "sy-inspector-render.h"
#include "sy-render-style.h"
#include "sy-strip-render.h"
#include "sy-summary-render.h"
#include "sy-trace.h"

G_BEGIN_DECLS

/* The options of every view that draws one trace, each view reading its
 * own part. */
typedef struct
{
  SyHeatmapOptions       heatmap;
  SyStripOptions         strip;
  SyInspectorOptions     inspector;
  SySummaryOptions       summary;
  int                    expert_layer;   /* the expert card's MoE layer */
  int                    expert;
  const SyProfileExpert *profile;        /* the card's corpus half, or NULL */
} SyViewOptions;

typedef enum
{
  SY_VIEW_PAGE    = 1 << 0,   /* a page of the window's view stack */
  SY_VIEW_RENDER  = 1 << 1,   /* drawn by `switchyard-cli render` */
  SY_VIEW_MEASURE = 1 << 2,   /* coloured by a measure (--measure) */
  SY_VIEW_WINDOW  = 1 << 3,   /* in the window: a page, or the strip above them */
} SyViewFlags;

/* Where a view is drawn: the trace, the options and the target (its cr
 * NULL where nothing is drawn, its style never NULL). */
typedef struct
{
  const SyTrace       *trace;
  const SyViewOptions *opts;
  SyRenderTarget       target;
} SyViewFrame;

typedef struct
{
  const char  *name;            /* "heatmap" */
  const char  *title;           /* "Heatmap", marked with N_() */
  SyViewFlags  flags;
  /* A picture's height where the view has no natural one. */
  int          default_height;
  /* Sets the view's measure by its name; NULL where it has none. */
  gboolean   (*set_measure)    (SyViewOptions     *opts,
                                const char        *measure,
                                GError           **error);
  /* Selects a token and a MoE layer (-1: none). */
  void       (*select)         (SyViewOptions     *opts,
                                int                token,
                                int                layer);
  /* The height the picture needs at the frame's width (no empty band);
   * NULL: the default height.  The result is at least min_height. */
  double     (*natural_height) (const SyViewFrame *frame);
  int          min_height;
  void       (*render)         (const SyViewFrame *frame);
  /* What a click at (x, y) selects: a MoE layer and a token, -1 for
   * "keeps the selected one"; FALSE for nothing.  NULL: no hit test. */
  gboolean   (*hit)            (const SyViewFrame *frame,
                                const double       point[2],
                                int                cell[2]);
  /* The tooltip at (x, y), with the exact numbers there, or NULL. */
  char      *(*tooltip)        (const SyViewFrame *frame,
                                const double       point[2]);
} SyViewInfo;

/* A measure of the window's "Colour by": the heatmap's and the strip's
 * measure of that name (NULL where the view has none: the strip then
 * keeps K, the heatmap its measure). */
typedef struct
{
  const char *name;             /* "k"; "gate" takes its expert as "gate:E" */
  const char *label;            /* "Experts (K)", marked with N_() */
  const char *heatmap;
  const char *strip;
} SyMeasureInfo;

/* Every view, in the order of the window's pages. */
const SyViewInfo    *sy_views             (guint               *n_views);
/* The view called @name, or NULL. */
const SyViewInfo    *sy_view_lookup       (const char          *name);
/* The names of the views with all of @flags, as "a, b or c" (free it). */
char                *sy_view_names        (SyViewFlags          flags);
/* Every view's options at their defaults, nothing selected. */
void                 sy_view_options_init (SyViewOptions       *opts);
/* Marks the tokens generated from @generated_from on and the first token
 * where two continuations differ (0, or negative: none) in every view
 * that shows them (the heatmap and the strip). */
void                 sy_view_options_set_marks (SyViewOptions  *opts,
                                                int             generated_from,
                                                int             first_difference);

/* Every measure of "Colour by", in its order. */
const SyMeasureInfo *sy_measures          (guint               *n_measures);
const SyMeasureInfo *sy_measure_lookup    (const char          *name);

G_END_DECLS
