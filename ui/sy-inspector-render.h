/* sy-inspector-render.h: the token inspector
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For one token: the layer × expert grid of router probabilities with the
 * chosen experts marked, and, for one layer, the probabilities sorted
 * descending as bars with their cumulative sum and the threshold p, so one
 * sees why K came out as it did.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "sy-render-style.h"
#include "sy-trace.h"

G_BEGIN_DECLS

typedef struct
{
  int          token;        /* the token inspected (clamped into range) */
  int          layer;        /* MoE layer of the bar chart (clamped) */
  double       p;            /* threshold line; NaN: p of a topp router SPEC, else none; < 0: none */
  int          max_bars;     /* most bars drawn; 0 = automatic */
  gboolean     show_title;
  const char  *title;        /* NULL: derived from the token */
} SyInspectorOptions;

typedef struct
{
  int    token;              /* after clamping */
  int    layer;
  int    n_rows;             /* MoE layers */
  int    n_cols;             /* experts */
  double grid_x, grid_y, cell_w, cell_h;
  double legend_x, legend_y, legend_w, legend_h;
  int    n_bars;
  double bars_x, bars_y, bars_w, bars_h;   /* plot area of the bar chart */
  double bar_w;              /* slot width of one bar */
  double vmax;               /* top of the probability colour scale */
  double p;                  /* threshold drawn, NaN when none */
} SyInspectorLayout;

void     sy_inspector_options_init (SyInspectorOptions       *opts);
void     sy_inspector_layout       (const SyRenderTarget     *target,
                                    const SyTrace            *trace,
                                    const SyInspectorOptions *opts,
                                    SyInspectorLayout        *layout);
/* The grid cell under (x, y); FALSE outside the grid. */
gboolean sy_inspector_hit_grid     (const SyInspectorLayout  *layout,
                                    double                    x,
                                    double                    y,
                                    int                      *moe_layer,
                                    int                      *expert);
/* The bar under (x, y) as its rank (0 = most probable); -1 when none. */
int      sy_inspector_hit_bar      (const SyInspectorLayout  *layout,
                                    double                    x,
                                    double                    y);
/* Experts of (token, layer) sorted by descending probability, ties to
 * the lower index; @order has n_experts entries. */
void     sy_inspector_sorted       (const SyTrace            *trace,
                                    int                       moe_layer,
                                    int                       token,
                                    int                      *order);
/* Whether @expert is among the chosen experts of (token, layer). */
gboolean sy_inspector_is_chosen    (const SyTrace            *trace,
                                    int                       moe_layer,
                                    int                       token,
                                    int                       expert);

void     sy_inspector_render       (const SyRenderTarget     *target,
                                    const SyTrace            *trace,
                                    const SyInspectorOptions *opts);

G_END_DECLS
