/* sy-window.h: the main window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "sy-application.h"

G_BEGIN_DECLS

#define SY_TYPE_WINDOW (sy_window_get_type ())

G_DECLARE_FINAL_TYPE (SyWindow, sy_window, SY, WINDOW, AdwApplicationWindow)

SyWindow        *sy_window_new               (SyApplication *application);

/* Checks that @file names a model: a GGUF file (any part of a split
 * one), a model folder (a directory holding a config.json), or a file in
 * such a folder (which stands for the folder); if it does, loads it in the
 * background, then records it (GSettings 'last-model' and 'recent-models'),
 * shows it in the subtitle and emits ::model-opened.  If not, says why in a
 * toast and returns FALSE.  Used by the file chooser, the recent list, drag
 * and drop, sessions and the command line alike. */
gboolean         sy_window_open_model        (SyWindow      *self,
                                              GFile         *file);
/* Sessions (.switchyard files): everything it takes to draw the picture
 * again.  Saving writes the model (path and fingerprint), the text,
 * routers A and B, compare, view, measure, selection and zoom.  Opening
 * loads the session's model when it is not the one open (in the
 * background) and then restores the rest, and emits ::session-opened; a
 * session that cannot be read or whose model is missing or fails to load
 * gives an error dialog and changes nothing; a model whose fingerprint
 * differs says so in a toast. */
gboolean         sy_window_save_session      (SyWindow      *self,
                                              GFile         *file,
                                              GError       **error);
gboolean         sy_window_open_session      (SyWindow      *self,
                                              GFile         *file);
/* Save Trace… (sy-window-trace.c): the live run of configuration A
 * (@b FALSE) or B (Compare on) as a trace file (docs/trace-format.md),
 * with the writer of `switchyard-cli route --save-trace`. */
gboolean         sy_window_save_trace        (SyWindow      *self,
                                              GFile         *file,
                                              gboolean       b,
                                              GError       **error);
/* The same in a thread (the toast of the chooser says when it is done).
 * Both re-run the text once with a recording session so that the file
 * carries the attention received (da re-applied to it), unless the run
 * is a continuation of a non-causal policy. */
void             sy_window_save_trace_async  (SyWindow      *self,
                                              GFile         *file,
                                              gboolean       b,
                                              GAsyncReadyCallback callback,
                                              gpointer       user_data);
gboolean         sy_window_save_trace_finish (SyWindow      *self,
                                              GAsyncResult  *result,
                                              GError       **error);
gboolean         sy_window_can_save_trace    (SyWindow      *self,
                                              gboolean       b);
/* Where "A and B" puts B's trace: NAME-b.json beside @file (NAME.json). */
GFile           *sy_window_trace_b_file      (GFile         *file);
/* The file chooser of Save Trace… (a choice A, B, A and B when Compare is on). */
void             sy_window_choose_save_trace (SyWindow      *self);
/* TRUE for a file named *.switchyard (command line, drag and drop). */
gboolean         sy_window_is_session_file   (GFile         *file);

/* Puts @path first in @settings' 'recent-models' (Open Recent: models
 * and traces), which keeps 10. */
void             sy_window_remember_recent   (GSettings     *settings,
                                              const char    *path);

/* The model (folder or GGUF file) last opened in this window, or NULL. */
GFile           *sy_window_get_model_folder  (SyWindow      *self);
/* Opens the shipped demo model; FALSE with @error when there is none. */
gboolean         sy_window_open_default_model (SyWindow     *self,
                                              GError       **error);
/* The working area (text, views, router controls). */
struct _SyAnalysisView *sy_window_get_analysis_view (SyWindow *self);

/* Shows @message in a toast. */
void             sy_window_show_toast        (SyWindow      *self,
                                              const char    *message);

/* Where the views go: a stack whose "empty" page is the no-model state,
 * inside the window's toast overlay. */
GtkStack        *sy_window_get_stack         (SyWindow      *self);
AdwToastOverlay *sy_window_get_toast_overlay (SyWindow      *self);
/* The toast offering to reload the model after its files changed on
 * disk while a run read them (win.reload-model), or NULL (tests). */
AdwToast        *sy_window_get_reload_toast  (SyWindow      *self);

G_END_DECLS
