/* sy-window.c: the main window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A header bar (open button, title with the model's path as subtitle,
 * primary menu), then a toast overlay around a stack.  The stack holds
 * the empty state until the views land in it.  Every way of choosing a
 * model (file chooser, recent list, drag and drop, command line) ends in
 * sy_window_open_model().  Sessions (.switchyard files, sy-session-file.h)
 * are saved from and restored into the analysis view (sy-window-files.c,
 * with the file choosers); opening one loads its model through
 * sy_window_open_model() and applies the rest when the model has loaded.
 * A run that stops because the model's file changed
 * on disk (a mapped model, re-downloaded or truncated) keeps the text
 * and offers to reload the model (a toast with a Reload button).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-default-model.h"
#include "sy-gguf.h"
#include "sy-profiler-window.h"
#include "sy-session-file.h"
#include "sy-signal.h"
#include "sy-window-private.h"
#include "sy-trace-window.h"

/* How many folders 'recent-models' keeps. */
#define SY_RECENT_MAX 10

G_DEFINE_FINAL_TYPE (SyWindow, sy_window, ADW_TYPE_APPLICATION_WINDOW)

enum
{
  MODEL_OPENED,
  SESSION_OPENED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
sy_window_display_path (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  if (path == NULL)
    return g_file_get_parse_name (file);
  if (home_len > 1 && strncmp (path, home, home_len) == 0 && path[home_len] == '/')
    return g_strconcat ("~", path + home_len, NULL);
  return g_steal_pointer (&path);
}

/* Menu labels read '_' as a mnemonic: double it to show it. */
static char *
escape_mnemonic (const char *text)
{
  g_auto (GStrv) parts = g_strsplit (text, "_", -1);

  return g_strjoinv ("__", parts);
}

/* A file that a person picks inside a Hugging Face model folder (the
 * file chooser shows files): it stands for its folder. */
static gboolean
is_model_folder_member (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);

  return name != NULL &&
         (g_str_equal (name, "config.json") || g_str_equal (name, "tokenizer.json") ||
          g_str_equal (name, "model.safetensors.index.json") ||
          g_str_has_suffix (name, ".safetensors"));
}

GFile *
sy_window_resolve_model (GFile   *file,
               GError **error)
{
  g_autofree char *name = sy_window_display_path (file);
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GFile) config = NULL;
  GFileType type;

  type = g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL);
  if (type == G_FILE_TYPE_UNKNOWN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _ ("“%s” does not exist"), name);
      return NULL;
    }
  if (type == G_FILE_TYPE_REGULAR)
    {
      g_autofree char *path = g_file_get_path (file);

      if (path != NULL && sy_gguf_is_gguf (path))
        return g_object_ref (file);
      if (g_str_has_suffix (name, ".gguf"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("“%s” is not a GGUF file: it does not start with the GGUF magic"), name);
          return NULL;
        }
      if (!is_model_folder_member (file))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("“%s” is neither a GGUF file nor a model folder: open a .gguf file "
                          "or a folder with config.json"), name);
          return NULL;
        }
      folder = g_file_get_parent (file);
    }
  else if (type == G_FILE_TYPE_DIRECTORY)
    folder = g_object_ref (file);
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _ ("“%s” is neither a GGUF file nor a model folder"), name);
      return NULL;
    }

  config = g_file_get_child (folder, "config.json");
  if (g_file_query_file_type (config, G_FILE_QUERY_INFO_NONE, NULL) != G_FILE_TYPE_REGULAR)
    {
      g_autofree char *folder_name = sy_window_display_path (folder);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _ ("“%s” has no config.json: not a Hugging Face model folder"), folder_name);
      return NULL;
    }
  return g_steal_pointer (&folder);
}

static void
update_recent_menu (SyWindow *self)
{
  g_auto (GStrv) recent = g_settings_get_strv (self->settings, "recent-models");
  g_autoptr (GMenu) submenu = NULL;

  g_menu_remove_all (self->recent_section);
  if (recent[0] == NULL)
    return;

  submenu = g_menu_new ();
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_path (recent[i]);
      g_autofree char *shown = sy_window_display_path (file);
      g_autofree char *escaped = escape_mnemonic (shown);
      /* a recorded trace (remembered by its window) opens in a trace window */
      g_autofree char *label = g_str_has_suffix (recent[i], ".json")
        ? g_strdup_printf (_("%s (trace)"), escaped) : g_strdup (escaped);
      g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, "win.open-recent", "s", recent[i]);
      g_menu_append_item (submenu, item);
    }
  g_menu_append_submenu (self->recent_section, _ ("Open _Recent"), G_MENU_MODEL (submenu));
}

void
sy_window_remember_recent (GSettings  *settings,
                           const char *path)
{
  g_auto (GStrv) old = g_settings_get_strv (settings, "recent-models");
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) recent = NULL;
  guint n = 1;

  g_strv_builder_add (builder, path);
  for (guint i = 0; old[i] != NULL && n < SY_RECENT_MAX; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  recent = g_strv_builder_end (builder);
  g_settings_set_strv (settings, "recent-models", (const char * const *) recent);
}

static void
remember_model (SyWindow   *self,
                const char *path)
{
  g_settings_set_string (self->settings, "last-model", path);
  sy_window_remember_recent (self->settings, path);
}

void
sy_window_show_file_error (SyWindow   *self,
                           const char *title,
                           const char *css_class,
                           GFile      *file,
                           const char *message)
{
  g_autofree char *shown = sy_window_display_path (file);
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), title, NULL));
  adw_message_dialog_format_body (dialog, "%s\n\n%s", shown, message);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  gtk_widget_add_css_class (GTK_WIDGET (dialog), css_class);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The error dialog of a model that cannot be opened: what was asked for,
 * and why not.  The model in use stays. */
static void
show_open_error (SyWindow   *self,
                 GFile      *file,
                 const char *message)
{
  sy_window_show_file_error (self, _("Could Not Open Model"), "sy-load-error", file, message);
}

/* The model is being loaded again: the toast offering it is done with.
 * It is not dismissed from here: libadwaita 1.2 can crash when a toast
 * is dismissed during its show animation (its Reload button dismisses
 * it, and its timeout); forgotten, a new failure can offer again. */
static void
forget_reload_toast (SyWindow *self)
{
  g_clear_weak_pointer (&self->reload_toast);
}

gboolean
sy_window_open_model (SyWindow *self,
                      GFile    *file)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GFile) folder = NULL;
  g_autofree char *path = NULL;
  g_autofree char *shown = NULL;

  g_return_val_if_fail (SY_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  folder = sy_window_resolve_model (file, &error);
  if (folder == NULL)
    {
      show_open_error (self, file, error->message);
      return FALSE;
    }
  path = g_file_get_path (folder);
  if (path == NULL)
    {
      sy_window_show_toast (self, _("Only local models can be opened"));
      return FALSE;
    }

  /* Loading runs in the background; the model in use stays until the new
   * one has loaded (on_model_loaded) or failed (on_load_failed).  A
   * session waiting for its model gives way to any other model opened. */
  g_clear_pointer (&self->pending_session, sy_session_file_free);
  g_clear_object (&self->pending_session_file);
  g_set_object (&self->loading_folder, folder);
  shown = sy_window_display_path (folder);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->loading_page), shown);
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->loading_bar), 0);
  gtk_label_set_text (GTK_LABEL (self->loading_note), "");
  gtk_widget_set_visible (self->loading_note, FALSE);
  forget_reload_toast (self);
  gtk_stack_set_visible_child (self->stack, self->loading_page);
  sy_analysis_view_load_model (self->analysis, path);
  return TRUE;
}

gboolean
sy_window_open_default_model (SyWindow  *self,
                              GError   **error)
{
  g_autofree char *path = sy_default_model_path (error);
  g_autoptr (GFile) folder = NULL;

  if (path == NULL)
    return FALSE;
  folder = g_file_new_for_path (path);
  return sy_window_open_model (self, folder);
}

SyAnalysisView *
sy_window_get_analysis_view (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);
  return self->analysis;
}

static void
update_export_action (SyWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export",
                                 sy_analysis_view_has_trace (self->analysis));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-trace",
                                 sy_analysis_view_has_trace (self->analysis));
}

static void
on_model_loaded (SyAnalysisView *view,
                 const char     *path,
                 SyWindow       *self)
{
  g_autoptr (GFile) folder = g_file_new_for_path (path);
  g_autofree char *shown = sy_window_display_path (folder);

  g_clear_object (&self->loading_folder);
  remember_model (self, path);
  g_set_object (&self->model_folder, folder);
  adw_window_title_set_subtitle (self->window_title, shown);
  gtk_stack_set_visible_child_name (self->stack, "views");

  if (!self->restored)
    {
      g_autofree char *policy = g_settings_get_string (self->settings, "last-policy");
      g_autofree char *view_name = g_settings_get_string (self->settings, "view");
      g_autofree char *measure = g_settings_get_string (self->settings, "measure");

      self->restored = TRUE;
      /* a saved policy that does not fit this model is left out quietly */
      sy_analysis_view_set_router (self->analysis, policy, NULL);
      sy_analysis_view_set_view (self->analysis, view_name);
      sy_analysis_view_set_measure (self->analysis, measure, NULL);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-session", TRUE);
  g_signal_emit (self, signals[MODEL_OPENED], 0, folder);

  if (self->pending_session != NULL)
    {
      g_autoptr (SySessionFile) session = g_steal_pointer (&self->pending_session);
      g_autoptr (GFile) file = g_steal_pointer (&self->pending_session_file);

      sy_window_apply_session (self, session, file, path);
    }
}

static void
on_load_failed (SyAnalysisView *view,
                const char     *path,
                const GError   *error,
                SyWindow       *self)
{
  g_autoptr (GFile) folder = g_file_new_for_path (path);

  g_clear_object (&self->loading_folder);
  /* a session whose model did not load changes nothing */
  g_clear_pointer (&self->pending_session, sy_session_file_free);
  g_clear_object (&self->pending_session_file);
  /* back to what was there: the previous model's views, or the empty state */
  gtk_stack_set_visible_child_name (self->stack, self->model_folder ? "views" : "empty");
  if (g_error_matches (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      sy_window_show_toast (self, _("Loading cancelled"));
      return;
    }

  show_open_error (self, folder, error->message);
}

static void
on_load_progress (SyAnalysisView *view,
                  double          fraction,
                  const char     *text,
                  SyWindow       *self)
{
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->loading_bar), CLAMP (fraction, 0, 1));
  /* a note (a sentence, not a step like "layer 3") stays for the load */
  if (text != NULL && strlen (text) > 40)
    {
      gtk_label_set_text (GTK_LABEL (self->loading_note), text);
      gtk_widget_set_visible (self->loading_note, TRUE);
    }
}

static void
on_reload_toast_dismissed (AdwToast *toast,
                           SyWindow *self)
{
  if (self->reload_toast == toast)
    g_clear_weak_pointer (&self->reload_toast);
}

/* A run stopped because a file of the (mapped) model changed on disk:
 * the text stays, the status line names the file, and a toast offers to
 * load the model again (once, until it is dismissed, times out or is
 * used; the next failed run offers again). */
static void
on_run_failed (SyWorker     *worker,
               int           slot,
               const GError *error,
               SyWindow     *self)
{
  AdwToast *toast;

  if (!g_error_matches (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED)
      || self->reload_toast != NULL || self->model_folder == NULL)
    return;
  toast = adw_toast_new (_("The model’s files changed on disk"));
  adw_toast_set_button_label (toast, _("_Reload"));
  adw_toast_set_action_name (toast, "win.reload-model");
  adw_toast_set_timeout (toast, 15);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_set_weak_pointer (&self->reload_toast, toast);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_reload_toast_dismissed), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
reload_model (SyWindow *self)
{
  g_autoptr (GFile) folder = NULL;

  forget_reload_toast (self);
  if (self->model_folder == NULL || self->loading_folder != NULL)
    return;
  /* the text, policy and views stay: only the model is read again */
  folder = g_object_ref (self->model_folder);
  sy_window_open_model (self, folder);
}

AdwToast *
sy_window_get_reload_toast (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);
  return self->reload_toast;
}

static void
on_trace_changed (SyAnalysisView *view,
                  SyWindow       *self)
{
  update_export_action (self);
}

static void
save_view_settings (SyWindow *self)
{
  g_autofree char *policy = sy_analysis_view_get_router (self->analysis);
  const char *view = sy_analysis_view_get_view (self->analysis);
  const char *measure = sy_analysis_view_get_measure (self->analysis);

  if (!self->restored)
    return;
  g_settings_set_string (self->settings, "last-policy", policy);
  if (view)
    g_settings_set_string (self->settings, "view", view);
  if (measure)
    g_settings_set_string (self->settings, "measure", measure);
}

static void
on_cancel_load (GtkButton *button,
                SyWindow  *self)
{
  sy_analysis_view_cancel_load (self->analysis);
}

GFile *
sy_window_get_model_folder (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  return self->model_folder;
}

void
sy_window_show_toast (SyWindow   *self,
                      const char *message)
{
  AdwToast *toast;

  g_return_if_fail (SY_IS_WINDOW (self));

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

GtkStack *
sy_window_get_stack (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  return self->stack;
}

AdwToastOverlay *
sy_window_get_toast_overlay (SyWindow *self)
{
  g_return_val_if_fail (SY_IS_WINDOW (self), NULL);

  return self->toast_overlay;
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autoptr (GFile) folder = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  if (g_str_has_suffix (g_variant_get_string (parameter, NULL), ".json"))
    sy_trace_window_open_or_report (gtk_window_get_application (GTK_WINDOW (widget)),
                                    GTK_WINDOW (widget), folder);
  else
    sy_window_open_model (SY_WINDOW (widget), folder);
}

static void
close_window (SyWindow *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         gpointer       user_data)
{
  GFile *file = g_value_get_object (value);

  if (file == NULL)
    return FALSE;
  if (sy_window_is_session_file (file))
    return sy_window_open_session (SY_WINDOW (user_data), file);
  if (sy_trace_window_is_trace_file (file))
    return sy_trace_window_open_or_report (GTK_APPLICATION (gtk_window_get_application (
                                             GTK_WINDOW (user_data))), GTK_WINDOW (user_data), file);
  return sy_window_open_model (SY_WINDOW (user_data), file);
}

static void
choose_open_trace (SyWindow *self)
{
  sy_trace_window_choose (GTK_WINDOW (self));
}

static void
on_recent_changed (GSettings  *settings,
                   const char *key,
                   gpointer    user_data)
{
  update_recent_menu (SY_WINDOW (user_data));
}

static gboolean
sy_window_close_request (GtkWindow *window)
{
  SyWindow *self = SY_WINDOW (window);
  gboolean maximized = gtk_window_is_maximized (window);

  /* The size to come back to is the unmaximized one. */
  if (!maximized)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }
  g_settings_set_boolean (self->settings, "window-maximized", maximized);
  save_view_settings (self);

  return GTK_WINDOW_CLASS (sy_window_parent_class)->close_request (window);
}

static void
sy_window_dispose (GObject *object)
{
  SyWindow *self = SY_WINDOW (object);

  g_clear_weak_pointer (&self->reload_toast);
  gtk_widget_dispose_template (GTK_WIDGET (self), SY_TYPE_WINDOW);

  G_OBJECT_CLASS (sy_window_parent_class)->dispose (object);
}

static void
sy_window_finalize (GObject *object)
{
  SyWindow *self = SY_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->model_folder);
  g_clear_object (&self->loading_folder);
  g_clear_pointer (&self->pending_session, sy_session_file_free);
  g_clear_object (&self->pending_session_file);
  g_clear_object (&self->session_file);

  G_OBJECT_CLASS (sy_window_parent_class)->finalize (object);
}

/* Compare mode on and off (the "Compare" page of the views). */
static void
toggle_compare (SyWindow *self)
{

  sy_analysis_view_set_compare (self->analysis, !sy_analysis_view_get_compare (self->analysis));
}

static void
open_profiler (SyWindow *self)
{
  g_autofree char *path = self->model_folder ? g_file_get_path (self->model_folder) : NULL;
  g_autofree char *router = self->analysis ? sy_analysis_view_get_router (self->analysis) : NULL;
  SyModel *model = self->analysis ? sy_worker_get_model (sy_analysis_view_get_worker (self->analysis)) : NULL;
  SyProfilerWindow *profiler = sy_profiler_window_new (GTK_WINDOW (self), path, model, router);

  if (self->analysis)
    sy_analysis_view_set_profiler (self->analysis, GTK_WIDGET (profiler));
  gtk_window_present (GTK_WINDOW (profiler));
}

/* The window's actions without a parameter, run by window_action
 * (accelerators: sy-application-actions.c). */
static const struct
{
  const char *name;
  void      (*run) (SyWindow *self);
} window_actions[] = {
  { "win.close", close_window },
  { "win.profile", open_profiler },
  { "win.compare", toggle_compare },
  { "win.reload-model", reload_model },
  { "win.open-trace", choose_open_trace },
  { "win.save-trace", sy_window_choose_save_trace },
  { "win.open", sy_window_choose_model },
  { "win.export", sy_window_choose_export },
  { "win.open-session", sy_window_choose_open_session },
  { "win.save-session", sy_window_choose_save_session },
};

static void
window_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  for (guint i = 0; i < G_N_ELEMENTS (window_actions); i++)
    if (g_str_equal (window_actions[i].name, action_name))
      window_actions[i].run (SY_WINDOW (widget));
}

static void
sy_window_class_init (SyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sy_window_dispose;
  object_class->finalize = sy_window_finalize;
  window_class->close_request = sy_window_close_request;

  /**
   * SyWindow::model-opened:
   * @folder: the model folder
   *
   * A model folder has loaded (and is recorded in the settings).
   */
  signals[MODEL_OPENED] = sy_signal_new (klass, "model-opened", 1, G_TYPE_FILE);

  /**
   * SyWindow::session-opened:
   * @file: the session file
   *
   * A session's model is open and its text, routers, view, measure,
   * selection and zoom are in place.
   */
  signals[SESSION_OPENED] = sy_signal_new (klass, "session-opened", 1, G_TYPE_FILE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/switchyard/Switchyard/ui/sy-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SyWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SyWindow, recent_section);

  /* Accelerators: sy-application-actions.c */
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  for (guint i = 0; i < G_N_ELEMENTS (window_actions); i++)
    gtk_widget_class_install_action (widget_class, window_actions[i].name, NULL, window_action);
}

/* the q8-activations preference, to the worker (it reruns on a change) */
static void
on_activations_changed (GSettings  *settings,
                        const char *key,
                        SyWindow   *self)
{
  sy_worker_set_activations (sy_analysis_view_get_worker (self->analysis),
                             g_settings_get_boolean (settings, "q8-activations")
                             ? SY_ACTIVATIONS_Q8 : SY_ACTIVATIONS_F32);
}

static void
sy_window_init (SyWindow *self)
{
  GtkDropTarget *drop;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = sy_settings_new ();
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->settings, "changed::recent-models",
                           G_CALLBACK (on_recent_changed), self, 0);
  update_recent_menu (self);

#ifdef DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif

  /* the working area and the loading page */
  self->analysis = SY_ANALYSIS_VIEW (sy_analysis_view_new ());
  gtk_stack_add_named (self->stack, GTK_WIDGET (self->analysis), "views");
  g_signal_connect_object (self->analysis, "model-loaded", G_CALLBACK (on_model_loaded), self, 0);
  g_signal_connect_object (self->analysis, "load-failed", G_CALLBACK (on_load_failed), self, 0);
  g_signal_connect_object (self->analysis, "load-progress", G_CALLBACK (on_load_progress), self, 0);
  g_signal_connect_object (self->analysis, "trace-changed", G_CALLBACK (on_trace_changed), self, 0);
  g_signal_connect_object (sy_analysis_view_get_worker (self->analysis), "run-failed",
                           G_CALLBACK (on_run_failed), self, 0);
  {
    /* win.q8-activations: the menu's toggle of the preference */
    g_autoptr (GAction) q8 = g_settings_create_action (self->settings, "q8-activations");

    g_action_map_add_action (G_ACTION_MAP (self), q8);
  }
  g_signal_connect_object (self->settings, "changed::q8-activations",
                           G_CALLBACK (on_activations_changed), self, 0);
  on_activations_changed (self->settings, "q8-activations", self);
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
    GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));

    self->loading_bar = gtk_progress_bar_new ();
    gtk_widget_set_size_request (self->loading_bar, 300, -1);
    gtk_widget_set_halign (cancel, GTK_ALIGN_CENTER);
    gtk_widget_add_css_class (cancel, "pill");
    g_signal_connect_object (cancel, "clicked", G_CALLBACK (on_cancel_load), self, 0);
    self->loading_note = gtk_label_new (NULL);
    gtk_label_set_wrap (GTK_LABEL (self->loading_note), TRUE);
    gtk_label_set_max_width_chars (GTK_LABEL (self->loading_note), 60);
    gtk_label_set_justify (GTK_LABEL (self->loading_note), GTK_JUSTIFY_CENTER);
    gtk_widget_add_css_class (self->loading_note, "sy-load-note");
    gtk_widget_set_visible (self->loading_note, FALSE);
    gtk_box_append (GTK_BOX (box), self->loading_bar);
    gtk_box_append (GTK_BOX (box), self->loading_note);
    gtk_box_append (GTK_BOX (box), cancel);
    self->loading_page = adw_status_page_new ();
    adw_status_page_set_title (ADW_STATUS_PAGE (self->loading_page), _("Loading Model…"));
    adw_status_page_set_child (ADW_STATUS_PAGE (self->loading_page), box);
    gtk_stack_add_named (self->stack, self->loading_page, "loading");
  }
  update_export_action (self);
  /* a session needs a model */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-session", FALSE);

  drop = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}

SyWindow *
sy_window_new (SyApplication *application)
{
  g_return_val_if_fail (SY_IS_APPLICATION (application), NULL);

  return g_object_new (SY_TYPE_WINDOW, "application", application, NULL);
}
