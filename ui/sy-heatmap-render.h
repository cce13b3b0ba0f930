/* sy-heatmap-render.h: the layer × token heatmap
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Rows are MoE layers (L0 at the top), columns are tokens.  Each cell
 * shows one measure of the routing decision at that layer and token.
 * The same function paints the widget, the exported figure and the CLI's
 * picture; sy_heatmap_layout() gives the geometry for hit tests.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "sy-colormap.h"
#include "sy-render-style.h"
#include "sy-trace.h"

G_BEGIN_DECLS

typedef enum
{
  SY_HEATMAP_K,           /* number of experts chosen */
  SY_HEATMAP_IMPORTANCE,  /* da importance, [0, 1] */
  SY_HEATMAP_EXPERT,      /* top expert id (categorical) */
  SY_HEATMAP_ENTROPY,     /* router entropy H(π), nats */
  SY_HEATMAP_DEPTH,       /* adr: shallow / deep / none */
  SY_HEATMAP_GATE,        /* mixing weight of one expert (0 when not chosen) */
  SY_HEATMAP_N_MEASURES
} SyHeatmapMeasure;

typedef struct
{
  SyHeatmapMeasure measure;
  int              gate_expert;     /* expert for SY_HEATMAP_GATE */
  int              selected_token;  /* highlighted column, -1 for none */
  int              selected_layer;  /* highlighted MoE layer (row label and cell), -1 for none */
  double           cell_width;      /* column width; 0 = fit the text to the width */
  double           x_offset;        /* horizontal scroll of the grid, >= 0 */
  gboolean         show_title;
  gboolean         show_legend;
  gboolean         show_values;     /* numbers in cells when they fit */
  const char      *title;           /* NULL: derived from the measure, model and router */
  int              k_scale_max;     /* K measure: the scale reaches at least this K (0 = from the trace); compare views share one scale */
  int              generated_from;  /* tokens from this index on were generated (a line before it); 0 = none */
  int              first_difference; /* Compare: first token where two continuations differ (marked); 0 = none */
  gboolean         hide_token_axis; /* no token labels nor axis title (a heatmap stacked above another sharing its axis) */
  gboolean         legend_shared;   /* a heatmap beside shows the same colour scale: its room is kept (the grids
                                     * line up) but empty, except for categorical measures (their legends list
                                     * each trace's own experts) */
} SyHeatmapOptions;

typedef struct
{
  int    n_rows;          /* MoE layers */
  int    n_cols;          /* tokens */
  double cell_w;
  double cell_h;
  double grid_x;          /* visible grid area */
  double grid_y;
  double grid_w;
  double grid_h;
  double origin_x;        /* x of token 0's left edge (grid_x - x_offset) */
  double content_w;       /* n_cols * cell_w, for scrollbars */
  int    first_col;       /* visible columns, inclusive; last < first when none */
  int    last_col;
  double legend_x;        /* legend box */
  double legend_y;
  double legend_w;
  double legend_h;
  double label_h;         /* height of the token-label band under the grid */
  gboolean values_fit;    /* numbers drawn in cells */
} SyHeatmapLayout;

void         sy_heatmap_options_init  (SyHeatmapOptions       *opts);

/* "k", "importance", "expert", "entropy", "depth", "gate:E". */
gboolean     sy_heatmap_measure_parse (const char             *text,
                                       SyHeatmapMeasure       *measure,
                                       int                    *gate_expert,
                                       GError                **error);
/* Human title of the measure, e.g. "Experts per token (K)". */
char        *sy_heatmap_measure_title (const SyHeatmapOptions *opts);

/* The value of a cell (NaN when the policy did not compute it); for
 * SY_HEATMAP_EXPERT the top expert id, for DEPTH the SyDepth. */
double       sy_heatmap_value         (const SyTrace          *trace,
                                       const SyHeatmapOptions *opts,
                                       int                     moe_layer,
                                       int                     token);
/* Range of the continuous scale (for K, entropy, importance, gate). */
void         sy_heatmap_scale         (const SyTrace          *trace,
                                       const SyHeatmapOptions *opts,
                                       double                 *vmin,
                                       double                 *vmax);
/* The colour (and pattern) the renderer fills a cell with. */
SyPattern    sy_heatmap_cell_color    (const SyTrace          *trace,
                                       const SyHeatmapOptions *opts,
                                       int                     moe_layer,
                                       int                     token,
                                       SyColor                *out);
/* Tooltip text with exact numbers for a cell (Pango markup-free). */
char        *sy_heatmap_describe_cell (const SyTrace          *trace,
                                       const SyHeatmapOptions *opts,
                                       int                     moe_layer,
                                       int                     token);

/* The geometry of the picture sy_heatmap_render() draws on @target
 * (whose cr may be NULL). */
void         sy_heatmap_layout        (const SyRenderTarget   *target,
                                       const SyTrace          *trace,
                                       const SyHeatmapOptions *opts,
                                       SyHeatmapLayout        *layout);
/* The height at which the picture has no empty band at the bottom: the
 * rows at their largest and the legend whole (for export sizes), at
 * @target's width (its height is not read). */
double       sy_heatmap_natural_height (const SyRenderTarget  *target,
                                        const SyTrace         *trace,
                                        const SyHeatmapOptions *opts);
/* The cell rectangle (unclipped); FALSE when it is scrolled out of view. */
gboolean     sy_heatmap_cell_rect     (const SyHeatmapLayout  *layout,
                                       int                     moe_layer,
                                       int                     token,
                                       double                 *x,
                                       double                 *y,
                                       double                 *w,
                                       double                 *h);
/* The cell under (x, y); FALSE outside the visible grid.  A point on
 * the token labels under the grid gives the column and layer -1. */
gboolean     sy_heatmap_hit           (const SyHeatmapLayout  *layout,
                                       double                  x,
                                       double                  y,
                                       int                    *moe_layer,
                                       int                    *token);

void         sy_heatmap_render        (const SyRenderTarget   *target,
                                       const SyTrace          *trace,
                                       const SyHeatmapOptions *opts);

G_END_DECLS
