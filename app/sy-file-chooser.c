/* sy-file-chooser.c: the native file choosers of the windows
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every Open and Save chooser of the app has the same life: made, shown,
 * answered once, then freed; only what is done with the accepted file
 * differs.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-file-chooser.h"

typedef struct
{
  SyFileChosenFunc func;
  gpointer         user_data;
  GDestroyNotify   destroy;
} Chosen;

static void
chosen_free (gpointer data,
             GClosure *closure)
{
  Chosen *chosen = data;

  if (chosen->destroy != NULL)
    chosen->destroy (chosen->user_data);
  g_free (chosen);
}

static void
on_response (GtkNativeDialog *dialog,
             int              response,
             Chosen          *chosen)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      chosen->func (GTK_FILE_CHOOSER (dialog), file, chosen->user_data);
    }
  g_object_unref (dialog);
}

GtkFileChooser *
sy_file_chooser_new (GtkWindow            *parent,
                     const char           *title,
                     GtkFileChooserAction  action,
                     const char           *accept_label,
                     gboolean              modal)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (title, parent, action, accept_label, _("_Cancel"));
  if (modal)
    gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  return GTK_FILE_CHOOSER (chooser);
}

void
sy_file_chooser_add_filter (GtkFileChooser *chooser,
                            const char     *name,
                            const char     *pattern,
                            ...)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  va_list args;

  gtk_file_filter_set_name (filter, name);
  va_start (args, pattern);
  for (const char *p = pattern; p != NULL; p = va_arg (args, const char *))
    gtk_file_filter_add_pattern (filter, p);
  va_end (args);
  gtk_file_chooser_add_filter (chooser, filter);
  g_object_unref (filter);
}

void
sy_file_chooser_show (GtkFileChooser   *chooser,
                      SyFileChosenFunc  func,
                      gpointer          user_data,
                      GDestroyNotify    destroy)
{
  Chosen *chosen = g_new0 (Chosen, 1);

  chosen->func = func;
  chosen->user_data = user_data;
  chosen->destroy = destroy;
  g_signal_connect_data (chooser, "response", G_CALLBACK (on_response), chosen,
                         chosen_free, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
