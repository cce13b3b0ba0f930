/* sy-strip-render.h: the token strip
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The text as tokens in boxes, wrapped over lines, each box coloured by a
 * per-token measure.  sy_strip_layout_new() gives the boxes for hit tests.
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
  SY_STRIP_K,           /* K averaged over MoE layers */
  SY_STRIP_IMPORTANCE,  /* importance averaged over the layers that have it */
  SY_STRIP_DEPTH,       /* share of layers that went deep */
  SY_STRIP_SURPRISAL,   /* NLL of the token given its prefix, nats */
  SY_STRIP_N_MEASURES
} SyStripMeasure;

typedef struct
{
  SyStripMeasure  measure;
  int             selected_token;  /* -1 for none */
  gboolean        show_title;
  gboolean        show_legend;
  const char     *title;           /* NULL: derived from the measure */
  int             generated_from;  /* tokens from this index on were generated (underlined); 0 = none */
  int             first_difference; /* Compare: first token where two continuations differ (outlined); 0 = none */
} SyStripOptions;

typedef struct
{
  double x, y, w, h;
} SyStripBox;

typedef struct
{
  int         n_boxes;     /* = n_tokens */
  SyStripBox *boxes;       /* w = 0 for tokens that did not fit */
  int         n_lines;
  int         n_placed;    /* tokens that fit in the height */
  double      text_x;      /* area the tokens flow in */
  double      text_y;
  double      text_w;
  double      content_h;   /* height the whole text needs from text_y */
  double      legend_x;
  double      legend_y;
  double      legend_w;
  double      legend_h;
} SyStripLayout;

void            sy_strip_options_init  (SyStripOptions       *opts);
/* "k", "importance", "depth", "surprisal". */
gboolean        sy_strip_measure_parse (const char           *text,
                                        SyStripMeasure       *measure,
                                        GError              **error);

/* The value of token @t (NaN when there is none). */
double          sy_strip_value         (const SyTrace        *trace,
                                        const SyStripOptions *opts,
                                        int                   t);
void            sy_strip_scale         (const SyTrace        *trace,
                                        const SyStripOptions *opts,
                                        double               *vmin,
                                        double               *vmax);
SyPattern       sy_strip_token_color   (const SyTrace        *trace,
                                        const SyStripOptions *opts,
                                        int                   t,
                                        SyColor              *out);
/* Tooltip text: token, id, and every per-token number. */
char           *sy_strip_describe      (const SyTrace        *trace,
                                        int                   t);

SyStripLayout  *sy_strip_layout_new    (const SyRenderTarget *target,
                                        const SyTrace        *trace,
                                        const SyStripOptions *opts);
void            sy_strip_layout_free   (SyStripLayout        *layout);
/* The height the whole text (and the legend) needs at @target's width
 * (its height is not read). */
double          sy_strip_natural_height (const SyRenderTarget *target,
                                         const SyTrace        *trace,
                                         const SyStripOptions *opts);
/* The token under (x, y), or -1. */
int             sy_strip_hit           (const SyStripLayout  *layout,
                                        double                x,
                                        double                y);

void            sy_strip_render        (const SyRenderTarget *target,
                                        const SyTrace        *trace,
                                        const SyStripOptions *opts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SyStripLayout, sy_strip_layout_free)

G_END_DECLS
