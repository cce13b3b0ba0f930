/* sy-summary-render.h: the summary of a run
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headline numbers (perplexity, average K, activated parameters and FLOPs
 * per token, time), then three charts: average K per layer with the
 * layer budgets, expert load (tokens routed to each expert, summed over
 * layers), and wall time per layer.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "sy-render-style.h"
#include "sy-trace.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean     show_title;
  const char  *title;        /* NULL: "Run summary" */
} SySummaryOptions;

typedef struct
{
  double x, y, w, h;         /* plot area (inside the axes) */
  double ox, oy, ow, oh;     /* the whole chart, title and labels included */
  int    n;                  /* bars */
} SySummaryChart;

typedef enum
{
  SY_SUMMARY_CHART_AVG_K,
  SY_SUMMARY_CHART_LOAD,
  SY_SUMMARY_CHART_TIME,
  SY_SUMMARY_N_CHARTS
} SySummaryChartId;

typedef struct
{
  double         headline_y;
  double         headline_h;
  SySummaryChart charts[SY_SUMMARY_N_CHARTS];
} SySummaryLayout;

void     sy_summary_options_init (SySummaryOptions       *opts);
void     sy_summary_layout       (const SyRenderTarget   *target,
                                  const SyTrace          *trace,
                                  const SySummaryOptions *opts,
                                  SySummaryLayout        *layout);
/* The chart and bar (layer, or expert for the load chart) under (x, y). */
gboolean sy_summary_hit          (const SySummaryLayout  *layout,
                                  double                  x,
                                  double                  y,
                                  SySummaryChartId       *chart,
                                  int                    *index);
/* Tokens routed to each expert, summed over MoE layers (n_experts). */
void     sy_summary_expert_load  (const SyTrace          *trace,
                                  double                 *load);

void     sy_summary_render       (const SyRenderTarget   *target,
                                  const SyTrace          *trace,
                                  const SySummaryOptions *opts);

G_END_DECLS
