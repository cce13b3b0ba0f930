/* sy-summary-view.c: the run summary widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "sy-summary-view.h"

struct _SySummaryView
{
  SyTraceView      parent_instance;

  SySummaryOptions opts;
};

G_DEFINE_FINAL_TYPE (SySummaryView, sy_summary_view, SY_TYPE_TRACE_VIEW)

static char *
sy_summary_view_tooltip (SyTraceView       *view,
                         const SyViewFrame *frame,
                         const double       point[2])
{
  const SyTrace *trace = frame->trace;
  SySummaryLayout layout;
  SySummaryChartId chart;
  int index;

  sy_summary_layout (&frame->target, trace, &frame->opts->summary, &layout);
  if (!sy_summary_hit (&layout, point[0], point[1], &chart, &index))
    return NULL;
  switch (chart)
    {
    case SY_SUMMARY_CHART_AVG_K:
      return g_strdup_printf (_("Layer L%d: mean K = %.4f (budget %d)"), trace->layers[index].layer,
                              trace->layers[index].avg_k, trace->layers[index].budget);
    case SY_SUMMARY_CHART_LOAD:
      {
        g_autofree double *load = g_new0 (double, trace->n_experts);
        double total = 0;

        sy_summary_expert_load (trace, load);
        for (int e = 0; e < trace->n_experts; e++)
          total += load[e];
        return g_strdup_printf (_("Expert %d: %.0f token-layer routings (%.2f%% of all)"), index, load[index],
                                total > 0 ? 100 * load[index] / total : 0);
      }
    case SY_SUMMARY_CHART_TIME:
    case SY_SUMMARY_N_CHARTS:
    default:
      return g_strdup_printf (_("Layer L%d: %.3f ms"), trace->layers[index].layer, trace->layers[index].time_s * 1000);
    }
}

/* Height for width: the charts keep ~150 px of plot each (three in a row
 * from 900 px on, else two rows); a lower pane scrolls the view. */
#define SY_SUMMARY_MIN_ROW 210
#define SY_SUMMARY_HEAD 110

static int
sy_summary_view_height_for_width (SyTraceView *view,
                                  int          width)
{
  return SY_SUMMARY_HEAD + (width >= 900 ? 1 : 2) * SY_SUMMARY_MIN_ROW;
}

static void
sy_summary_view_class_init (SySummaryViewClass *klass)
{
  SyTraceViewClass *view_class = SY_TRACE_VIEW_CLASS (klass);

  sy_trace_view_class_set_view (view_class, "summary", "summary", GTK_ACCESSIBLE_ROLE_IMG,
                                N_("Run summary"));
  SY_TRACE_VIEW_CLASS_SET_OPTIONS (view_class, SySummaryView, opts, summary);
  view_class->height_for_width = sy_summary_view_height_for_width;
  view_class->min_width = 300;
  view_class->natural_width = 900;
  view_class->tooltip = sy_summary_view_tooltip;
}

static void
sy_summary_view_init (SySummaryView *self)
{
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
}

GtkWidget *
sy_summary_view_new (void)
{
  return g_object_new (SY_TYPE_SUMMARY_VIEW, NULL);
}
