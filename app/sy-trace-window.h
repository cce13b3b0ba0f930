/* sy-trace-window.h: a recorded trace file in a window of its own
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opened by `switchyard FILE.json` (a trace file, docs/trace-format.md),
 * Open Trace… in the main menu and a drop on the main window.  It shows the
 * heatmap, the token strip, the inspector and the summary of the recorded
 * run (no model: the main window keeps its own), a line saying what a
 * recorded trace cannot show, and configurations A and B: policies
 * re-applied to the recorded router probabilities, compared side by side.
 * Save Trace… writes configuration A's routing as a trace file.
 */
#pragma once

#include <adwaita.h>

#include "sy-trace-file.h"

G_BEGIN_DECLS

#define SY_TYPE_TRACE_WINDOW (sy_trace_window_get_type ())

G_DECLARE_FINAL_TYPE (SyTraceWindow, sy_trace_window, SY, TRACE_WINDOW, AdwApplicationWindow)

/* A new window on the trace file at @file, or NULL with @error. */
SyTraceWindow     *sy_trace_window_open         (GtkApplication *application,
                                                 GFile          *file,
                                                 GError        **error);
/* Opens @file, or shows the error dialog (class "sy-trace-error") on
 * @parent; TRUE when a window opened. */
gboolean           sy_trace_window_open_or_report (GtkApplication *application,
                                                   GtkWindow      *parent,
                                                   GFile          *file);
/* TRUE for a .json file that names the trace format. */
gboolean           sy_trace_window_is_trace_file (GFile         *file);
/* Shows the file chooser and opens what is chosen. */
void               sy_trace_window_choose       (GtkWindow      *parent);

/* Re-applies @spec (NULL or "recorded": the recorded routing) as
 * configuration A (@b FALSE) or B; errors leave the views as they were. */
gboolean           sy_trace_window_set_router   (SyTraceWindow  *self,
                                                 gboolean        b,
                                                 const char     *spec,
                                                 GError        **error);
const SyTraceFile *sy_trace_window_get_file     (SyTraceWindow  *self);
/* Configuration A's trace, as the views draw it. */
const SyTrace     *sy_trace_window_get_trace    (SyTraceWindow  *self);
/* The line that says what is not available. */
const char        *sy_trace_window_get_limits   (SyTraceWindow  *self);
/* "heatmap", "strip", "inspector", "summary" or "compare" */
void               sy_trace_window_set_view     (SyTraceWindow  *self,
                                                 const char     *view);
gboolean           sy_trace_window_save         (SyTraceWindow  *self,
                                                 GFile          *file,
                                                 GError        **error);

G_END_DECLS
