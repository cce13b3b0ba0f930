/* sy-profile-render.h: the profiler's charts
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One function draws any chart of a SyProfile into a cairo_t of a given
 * size (screen, SVG, PNG and PDF alike, through sy_render_to_file()):
 * expert load per layer (layer × expert heatmap with each layer's
 * imbalance), the co-activation matrix of one layer, average K by layer,
 * by genre and by part of speech (grouped bars, one colour per router),
 * the router entropy histogram, perplexity per genre, the p-sweep
 * (average K vs perplexity, Pareto front, native point) and time per layer
 * by operation (stacked bars).  The dashboard composes them all.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "sy-profile.h"
#include "sy-render-style.h"

G_BEGIN_DECLS

typedef enum
{
  SY_PROFILE_CHART_LOAD,
  SY_PROFILE_CHART_COACTIVATION,
  SY_PROFILE_CHART_K_BY_LAYER,
  SY_PROFILE_CHART_K_BY_GENRE,
  SY_PROFILE_CHART_K_BY_POS,
  SY_PROFILE_CHART_ENTROPY,
  SY_PROFILE_CHART_PPL_BY_GENRE,
  SY_PROFILE_CHART_SWEEP,
  SY_PROFILE_CHART_TIME,
  SY_PROFILE_N_CHARTS
} SyProfileChart;

typedef struct
{
  int  run;         /* the run whose load, co-activation, entropy, time are drawn */
  int  layer;       /* MoE layer of the co-activation matrix */
  int  max_pos;     /* tags shown in K by POS (the most frequent); 0 = 16 */
} SyProfileRenderOptions;

void         sy_profile_render_options_init (SyProfileRenderOptions       *opts);

/* "load", "coactivation", "k-layer", "k-genre", "k-pos", "entropy",
 * "ppl-genre", "sweep", "time"; and back (FALSE when unknown). */
const char  *sy_profile_chart_name     (SyProfileChart                chart);
const char  *sy_profile_chart_title    (SyProfileChart                chart);
gboolean     sy_profile_chart_from_name (const char                  *name,
                                        SyProfileChart               *chart);

/* Draws @chart, or for @chart -1 the dashboard: every chart in a grid
 * (3 columns when wide enough, else 2). */
void         sy_profile_render_chart   (const SyRenderTarget         *target,
                                        const SyProfile              *profile,
                                        int                           chart,
                                        const SyProfileRenderOptions *opts);

/* The expert under @point of a chart drawn on @target (whose cr is not
 * used; @chart -1: the dashboard): the load heatmap's cell gives (MoE
 * layer, expert) in @cell, the co-activation matrix's its row expert in
 * @opts->layer.  FALSE elsewhere and on the other charts. */
gboolean     sy_profile_render_expert_at (const SyRenderTarget       *target,
                                        const SyProfile              *profile,
                                        int                           chart,
                                        const SyProfileRenderOptions *opts,
                                        const double                  point[2],
                                        int                           cell[2]);

G_END_DECLS
