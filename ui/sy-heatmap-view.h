/* sy-heatmap-view.h: the layer × token heatmap widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws with sy_heatmap_render().  Scrolling moves along the tokens when
 * the text is wider than the view; Ctrl+scroll zooms the columns.
 */
#pragma once

#include "sy-heatmap-render.h"
#include "sy-trace-view.h"

G_BEGIN_DECLS

#define SY_TYPE_HEATMAP_VIEW (sy_heatmap_view_get_type ())

G_DECLARE_FINAL_TYPE (SyHeatmapView, sy_heatmap_view, SY, HEATMAP_VIEW, SyTraceView)

GtkWidget  *sy_heatmap_view_new            (void);
/* Column width; 0 fits the text to the width. */
void        sy_heatmap_view_set_cell_width (SyHeatmapView  *self,
                                            double          cell_width);
double      sy_heatmap_view_get_cell_width (SyHeatmapView  *self);
double      sy_heatmap_view_get_x_offset   (SyHeatmapView  *self);
/* Scrolls the grid (clamped to the content); emits ::viewport-changed. */
void        sy_heatmap_view_set_x_offset   (SyHeatmapView  *self,
                                            double          x_offset);
/* K measure: the colour scale reaches at least @k (0: from the trace). */
void        sy_heatmap_view_set_k_scale_max (SyHeatmapView *self,
                                            int             k);
/* Without token labels and axis title: a heatmap stacked above another
 * that shows the shared token axis. */
void        sy_heatmap_view_set_hide_token_axis (SyHeatmapView *self,
                                                 gboolean       hide);
gboolean    sy_heatmap_view_get_hide_token_axis (SyHeatmapView *self);
/* The legend's room kept empty: a heatmap beside shows the same colour
 * scale (categorical measures keep theirs: each lists its own experts). */
void        sy_heatmap_view_set_legend_shared   (SyHeatmapView *self,
                                                 gboolean       shared);
/* Height of the token labels and axis title at @width × @height. */
double      sy_heatmap_view_get_token_axis_height (SyHeatmapView *self,
                                                   double         width,
                                                   double         height);

G_END_DECLS
