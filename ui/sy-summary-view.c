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

  sy_summary_layout (trace, &frame->opts->summary, frame->style, frame->width, frame->height, &layout);
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

static GtkSizeRequestMode
sy_summary_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
sy_summary_view_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 300;
      *natural = 900;
    }
  else
    {
      int rows = for_size >= 900 ? 1 : 2;

      *minimum = SY_SUMMARY_HEAD + rows * SY_SUMMARY_MIN_ROW;
      *natural = *minimum;
    }
}

static void
sy_summary_view_class_init (SySummaryViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  SyTraceViewClass *view_class = SY_TRACE_VIEW_CLASS (klass);

  widget_class->get_request_mode = sy_summary_view_get_request_mode;
  widget_class->measure = sy_summary_view_measure;
  view_class->info = sy_view_lookup ("summary");
  SY_TRACE_VIEW_CLASS_SET_OPTIONS (view_class, SySummaryView, opts, summary);
  view_class->tooltip = sy_summary_view_tooltip;
  gtk_widget_class_set_css_name (widget_class, "summary");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
sy_summary_view_init (SySummaryView *self)
{
  sy_summary_options_init (&self->opts);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Run summary"), -1);
}

GtkWidget *
sy_summary_view_new (void)
{
  return g_object_new (SY_TYPE_SUMMARY_VIEW, NULL);
}
