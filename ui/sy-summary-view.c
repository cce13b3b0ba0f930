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
