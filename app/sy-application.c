/* sy-application.c: the Switchyard GtkApplication
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One application, any number of windows.  `switchyard [MODEL_DIR|FILE.switchyard...]`
 * opens each model (folder or GGUF file) or session in a window (G_APPLICATION_HANDLES_OPEN).  The colour
 * scheme is left to AdwStyleManager, which follows the system's light or
 * dark preference.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-app-resources.h"
#include "sy-application-private.h"
#include "sy-window.h"
#include "sy-trace-window.h"

G_DEFINE_FINAL_TYPE (SyApplication, sy_application, ADW_TYPE_APPLICATION)

GSettingsSchema *
sy_settings_schema_lookup (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchemaSource) build_source = NULL;
  GSettingsSchema *schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SY_SETTINGS_SCHEMA_ID, TRUE);
  if (schema != NULL)
    return schema;

  /* Not installed: the schema compiled in the build tree (data/). */
  build_source = g_settings_schema_source_new_from_directory (SY_BUILD_SCHEMADIR, source,
                                                              FALSE, NULL);
  if (build_source != NULL)
    schema = g_settings_schema_source_lookup (build_source, SY_SETTINGS_SCHEMA_ID, FALSE);
  return schema;
}

GSettings *
sy_settings_new (void)
{
  g_autoptr (GSettingsSchema) schema = sy_settings_schema_lookup ();

  /* main() checks the schema before running; a caller that does not gets told. */
  g_return_val_if_fail (schema != NULL, NULL);

  return g_settings_new_full (schema, NULL, NULL);
}

SyApplication *
sy_application_new (void)
{
  return g_object_new (SY_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/switchyard/Switchyard",
                       NULL);
}

static SyWindow *
get_or_create_window (SyApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (SY_IS_WINDOW (window))
    return SY_WINDOW (window);
  return sy_window_new (self);
}

static void
sy_application_activate (GApplication *app)
{
  GtkWindow *existing = gtk_application_get_active_window (GTK_APPLICATION (app));
  SyWindow *window = get_or_create_window (SY_APPLICATION (app));

  gtk_window_present (GTK_WINDOW (window));
  /* A new window starts on the shipped demo model, so there is something
   * to see at once; without one it shows the empty state. */
  if (existing == NULL)
    {
      g_autoptr (GError) error = NULL;

      if (!sy_window_open_default_model (window, &error))
        g_debug ("%s", error->message);
    }
}

static void
sy_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  SyApplication *self = SY_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      SyWindow *window;

      /* A recorded trace gets a window of its own (sy-trace-window.c);
       * the main window shows only when it cannot be opened. */
      if (sy_trace_window_is_trace_file (files[i]))
        {
          g_autoptr (GError) error = NULL;
          SyTraceWindow *tw = sy_trace_window_open (GTK_APPLICATION (app), files[i], &error);

          if (tw != NULL)
            {
              gtk_window_present (GTK_WINDOW (tw));
              continue;
            }
          window = get_or_create_window (self);
          gtk_window_present (GTK_WINDOW (window));
          sy_trace_window_open_or_report (GTK_APPLICATION (app), GTK_WINDOW (window), files[i]);
          continue;
        }
      /* The first model goes into the current window, each other one into its own. */
      window = i == 0 ? get_or_create_window (self) : sy_window_new (self);

      gtk_window_present (GTK_WINDOW (window));
      if (sy_window_is_session_file (files[i]))
        sy_window_open_session (window, files[i]);
      else
        sy_window_open_model (window, files[i]);
    }
}

static void
sy_application_startup (GApplication *app)
{
  SyApplication *self = SY_APPLICATION (app);

  G_APPLICATION_CLASS (sy_application_parent_class)->startup (app);

  g_set_application_name (_ ("Switchyard"));
  gtk_window_set_default_icon_name (APPLICATION_ID);

  _sy_application_actions_init (self);
}

void
sy_application_ensure_resources (void)
{
  static gsize registered = 0;

  /* Registered here (--manual-register) so that linking the static
   * library can never drop the resources. */
  if (g_once_init_enter (&registered))
    {
      sy_app_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

static void
sy_application_class_init (SyApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = sy_application_activate;
  app_class->open = sy_application_open;
  app_class->startup = sy_application_startup;

  sy_application_ensure_resources ();
}

static void
sy_application_init (SyApplication *self)
{
}
