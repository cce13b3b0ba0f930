/* sy-file-chooser.h: the native file choosers of the windows
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Called when the chooser is accepted, with the file chosen (NULL when it
 * is not one GIO can name); the chooser is still alive (its choices). */
typedef void (*SyFileChosenFunc) (GtkFileChooser *chooser,
                                  GFile          *file,
                                  gpointer        user_data);

/* A native chooser on @parent with a Cancel button and @accept_label,
 * modal or not. */
GtkFileChooser *sy_file_chooser_new        (GtkWindow            *parent,
                                            const char           *title,
                                            GtkFileChooserAction  action,
                                            const char           *accept_label,
                                            gboolean              modal);
/* Adds a filter named @name for the patterns, a NULL-terminated list. */
void            sy_file_chooser_add_filter (GtkFileChooser       *chooser,
                                            const char           *name,
                                            const char           *pattern,
                                            ...) G_GNUC_NULL_TERMINATED;
/* Shows @chooser; on Accept calls @func.  Whatever the answer, the
 * chooser then frees itself and @destroy (if any) gets @user_data. */
void            sy_file_chooser_show       (GtkFileChooser       *chooser,
                                            SyFileChosenFunc      func,
                                            gpointer              user_data,
                                            GDestroyNotify        destroy);

G_END_DECLS
