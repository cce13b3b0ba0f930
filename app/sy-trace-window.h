/* sy-trace-window.h: a recorded trace file in a window of its own
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opened by `switchyard FILE.json` (a trace file, docs/trace-format.md),
 * Open Trace… in the main menu and a drop on the main window.  It shows the
 * heatmap, the token strip, the inspector and the summary of the recorded
 * run (no model: the main window keeps its own), a line saying what a
 * recorded trace cannot show, and configurations A and B in the main
 * window's router controls (SyRouterControls), limited to the policies the
 * trace can take (π-only; da only with recorded attention; none for an
 * id-only trace, which says why): policies re-applied to the recorded
 * router probabilities, compared side by side; Match Native Cost searches
 * the threshold on the recording.  Save Trace… (Ctrl+Shift+S) writes
 * configuration A's routing as a trace file, Save Session… (Ctrl+S) a
 * session naming the trace.
 */
#pragma once

#include <adwaita.h>

#include "sy-session-file.h"
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
const char        *sy_trace_window_get_view     (SyTraceWindow  *self);
/* The heatmap's measure: "k", "importance", "expert", "entropy", "depth". */
gboolean           sy_trace_window_set_measure  (SyTraceWindow  *self,
                                                 const char     *measure,
                                                 GError        **error);
const char        *sy_trace_window_get_measure  (SyTraceWindow  *self);
/* The selection every view shares (-1: none; out of range: none). */
void               sy_trace_window_select       (SyTraceWindow  *self,
                                                 int             token,
                                                 int             layer);
int                sy_trace_window_get_selected_token (SyTraceWindow *self);
int                sy_trace_window_get_selected_layer (SyTraceWindow *self);
/* A's or B's policy as a spec, "recorded" for the recorded routing; B's
 * is NULL when there is no B. */
char              *sy_trace_window_get_router   (SyTraceWindow  *self,
                                                 gboolean        b);
const char        *sy_trace_window_get_path     (SyTraceWindow  *self);
/* The SyRouterControls of A or B (π-only policies; none for id-only
 * traces; "Native" there is the recorded routing). */
GtkWidget         *sy_trace_window_get_controls (SyTraceWindow  *self,
                                                 gboolean        b);

/* Compare two traces of the same text (two models, or one model in two
 * precisions), as `compare --trace A --trace-b B`: B's policy is then
 * re-applied to @file's recording (its controls offer what that trace
 * takes).  A file of another text or MoE layout is an error and B stays.
 * sy_trace_window_clear_b() puts B back on A's trace. */
gboolean           sy_trace_window_open_b       (SyTraceWindow  *self,
                                                 GFile          *file,
                                                 GError        **error);
void               sy_trace_window_clear_b      (SyTraceWindow  *self);
/* B's trace file, or NULL when B is on A's. */
const char        *sy_trace_window_get_path_b   (SyTraceWindow  *self);

/* Sessions (.switchyard) of a trace: the trace's path instead of a model,
 * policies A and B, view, measure, selection and zoom (sy-session-file.h).
 * Opening one opens the trace in a new window and restores the rest; an
 * error (missing trace, a policy the trace cannot take) opens nothing. */
gboolean           sy_trace_window_save_session (SyTraceWindow  *self,
                                                 GFile          *file,
                                                 GError        **error);
/* A new window on the session's trace (@session_path resolves a relative
 * path), with the session's state; NULL with @error. */
SyTraceWindow     *sy_trace_window_open_session (GtkApplication      *application,
                                                 const SySessionFile *session,
                                                 const char          *session_path,
                                                 GError             **error);

G_END_DECLS
