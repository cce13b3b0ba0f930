/* sy-compare-view.c: the diff view widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-compare-view.h"

struct _SyCompareView
{
  SyTraceView       parent_instance;

  SyCompareOptions  opts;
  SyCompare        *cmp;
};

G_DEFINE_FINAL_TYPE (SyCompareView, sy_compare_view, SY_TYPE_TRACE_VIEW)

static void
get_options (SyCompareView    *self,
             SyCompareOptions *opts)
{
  SySelection *selection = sy_trace_view_get_selection (SY_TRACE_VIEW (self));

  *opts = self->opts;
  opts->selected_token = selection ? sy_selection_get_token (selection) : -1;
  opts->selected_layer = selection ? sy_selection_get_layer (selection) : -1;
}

/* The comparison's layout in @frame; FALSE without a comparison. */
static gboolean
layout_now (SyTraceView       *view,
            const SyViewFrame *frame,
            SyCompareLayout   *layout)
{
  SyCompareView *self = SY_COMPARE_VIEW (view);
  SyCompareOptions opts;

  if (self->cmp == NULL)
    return FALSE;
  get_options (self, &opts);
  sy_compare_layout (&frame->target, self->cmp, &opts, layout);
  return TRUE;
}

static gboolean
sy_compare_view_hit (SyTraceView       *view,
                     const SyViewFrame *frame,
                     const double       point[2],
                     int                cell[2])
{
  SyCompareLayout layout;

  if (!layout_now (view, frame, &layout))
    return FALSE;
  return sy_compare_hit (&layout, point[0], point[1], &cell[0], &cell[1]) != SY_COMPARE_HIT_NONE;
}

static char *
sy_compare_view_tooltip (SyTraceView       *view,
                         const SyViewFrame *frame,
                         const double       point[2])
{
  SyCompareView *self = SY_COMPARE_VIEW (view);
  int cell[2];

  if (!sy_compare_view_hit (view, frame, point, cell))
    return NULL;
  return sy_compare_describe (self->cmp, cell[0], cell[1]);
}

static gboolean
sy_compare_view_grid_geometry (SyTraceView       *view,
                               const SyViewFrame *frame,
                               double             geometry[3])
{
  SyCompareLayout layout;

  if (!layout_now (view, frame, &layout))
    return FALSE;
  geometry[0] = layout.cell_w;
  geometry[1] = layout.grid_w;
  geometry[2] = layout.content_w;
  return TRUE;
}

/* Draws the comparison (not a trace: no entry in the view table). */
static void
sy_compare_view_draw (SyTraceView       *view,
                      const SyViewFrame *frame)
{
  SyCompareView *self = SY_COMPARE_VIEW (view);
  SyCompareOptions opts;

  get_options (self, &opts);
  sy_compare_render (&frame->target, self->cmp, &opts);
}

static char *
sy_compare_view_describe_selection (SyTraceView *view)
{
  SyCompareView *self = SY_COMPARE_VIEW (view);
  SyCompareOptions opts;

  if (self->cmp == NULL)
    return NULL;
  get_options (self, &opts);
  if (opts.selected_token < 0)
    return NULL;
  return sy_compare_describe (self->cmp, MAX (opts.selected_layer, 0), opts.selected_token);
}

static void
sy_compare_view_finalize (GObject *object)
{
  g_clear_pointer (&SY_COMPARE_VIEW (object)->cmp, sy_compare_free);
  G_OBJECT_CLASS (sy_compare_view_parent_class)->finalize (object);
}

static void
sy_compare_view_class_init (SyCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SyTraceViewClass *view_class = SY_TRACE_VIEW_CLASS (klass);

  object_class->finalize = sy_compare_view_finalize;
  sy_trace_view_class_set_view (view_class, NULL, "compareview", GTK_ACCESSIBLE_ROLE_GRID,
                                N_("Difference between configuration A and B"));
  view_class->min_width = 200;
  view_class->min_height = 200;
  view_class->draw = sy_compare_view_draw;
  view_class->hit = sy_compare_view_hit;
  view_class->tooltip = sy_compare_view_tooltip;
  view_class->grid_geometry = sy_compare_view_grid_geometry;
  view_class->cell_width_offset = G_STRUCT_OFFSET (SyCompareView, opts.cell_width);
  view_class->x_offset_offset = G_STRUCT_OFFSET (SyCompareView, opts.x_offset);
  view_class->describe_selection = sy_compare_view_describe_selection;
}

static void
sy_compare_view_init (SyCompareView *self)
{
  sy_compare_options_init (&self->opts);
}

GtkWidget *
sy_compare_view_new (void)
{
  return g_object_new (SY_TYPE_COMPARE_VIEW, NULL);
}

void
sy_compare_view_set_compare (SyCompareView *self,
                             SyCompare     *cmp)
{
  g_return_if_fail (SY_IS_COMPARE_VIEW (self));

  /* the base class borrows A's trace from the comparison */
  sy_trace_view_set_trace (SY_TRACE_VIEW (self), cmp ? cmp->a : NULL);
  g_clear_pointer (&self->cmp, sy_compare_free);
  self->cmp = cmp;
  sy_trace_view_clamp_grid (SY_TRACE_VIEW (self), self->opts.cell_width, self->opts.x_offset);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const SyCompare *
sy_compare_view_get_compare (SyCompareView *self)
{
  g_return_val_if_fail (SY_IS_COMPARE_VIEW (self), NULL);
  return self->cmp;
}
