/* sy-summary-view.h: the run summary widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws with sy_summary_render(); a click on a layer's bar selects it.
 */
#pragma once

#include "sy-summary-render.h"
#include "sy-trace-view.h"

G_BEGIN_DECLS

#define SY_TYPE_SUMMARY_VIEW (sy_summary_view_get_type ())

G_DECLARE_FINAL_TYPE (SySummaryView, sy_summary_view, SY, SUMMARY_VIEW, SyTraceView)

GtkWidget *sy_summary_view_new (void);

G_END_DECLS
