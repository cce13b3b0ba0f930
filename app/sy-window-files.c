/* sy-window-files.c: the main window's files
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Open Model…, Export View…, and sessions: saving the analysis view's
 * state to a .switchyard file and restoring it (sy-session-file.h), with
 * their file choosers.  Save Trace… is sy-window-trace.c.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sy-default-model.h"
#include "sy-file-chooser.h"
#include "sy-trace-window.h"
#include "sy-window-private.h"

/* Open Model… and Open Session…: the file accepted goes to open */

typedef struct
{
  gboolean (*open) (SyWindow *self,
                    GFile    *file);
} Opener;

static const Opener model_opener = { sy_window_open_model };
static const Opener session_opener = { sy_window_open_session };

static void
on_open_chosen (GtkFileChooser *chooser,
                GFile          *file,
                gpointer        user_data)
{
  const Opener *opener = g_object_get_data (G_OBJECT (chooser), "sy-opener");

  if (file != NULL)
    opener->open (SY_WINDOW (user_data), file);
}

/* Shows @chooser, in the folder of @near where there is one (NULL:
 * none); on Accept, @opener opens the file. */
static void
show_opener (SyWindow       *self,
             GtkFileChooser *chooser,
             GFile          *near,
             const Opener   *opener)
{
  g_autoptr (GFile) parent = near ? g_file_get_parent (near) : NULL;

  if (parent != NULL && g_file_query_exists (parent, NULL))
    gtk_file_chooser_set_current_folder (chooser, parent, NULL);
  g_object_set_data (G_OBJECT (chooser), "sy-opener", (gpointer) opener);
  sy_file_chooser_show (chooser, on_open_chosen, g_object_ref (self), g_object_unref);
}

void
sy_window_choose_model (SyWindow *self)
{
  g_autofree char *last = g_settings_get_string (self->settings, "last-model");
  g_autoptr (GFile) last_model = last[0] != '\0' ? g_file_new_for_path (last) : NULL;
  GtkFileChooser *chooser;

  /* A GGUF file, or a model folder through one of its files (a chooser
   * shows either folders or files, not both to pick) */
  chooser = sy_file_chooser_new (GTK_WINDOW (self),
                                 _ ("Open Model: a .gguf File or a Model Folder’s config.json"),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _ ("_Open"), TRUE);
  sy_file_chooser_add_filter (chooser, _ ("Models (.gguf, config.json, .safetensors)"),
                              "*.gguf", "config.json", "*.safetensors", NULL);
  sy_file_chooser_add_filter (chooser, _ ("All Files"), "*", NULL);
  /* Start beside the last model: models usually live side by side. */
  show_opener (self, chooser, last_model, &model_opener);
}

/* Export View… */

static void
on_export_chosen (GtkFileChooser *chooser,
                  GFile          *file,
                  gpointer        user_data)
{
  SyWindow *self = SY_WINDOW (user_data);
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    sy_window_show_toast (self, _("Choose a local file to export to"));
  else if (!sy_analysis_view_export (self->analysis, path, FALSE, &error))
    sy_window_show_toast (self, error->message);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *message = g_strdup_printf (_("Exported %s"), base);
      sy_window_show_toast (self, message);
    }
}

void
sy_window_choose_export (SyWindow *self)
{
  g_autofree char *name = sy_analysis_view_suggest_filename (self->analysis);
  GtkFileChooser *chooser;
  const struct { const char *label; const char *pattern; } formats[] = {
    { N_("SVG image (vector)"), "*.svg" },
    { N_("PNG image"), "*.png" },
    { N_("PDF document"), "*.pdf" },
  };

  chooser = sy_file_chooser_new (GTK_WINDOW (self), _("Export View"),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), TRUE);
  gtk_file_chooser_set_current_name (chooser, name);
  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    sy_file_chooser_add_filter (chooser, _(formats[i].label), formats[i].pattern, NULL);
  sy_file_chooser_show (chooser, on_export_chosen, g_object_ref (self), g_object_unref);
}

/* Sessions */

gboolean
sy_window_is_session_file (GFile *file)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  name = g_file_get_basename (file);
  return name != NULL && g_str_has_suffix (name, SY_SESSION_FILE_EXTENSION);
}

/* An error dialog like the one of a model that failed to load. */
static void
show_session_error (SyWindow   *self,
                    GFile      *file,
                    const char *message)
{
  g_autofree char *path = g_file_get_path (file);
  gsize len = path ? strlen (path) : 0;

  /* the engine's messages start with the file's path: it is above already */
  if (path != NULL && strncmp (message, path, len) == 0 && strncmp (message + len, ": ", 2) == 0)
    message += len + 2;
  sy_window_show_file_error (self, _("Could Not Open Session"), "sy-session-error", file, message);
}

void
sy_window_apply_session (SyWindow            *self,
                         const SySessionFile *session,
                         GFile               *file,
                         const char          *model_path)
{
  gboolean compare = session->compare || g_str_equal (session->view, "compare");
  g_autoptr (GError) error = NULL;

  sy_analysis_view_set_text (self->analysis, session->text);
  if (!sy_analysis_view_set_router (self->analysis, session->router_a, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Configuration A of the session does not fit this model: %s"),
                                                  error->message);
      sy_window_show_toast (self, message);
      g_clear_error (&error);
    }
  if (session->router_b != NULL && !sy_analysis_view_set_router_b (self->analysis, session->router_b, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Configuration B of the session does not fit this model: %s"),
                                                  error->message);
      sy_window_show_toast (self, message);
      g_clear_error (&error);
    }
  sy_analysis_view_set_compare (self->analysis, compare);
  if (!compare)
    sy_analysis_view_set_view (self->analysis, session->view);
  sy_analysis_view_set_measure (self->analysis, session->measure, NULL);
  sy_analysis_view_select (self->analysis, session->token, session->layer);
  sy_analysis_view_set_heatmap_zoom (self->analysis, session->heatmap_cell_width);

  if (session->model_fingerprint != NULL)
    {
      g_autofree char *fingerprint = sy_model_fingerprint (model_path, NULL);

      if (g_strcmp0 (fingerprint, session->model_fingerprint) != 0)
        sy_window_show_toast (self, _("The model changed since this session was saved"));
    }

  g_set_object (&self->session_file, file);
  g_signal_emit_by_name (self, "session-opened", file);
}

gboolean
sy_window_open_session (SyWindow *self,
                        GFile    *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SySessionFile) session = NULL;
  g_autoptr (GFile) model = NULL;
  g_autofree char *path = NULL;
  g_autofree char *model_path = NULL;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      show_session_error (self, file, _("Only local session files can be opened"));
      return FALSE;
    }
  session = sy_session_file_load (path, &error);
  if (session == NULL)
    {
      show_session_error (self, file, error->message);
      return FALSE;
    }
  /* a session of a recorded trace opens in a trace window */
  if (session->trace != NULL)
    {
      SyTraceWindow *tw = sy_trace_window_open_session (gtk_window_get_application (GTK_WINDOW (self)),
                                                        session, path, &error);

      if (tw == NULL)
        {
          show_session_error (self, file, error->message);
          return FALSE;
        }
      gtk_window_present (GTK_WINDOW (tw));
      return TRUE;
    }
  model_path = sy_session_file_resolve_model (session, path, &error);
  if (model_path == NULL)
    {
      show_session_error (self, file, error->message);
      return FALSE;
    }
  {
    g_autoptr (GFile) named = g_file_new_for_path (model_path);

    model = sy_window_resolve_model (named, &error);
  }
  if (model == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The session’s model cannot be opened: %s"),
                                                  error->message);
      show_session_error (self, file, message);
      return FALSE;
    }

  /* its model is the one open: restore at once */
  if (self->model_folder != NULL && self->loading_folder == NULL &&
      g_file_equal (self->model_folder, model))
    {
      sy_window_apply_session (self, session, file, model_path);
      return TRUE;
    }
  if (!sy_window_open_model (self, model))
    return FALSE;
  self->pending_session = g_steal_pointer (&session);
  g_set_object (&self->pending_session_file, file);
  return TRUE;
}

gboolean
sy_window_save_session (SyWindow  *self,
                        GFile     *file,
                        GError   **error)
{
  g_autoptr (SySessionFile) session = sy_session_file_new ();
  g_autofree char *path = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *demo = NULL;
  const char *view, *measure;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->model_folder == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("Open a model first"));
      return FALSE;
    }
  path = g_file_get_path (file);
  model_path = g_file_get_path (self->model_folder);
  if (path == NULL || model_path == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("Choose a local file to save the session to"));
      return FALSE;
    }

  /* the shipped demo model is saved as null: it opens wherever it is installed */
  demo = sy_default_model_path (NULL);
  if (demo != NULL)
    {
      g_autoptr (GFile) demo_folder = g_file_new_for_path (demo);

      if (!g_file_equal (self->model_folder, demo_folder))
        session->model = g_strdup (model_path);
    }
  else
    session->model = g_strdup (model_path);
  session->model_fingerprint = sy_model_fingerprint (model_path, NULL);
  g_free (session->text);
  session->text = sy_analysis_view_get_text (self->analysis);
  g_free (session->router_a);
  session->router_a = sy_analysis_view_get_router (self->analysis);
  session->router_b = sy_analysis_view_get_router_b (self->analysis);
  session->compare = sy_analysis_view_get_compare (self->analysis);
  view = sy_analysis_view_get_view (self->analysis);
  if (sy_session_file_view_is_valid (view))
    {
      g_free (session->view);
      session->view = g_strdup (view);
    }
  measure = sy_analysis_view_get_measure (self->analysis);
  if (sy_session_file_measure_is_valid (measure))
    {
      g_free (session->measure);
      session->measure = g_strdup (measure);
    }
  session->token = sy_analysis_view_get_selected_token (self->analysis);
  session->layer = sy_analysis_view_get_selected_layer (self->analysis);
  session->heatmap_cell_width = sy_analysis_view_get_heatmap_zoom (self->analysis);

  if (!sy_session_file_save (session, path, error))
    return FALSE;
  g_set_object (&self->session_file, file);
  return TRUE;
}

static void
on_save_session_chosen (GtkFileChooser *chooser,
                        GFile          *chosen,
                        gpointer        user_data)
{
  SyWindow *self = SY_WINDOW (user_data);
  g_autoptr (GFile) file = chosen ? g_object_ref (chosen) : NULL;
  g_autofree char *name = file ? g_file_get_basename (file) : NULL;
  g_autoptr (GError) error = NULL;

  /* a name given without an extension gets the session's */
  if (file != NULL && name != NULL && strchr (name, '.') == NULL)
    {
      g_autoptr (GFile) parent = g_file_get_parent (file);
      g_autofree char *full = g_strconcat (name, SY_SESSION_FILE_EXTENSION, NULL);

      g_clear_object (&file);
      file = g_file_get_child (parent, full);
      g_free (name);
      name = g_steal_pointer (&full);
    }
  if (file == NULL)
    sy_window_show_toast (self, _("Choose a local file to save the session to"));
  else if (!sy_window_save_session (self, file, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the session: %s"), error->message);
      sy_window_show_toast (self, message);
    }
  else
    {
      g_autofree char *message = g_strdup_printf (_("Saved session “%s”"), name);
      sy_window_show_toast (self, message);
    }
}

/* A modal chooser of session files. */
static GtkFileChooser *
session_chooser (SyWindow             *self,
                 const char           *title,
                 GtkFileChooserAction  action,
                 const char           *accept_label)
{
  GtkFileChooser *chooser = sy_file_chooser_new (GTK_WINDOW (self), title, action, accept_label,
                                                 TRUE);
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Switchyard sessions"));
  gtk_file_filter_add_pattern (filter, "*" SY_SESSION_FILE_EXTENSION);
  gtk_file_filter_add_mime_type (filter, SY_SESSION_FILE_MIME_TYPE);
  gtk_file_chooser_add_filter (chooser, filter);
  g_object_unref (filter);
  return chooser;
}

void
sy_window_choose_save_session (SyWindow *self)
{
  GtkFileChooser *chooser = session_chooser (self, _("Save Session"), GTK_FILE_CHOOSER_ACTION_SAVE,
                                             _("_Save"));

  if (self->session_file != NULL)
    gtk_file_chooser_set_file (chooser, self->session_file, NULL);
  else
    {
      g_autofree char *model = self->model_folder ? g_file_get_basename (self->model_folder) : NULL;
      g_autofree char *name = g_strconcat (model ? model : "switchyard", SY_SESSION_FILE_EXTENSION, NULL);

      gtk_file_chooser_set_current_name (chooser, name);
    }
  sy_file_chooser_show (chooser, on_save_session_chosen, g_object_ref (self), g_object_unref);
}

void
sy_window_choose_open_session (SyWindow *self)
{
  GtkFileChooser *chooser = session_chooser (self, _("Open Session"), GTK_FILE_CHOOSER_ACTION_OPEN,
                                             _("_Open"));

  sy_file_chooser_add_filter (chooser, _("All files"), "*", NULL);
  show_opener (self, chooser, self->session_file, &session_opener);
}
