/* sy-compare-pane.h: compare mode of the analysis view
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Configuration B's router controls beside two pages over the same text:
 * "Side by Side" (A's heatmap left, B's right, one colour scale, one
 * token axis: scrolling, zoom and selection move both) and "Difference"
 * (SyCompareView: ΔK, Jaccard, ΔNLL and the headline table).  While
 * active it turns on the worker's slot B, which runs after A sharing the
 * layers whose routing agrees.
 */
#pragma once

#include <gtk/gtk.h>

#include "sy-compare.h"
#include "sy-render-style.h"
#include "sy-selection.h"
#include "sy-worker.h"

G_BEGIN_DECLS

#define SY_TYPE_COMPARE_PANE (sy_compare_pane_get_type ())

G_DECLARE_FINAL_TYPE (SyComparePane, sy_compare_pane, SY, COMPARE_PANE, GtkWidget)

/* B's controls start at @default_b (e.g. "topp:p=0.4"). */
GtkWidget       *sy_compare_pane_new          (SyWorker      *worker,
                                               SySelection   *selection,
                                               const char    *default_b);
/* Turns compare on in the worker (slot B runs) or off (only A runs). */
void             sy_compare_pane_set_active   (SyComparePane *self,
                                               gboolean       active);
gboolean         sy_compare_pane_get_active   (SyComparePane *self);
/* "side" or "diff" */
void             sy_compare_pane_set_page     (SyComparePane *self,
                                               const char    *page);
gboolean         sy_compare_pane_set_router_b (SyComparePane *self,
                                               const char    *spec,
                                               GError       **error);
/* B's spec as its controls show it (free with g_free). */
char            *sy_compare_pane_get_router_b (SyComparePane *self);
/* The latest comparison, or NULL (borrowed). */
const SyCompare *sy_compare_pane_get_compare  (SyComparePane *self);
GtkWidget       *sy_compare_pane_get_diff_view (SyComparePane *self);
GtkWidget       *sy_compare_pane_get_heatmap  (SyComparePane *self,
                                               SySlot         slot);
/* Whether A's heatmap is above B's (sharing B's token axis) rather than
 * beside it: the pane is too narrow for both at a readable column width. */
gboolean         sy_compare_pane_get_stacked  (SyComparePane *self);
/* The rule: stacked in @width × @height for a trace of @n_tokens and
 * @n_layers MoE layers. */
gboolean         sy_compare_sides_choose_stacked (int width,
                                                  int height,
                                                  int n_tokens,
                                                  int n_layers);
/* Draws the visible page to SVG/PNG/PDF at its size on screen (at least
 * 480 × 200; the side page at least 960 wide). */
gboolean         sy_compare_pane_export       (SyComparePane       *self,
                                               const char          *path,
                                               const SyRenderStyle *style,
                                               GError             **error);

G_END_DECLS
