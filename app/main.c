/* main.c: the entry point of switchyard, the desktop app
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: switchyard [MODEL_DIR|SESSION.switchyard...]
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>

#include "sy-application.h"

/* SIGTERM and SIGINT end the app as app.quit does: windows save their state. */
static gboolean
on_quit_signal (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);
  return G_SOURCE_CONTINUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (SyApplication) app = NULL;
  g_autoptr (GSettingsSchema) schema = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  schema = sy_settings_schema_lookup ();
  if (schema == NULL)
    {
      g_printerr ("switchyard: ");
      g_printerr (_ ("the GSettings schema %s is not installed (run “meson install”, "
                    "or set GSETTINGS_SCHEMA_DIR to the build’s data/ folder)"),
                  SY_SETTINGS_SCHEMA_ID);
      g_printerr ("\n");
      return 1;
    }

  app = sy_application_new ();
  g_unix_signal_add (SIGTERM, on_quit_signal, app);
  g_unix_signal_add (SIGINT, on_quit_signal, app);

  return g_application_run (G_APPLICATION (app), argc, argv);
}
