/* sy-window-trace.c: Save Trace… of the main window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The live run of the analysis view (configuration A, and B when Compare
 * is on) written as a trace file (docs/trace-format.md) with the writer of
 * `switchyard-cli route --save-trace`: sy_trace_file_new() on the trace the
 * views draw and the model's router description, then sy_trace_file_save().
 * Only the public API of SyWindow and SyAnalysisView is used here.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-trace-file.h"
#include "sy-window.h"

gboolean
sy_window_can_save_trace (SyWindow *self,
                          gboolean  b)
{
  SyAnalysisView *analysis;
  SyWorker *worker;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);

  analysis = sy_window_get_analysis_view (self);
  worker = sy_analysis_view_get_worker (analysis);
  if (sy_worker_get_model (worker) == NULL)
    return FALSE;
  if (b && !sy_analysis_view_get_compare (analysis))
    return FALSE;
  return sy_worker_get_trace (worker, b ? SY_SLOT_B : SY_SLOT_A) != NULL;
}

GFile *
sy_window_trace_b_file (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr (GFile) parent = g_file_get_parent (file);
  g_autofree char *stem = g_str_has_suffix (name, ".json")
    ? g_strndup (name, strlen (name) - strlen (".json")) : g_strdup (name);
  g_autofree char *b_name = g_strconcat (stem, "-b.json", NULL);

  return parent ? g_file_get_child (parent, b_name) : g_file_new_for_path (b_name);
}

gboolean
sy_window_save_trace (SyWindow  *self,
                      GFile     *file,
                      gboolean   b,
                      GError   **error)
{
  SyAnalysisView *analysis;
  SyWorker *worker;
  SyModel *model;
  const SyModelInfo *info;
  const SyTrace *trace;
  SySlot slot = b ? SY_SLOT_B : SY_SLOT_A;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr (SyTraceFile) tf = NULL;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!sy_window_can_save_trace (self, b))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                   b ? _("Configuration B has no run: turn Compare on first")
                     : _("There is no run to save: open a model first"));
      return FALSE;
    }
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Choose a local file to save the trace to"));
      return FALSE;
    }
  analysis = sy_window_get_analysis_view (self);
  worker = sy_analysis_view_get_worker (analysis);
  model = sy_worker_get_model (worker);
  info = sy_model_get_info (model);
  trace = sy_worker_get_trace (worker, slot);
  /* the text of a plain run; a continuation's text is in its tokens */
  if (sy_worker_get_generated_from (worker, slot) == 0)
    text = g_strdup (sy_worker_get_text (worker));
  tf = sy_trace_file_new (trace, sy_model_get_router_info (model), info->model_type,
                          info->vocab_size, text);
  return sy_trace_file_save (tf, path, NULL, error);
}

/* The chooser's choice when Compare is on: which configuration. */
#define CHOICE_ID "configuration"

static void
on_save_trace_response (GtkNativeDialog *chooser,
                        int              response,
                        gpointer         user_data)
{
  g_autoptr (SyWindow) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      const char *which = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), CHOICE_ID);
      gboolean save_a = which == NULL || g_strcmp0 (which, "b") != 0;
      gboolean save_b = g_strcmp0 (which, "b") == 0 || g_strcmp0 (which, "both") == 0;
      g_autoptr (GFile) b_file = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *name = NULL;

      if (file != NULL && save_a && save_b)
        b_file = sy_window_trace_b_file (file);
      else if (file != NULL && save_b)
        b_file = g_object_ref (file);
      if (file == NULL)
        {
          sy_window_show_toast (self, _("Choose a local file to save the trace to"));
          g_object_unref (chooser);
          return;
        }
      if ((save_a && !sy_window_save_trace (self, file, FALSE, &error)) ||
          (save_b && !sy_window_save_trace (self, b_file, TRUE, &error)))
        {
          g_autofree char *message = g_strdup_printf (_("Could not save the trace: %s"), error->message);

          sy_window_show_toast (self, message);
        }
      else
        {
          g_autofree char *message = NULL;

          name = g_file_get_basename (file);
          if (save_a && save_b)
            {
              g_autofree char *b_name = g_file_get_basename (b_file);

              /* Translators: two trace files, A's and B's */
              message = g_strdup_printf (_("Saved traces “%s” and “%s”"), name, b_name);
            }
          else
            message = g_strdup_printf (_("Saved trace “%s”"), name);
          sy_window_show_toast (self, message);
        }
    }
  g_object_unref (chooser);
}

void
sy_window_choose_save_trace (SyWindow *self)
{
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;
  GFile *model_file;
  g_autofree char *model = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (SY_IS_WINDOW (self));

  chooser = gtk_file_chooser_native_new (_("Save Trace"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Switchyard traces (.json)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_object_unref (filter);
  model_file = sy_window_get_model_folder (self);
  model = model_file ? g_file_get_basename (model_file) : NULL;
  if (model != NULL && g_str_has_suffix (model, ".gguf"))
    model[strlen (model) - strlen (".gguf")] = '\0';
  name = g_strconcat (model ? model : "switchyard", "-trace.json", NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  if (sy_window_can_save_trace (self, TRUE))
    {
      /* the first is the default (the fallback dialog starts there) */
      const char *ids[] = { "both", "a", "b", NULL };
      const char *shown[] = { _("A and B (B as NAME-b.json)"), _("A only"), _("B only"), NULL };

      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (chooser), CHOICE_ID, _("Configuration"),
                                   ids, shown);
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (chooser), CHOICE_ID, "both");
    }
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_trace_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
