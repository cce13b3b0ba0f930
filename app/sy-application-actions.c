/* sy-application-actions.c: app.* actions and the accelerators of all actions
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sy-application-private.h"

static gpointer
ref_window (gconstpointer window,
            gpointer      user_data)
{
  return g_object_ref ((gpointer) window);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows = g_list_copy_deep (gtk_application_get_windows (app), ref_window, NULL);

  /* Closing (not destroying) lets each window save its size.  The
   * application ends with its last window. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free_full (windows, g_object_unref);

  if (gtk_application_get_windows (app) == NULL)
    g_application_quit (G_APPLICATION (app));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = {
    "The Switchyard authors",
    NULL
  };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "application-name", _ ("Switchyard"),
                        "application-icon", SY_ICON_NAME,
                        "developer-name", _ ("The Switchyard authors"),
                        "version", PACKAGE_VERSION,
                        "comments", _ ("See which experts a Mixture-of-Experts model routes each token to, "
                                      "layer by layer, and what other routing policies would do."),
                        "website", "https://github.com/switchyard/switchyard",
                        "issue-url", "https://github.com/switchyard/switchyard/issues",
                        "copyright", "© 2026 The Switchyard authors",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: your names, one per line */
                        "translator-credits", _ ("translator-credits"),
                        "transient-for", gtk_application_get_active_window (app),
                        "modal", TRUE,
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
shortcuts_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (app);
  g_autoptr (GtkBuilder) builder = NULL;
  GtkWindow *window;

  builder = gtk_builder_new_from_resource ("/io/github/switchyard/Switchyard/ui/sy-shortcuts-window.ui");
  window = GTK_WINDOW (gtk_builder_get_object (builder, "shortcuts_window"));
  /* (the parent first: once in the application, the new window is the active one) */
  gtk_window_set_transient_for (window, parent);
  gtk_window_set_application (window, app);
  gtk_window_present (window);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_activated },
  { .name = "about", .activate = about_activated },
  { .name = "shortcuts", .activate = shortcuts_activated },
};

/* Every accelerator of the app, app.* and win.* alike, in one place. */
static const struct
{
  const char *action;
  const char *accels[3];
} accels[] = {
  { "app.quit", { "<Primary>q", NULL } },
  { "app.shortcuts", { "<Primary>question", "<Primary>F1", NULL } },
  { "win.open", { "<Primary>o", NULL } },
  { "win.open-session", { "<Primary><Shift>o", NULL } },
  { "win.save-session", { "<Primary>s", NULL } },
  { "win.save-trace", { "<Primary><Shift>s", NULL } },
  { "win.close", { "<Primary>w", NULL } },
  { "win.compare", { "<Primary>d", NULL } },
  { "win.export", { "<Primary>e", NULL } },
};

void
_sy_application_actions_init (SyApplication *self)
{
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                           accels[i].action, accels[i].accels);
}
