/* sy-inspector-view.c: the token inspector widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-inspector-view.h"

struct _SyInspectorView
{
  SyTraceView        parent_instance;

  SyInspectorOptions opts;
};

G_DEFINE_FINAL_TYPE (SyInspectorView, sy_inspector_view, SY_TYPE_TRACE_VIEW)

static void
layout_now (const SyViewFrame *frame,
            SyInspectorLayout *layout)
{
  sy_inspector_layout (&frame->target, frame->trace, &frame->opts->inspector, layout);
}

static gboolean
sy_inspector_view_expert_at (SyTraceView       *view,
                             const SyViewFrame *frame,
                             const double       point[2],
                             int                cell[2])
{
  const SyTrace *trace = frame->trace;
  SyInspectorLayout layout;
  int rank;

  layout_now (frame, &layout);
  if (sy_inspector_hit_grid (&layout, point[0], point[1], &cell[0], &cell[1]))
    return TRUE;
  rank = sy_inspector_hit_bar (&layout, point[0], point[1]);
  if (rank < 0 || layout.layer < 0 || layout.layer >= trace->n_moe_layers)
    return FALSE;
  {
    g_autofree int *order = g_new (int, trace->n_experts);

    sy_inspector_sorted (trace, layout.layer, layout.token, order);
    cell[0] = layout.layer;
    cell[1] = order[rank];
  }
  return TRUE;
}

static char *
sy_inspector_view_describe_selection (SyTraceView *view)
{
  const SyTrace *trace = sy_trace_view_get_trace (view);
  SyViewOptions opts;
  const SyTraceLayer *l;
  int token, layer;

  if (trace == NULL || trace->n_tokens == 0 || trace->n_moe_layers == 0)
    return NULL;
  sy_trace_view_get_options (view, &opts);
  token = MIN (opts.inspector.token, trace->n_tokens - 1);
  layer = MIN (opts.inspector.layer, trace->n_moe_layers - 1);
  l = &trace->layers[layer];
  return g_strdup_printf (_("Token %d at layer L%d: K = %d, chosen probability %.3f"),
                          token, l->layer, l->k[token], l->cum[token]);
}

static void
sy_inspector_view_class_init (SyInspectorViewClass *klass)
{
  SyTraceViewClass *view_class = SY_TRACE_VIEW_CLASS (klass);

  sy_trace_view_class_set_view (view_class, "inspector", "inspector", GTK_ACCESSIBLE_ROLE_IMG,
                                N_("Token inspector"));
  view_class->min_width = 300;
  view_class->min_height = 240;
  SY_TRACE_VIEW_CLASS_SET_OPTIONS (view_class, SyInspectorView, opts, inspector);
  view_class->expert_at = sy_inspector_view_expert_at;
  view_class->describe_selection = sy_inspector_view_describe_selection;
}

static void
sy_inspector_view_init (SyInspectorView *self)
{
}

GtkWidget *
sy_inspector_view_new (void)
{
  return g_object_new (SY_TYPE_INSPECTOR_VIEW, NULL);
}
