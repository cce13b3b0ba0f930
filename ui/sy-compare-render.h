/* sy-compare-render.h: the diff view and the side-by-side compare picture
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The diff view draws a SyCompare: the headline table A vs B (average K,
 * activated parameters and FLOPs per token, perplexity; mean KL(A‖B) and
 * greedy agreement), then over one token axis a ΔK heatmap (layer × token,
 * diverging scale: blue where B picks fewer experts than A, red where it
 * picks more, white where equal), a Jaccard heatmap of the chosen expert
 * sets (sequential scale), and ΔNLL bars per token (B's NLL minus A's for
 * the next token: up and red where B is worse).  The side-by-side picture
 * draws A's heatmap left and B's right with one colour scale.  Both draw
 * into any cairo_t: the widget and the SVG/PNG/PDF export are the same.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "sy-compare.h"
#include "sy-heatmap-render.h"
#include "sy-render-style.h"

G_BEGIN_DECLS

typedef struct
{
  int          selected_token;  /* highlighted column, -1 for none */
  int          selected_layer;  /* highlighted MoE layer, -1 for none */
  double       cell_width;      /* column width; 0 = fit the width */
  double       x_offset;        /* horizontal scroll of the grid, >= 0 */
  gboolean     show_title;
  gboolean     show_table;      /* the headline table A vs B */
  gboolean     show_values;     /* ΔK and Jaccard numbers in cells when they fit */
} SyCompareOptions;

typedef struct
{
  int    n_rows;          /* MoE layers */
  int    n_cols;          /* tokens */
  double cell_w;
  double cell_h;
  double grid_x;          /* visible grid area (shared by the three panels) */
  double grid_w;
  double dk_y;            /* ΔK panel */
  double jac_y;           /* Jaccard panel */
  double nll_y;           /* ΔNLL bars */
  double nll_h;
  double labels_y;        /* token labels */
  double label_h;
  double table_y;         /* headline table */
  double table_h;
  double origin_x;        /* x of token 0's left edge (grid_x - x_offset) */
  double content_w;       /* n_cols * cell_w, for scrollbars */
  int    first_col;       /* visible columns, inclusive; last < first when none */
  int    last_col;
  double legend_x;
  double legend_w;
} SyCompareLayout;

typedef enum
{
  SY_COMPARE_HIT_NONE,
  SY_COMPARE_HIT_DK,
  SY_COMPARE_HIT_JACCARD,
  SY_COMPARE_HIT_NLL,
  SY_COMPARE_HIT_LABEL,
} SyCompareHit;

void          sy_compare_options_init    (SyCompareOptions       *opts);

/* Colour of the ΔK of a cell (diverging, symmetric around 0 with the
 * largest |ΔK| of the comparison, at least 1, at the ends). */
void          sy_compare_dk_color        (const SyCompare        *cmp,
                                          int                     dk,
                                          SyColor                *out);

void          sy_compare_layout          (const SyRenderTarget   *target,
                                          const SyCompare        *cmp,
                                          const SyCompareOptions *opts,
                                          SyCompareLayout        *layout);
/* Which panel and cell (x, y) falls in; *moe_layer is -1 outside the
 * heatmaps, *token -1 outside the columns. */
SyCompareHit  sy_compare_hit             (const SyCompareLayout  *layout,
                                          double                  x,
                                          double                  y,
                                          int                    *moe_layer,
                                          int                    *token);
/* Tooltip text of a cell: ΔK, K_A, K_B, Jaccard, only-A / only-B experts;
 * of a token: ΔNLL, KL, agreement. */
char         *sy_compare_describe        (const SyCompare        *cmp,
                                          int                     moe_layer,
                                          int                     token);

void          sy_compare_render          (const SyRenderTarget   *target,
                                          const SyCompare        *cmp,
                                          const SyCompareOptions *opts);

/* A's heatmap (@opts) in the left half, B's in the right half, one colour
 * scale for both (the K scale covers both runs). */
void          sy_compare_side_render     (const SyRenderTarget   *target,
                                          const SyCompare        *cmp,
                                          const SyHeatmapOptions *opts);

G_END_DECLS
