/* sy-window-private.h: what sy-window.c shares with sy-window-files.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "sy-analysis-view.h"
#include "sy-session-file.h"
#include "sy-window.h"

G_BEGIN_DECLS

struct _SyWindow
{
  AdwApplicationWindow parent_instance;

  /* Template widgets */
  AdwWindowTitle  *window_title;
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  GMenu           *recent_section;

  /* Owned */
  GSettings       *settings;
  GFile           *model_folder;
  GFile           *loading_folder;
  SySessionFile   *pending_session;      /* applied once its model has loaded */
  GFile           *pending_session_file;
  GFile           *session_file;         /* the last saved or opened: where dialogs start */

  /* Children (owned by the stack) */
  SyAnalysisView  *analysis;
  GtkWidget       *loading_page;
  GtkWidget       *loading_bar;
  GtkWidget       *loading_note;  /* the load's note: read from disk as needed */
  AdwToast        *reload_toast;  /* weak: the model's file changed on disk */
  gboolean         restored;      /* settings applied to the first model */
};

/* The path as a person reads it: ~ for the home folder. */
char  *sy_window_display_path          (GFile               *file);
/* What @file names as a model: a Hugging Face folder (config.json inside),
 * a GGUF file (any part of a split one; the engine finds the others), or
 * a file inside a model folder, which stands for the folder.  Returns the
 * folder or GGUF file to load, or NULL with an error naming the problem. */
GFile *sy_window_resolve_model         (GFile               *file,
                                        GError             **error);
/* An error dialog titled @title (with the CSS class @css_class, which the
 * tests look for): @file's path, then @message. */
void   sy_window_show_file_error       (SyWindow            *self,
                                        const char          *title,
                                        const char          *css_class,
                                        GFile               *file,
                                        const char          *message);

/* sy-window-files.c: puts a session's state (its model is open) into the
 * analysis view and emits ::session-opened. */
void   sy_window_apply_session         (SyWindow            *self,
                                        const SySessionFile *session,
                                        GFile               *file,
                                        const char          *model_path);
/* sy-window-files.c: the file dialogs of win.open, win.export,
 * win.open-session and win.save-session. */
void   sy_window_choose_model          (SyWindow            *self);
void   sy_window_choose_export         (SyWindow            *self);
void   sy_window_choose_open_session   (SyWindow            *self);
void   sy_window_choose_save_session   (SyWindow            *self);

G_END_DECLS
