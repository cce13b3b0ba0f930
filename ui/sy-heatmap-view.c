/* sy-heatmap-view.c: the layer × token heatmap widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>

#include "sy-heatmap-view.h"

struct _SyHeatmapView
{
  SyTraceView      parent_instance;

  SyHeatmapOptions opts;
};

G_DEFINE_FINAL_TYPE (SyHeatmapView, sy_heatmap_view, SY_TYPE_TRACE_VIEW)

static gboolean
sy_heatmap_view_grid_geometry (SyTraceView       *view,
                               const SyViewFrame *frame,
                               double             geometry[3])
{
  SyHeatmapLayout layout;

  sy_heatmap_layout (&frame->target, frame->trace, &frame->opts->heatmap, &layout);
  geometry[0] = layout.cell_w;
  geometry[1] = layout.grid_w;
  geometry[2] = layout.content_w;
  return TRUE;
}

/* Top expert measure: the cell's expert; gate measure: the gate's expert. */
static gboolean
sy_heatmap_view_expert_at (SyTraceView       *view,
                           const SyViewFrame *frame,
                           const double       point[2],
                           int                cell[2])
{
  const SyHeatmapOptions *opts = &frame->opts->heatmap;
  double v;

  if (opts->measure != SY_HEATMAP_EXPERT && opts->measure != SY_HEATMAP_GATE)
    return FALSE;
  if (!SY_TRACE_VIEW_GET_CLASS (view)->info->hit (frame, point, cell) || cell[0] < 0 || cell[1] < 0)
    return FALSE;
  if (opts->measure == SY_HEATMAP_GATE)
    {
      cell[1] = opts->gate_expert;
      return TRUE;
    }
  v = sy_heatmap_value (frame->trace, opts, cell[0], cell[1]);
  if (!isfinite (v))
    return FALSE;
  cell[1] = (int) v;
  return TRUE;
}

static char *
sy_heatmap_view_describe_selection (SyTraceView *view)
{
  const SyTrace *trace = sy_trace_view_get_trace (view);
  SyViewOptions opts;

  if (trace == NULL)
    return NULL;
  sy_trace_view_get_options (view, &opts);
  if (opts.heatmap.selected_token < 0)
    return NULL;
  return sy_heatmap_describe_cell (trace, &opts.heatmap, MAX (opts.heatmap.selected_layer, 0),
                                   opts.heatmap.selected_token);
}

static void
sy_heatmap_view_class_init (SyHeatmapViewClass *klass)
{
  SyTraceViewClass *view_class = SY_TRACE_VIEW_CLASS (klass);

  sy_trace_view_class_set_view (view_class, "heatmap", "heatmap", GTK_ACCESSIBLE_ROLE_GRID,
                                N_("Layer by token heatmap"));
  view_class->min_width = 200;
  view_class->min_height = 150;
  SY_TRACE_VIEW_CLASS_SET_OPTIONS (view_class, SyHeatmapView, opts, heatmap);
  view_class->grid_geometry = sy_heatmap_view_grid_geometry;
  view_class->cell_width_offset = G_STRUCT_OFFSET (SyHeatmapView, opts.cell_width);
  view_class->x_offset_offset = G_STRUCT_OFFSET (SyHeatmapView, opts.x_offset);
  view_class->expert_at = sy_heatmap_view_expert_at;
  view_class->describe_selection = sy_heatmap_view_describe_selection;
}

static void
sy_heatmap_view_init (SyHeatmapView *self)
{
}

GtkWidget *
sy_heatmap_view_new (void)
{
  return g_object_new (SY_TYPE_HEATMAP_VIEW, NULL);
}

void
sy_heatmap_view_set_cell_width (SyHeatmapView *self,
                                double         cell_width)
{
  double old_cw, old_x;

  g_return_if_fail (SY_IS_HEATMAP_VIEW (self));
  old_cw = self->opts.cell_width;
  old_x = self->opts.x_offset;
  self->opts.cell_width = cell_width <= 0 ? 0 : CLAMP (cell_width, SY_TRACE_VIEW_MIN_CELL, SY_TRACE_VIEW_MAX_CELL);
  sy_trace_view_clamp_grid (SY_TRACE_VIEW (self), old_cw, old_x);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

double
sy_heatmap_view_get_cell_width (SyHeatmapView *self)
{
  g_return_val_if_fail (SY_IS_HEATMAP_VIEW (self), 0);
  return self->opts.cell_width;
}

double
sy_heatmap_view_get_x_offset (SyHeatmapView *self)
{
  g_return_val_if_fail (SY_IS_HEATMAP_VIEW (self), 0);
  return self->opts.x_offset;
}

void
sy_heatmap_view_set_x_offset (SyHeatmapView *self,
                              double         x_offset)
{
  double old_x;

  g_return_if_fail (SY_IS_HEATMAP_VIEW (self));
  old_x = self->opts.x_offset;
  self->opts.x_offset = MAX (0, x_offset);
  sy_trace_view_clamp_grid (SY_TRACE_VIEW (self), self->opts.cell_width, old_x);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sy_heatmap_view_set_k_scale_max (SyHeatmapView *self,
                                 int            k)
{
  g_return_if_fail (SY_IS_HEATMAP_VIEW (self));
  self->opts.k_scale_max = MAX (k, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
sy_heatmap_view_set_hide_token_axis (SyHeatmapView *self,
                                     gboolean       hide)
{
  g_return_if_fail (SY_IS_HEATMAP_VIEW (self));
  sy_trace_view_update_flag (SY_TRACE_VIEW (self), &self->opts.hide_token_axis, hide);
}

void
sy_heatmap_view_set_legend_shared (SyHeatmapView *self,
                                   gboolean       shared)
{
  g_return_if_fail (SY_IS_HEATMAP_VIEW (self));
  sy_trace_view_update_flag (SY_TRACE_VIEW (self), &self->opts.legend_shared, shared);
}

gboolean
sy_heatmap_view_get_hide_token_axis (SyHeatmapView *self)
{
  g_return_val_if_fail (SY_IS_HEATMAP_VIEW (self), FALSE);
  return self->opts.hide_token_axis;
}

double
sy_heatmap_view_get_token_axis_height (SyHeatmapView *self,
                                       double         width,
                                       double         height)
{
  const SyTrace *trace;
  SyRenderStyle style;
  SyViewOptions opts;
  SyHeatmapLayout layout;

  g_return_val_if_fail (SY_IS_HEATMAP_VIEW (self), 0);
  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (self));
  if (trace == NULL)
    return 0;
  sy_trace_view_get_render_style (SY_TRACE_VIEW (self), &style);
  sy_trace_view_get_options (SY_TRACE_VIEW (self), &opts);
  opts.heatmap.hide_token_axis = FALSE;
  sy_heatmap_layout (&(SyRenderTarget) { NULL, &style, width, height }, trace, &opts.heatmap, &layout);
  /* labels, the axis title under them */
  return layout.label_h + 1.3 * (layout.label_h > 0 ? 16 : 0);
}
