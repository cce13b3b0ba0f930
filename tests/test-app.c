/* test-app.c: the application shell, in-process (suite 'app')
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real SyApplication and SyWindow (from the sy-app library) on
 * the test's display: actions and accelerators, the window's structure,
 * opening models (and refusing what is not one), the remembered window
 * size, the command line, and a rendering of the window that must not be
 * blank.  Without a display every test is skipped (switchyard.sh test
 * starts Xvfb).  Settings use the memory backend (tests/meson.build).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "sy-application.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-analysis-view.h"
#include "sy-window.h"

static SyApplication *app;

#define SKIP_WITHOUT_DISPLAY() SY_TEST_SKIP_WITHOUT_DISPLAY (app)

/* Runs the main loop until @done returns TRUE.  The test's meson
 * timeout bounds a condition that never comes. */
static void
iterate_until (gboolean (*done) (gpointer),
               gpointer  data)
{
  while (!done (data))
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
widget_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (GTK_WIDGET (widget));
}

static SyWindow *
get_window (void)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      g_application_activate (G_APPLICATION (app));
      window = gtk_application_get_active_window (GTK_APPLICATION (app));
    }
  g_assert_true (SY_IS_WINDOW (window));
  iterate_until (widget_is_mapped, window);
  return SY_WINDOW (window);
}


/* Collects "action" or "action(target)" of every item, through sections and submenus. */
static void
collect_menu_actions (GMenuModel *model,
                      GPtrArray  *out)
{
  for (int i = 0; i < g_menu_model_get_n_items (model); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr (GVariant) target = NULL;
      g_autoptr (GMenuLinkIter) links = NULL;
      GMenuModel *link;

      if (g_menu_model_get_item_attribute (model, i, G_MENU_ATTRIBUTE_ACTION, "s", &action))
        {
          target = g_menu_model_get_item_attribute_value (model, i, G_MENU_ATTRIBUTE_TARGET,
                                                          G_VARIANT_TYPE_STRING);
          if (target != NULL)
            g_ptr_array_add (out, g_strdup_printf ("%s(%s)", action,
                                                   g_variant_get_string (target, NULL)));
          else
            g_ptr_array_add (out, g_strdup (action));
        }

      links = g_menu_model_iterate_item_links (model, i);
      while (g_menu_link_iter_get_next (links, NULL, &link))
        {
          collect_menu_actions (link, out);
          g_object_unref (link);
        }
    }
}

static GPtrArray *
primary_menu_actions (SyWindow *window)
{
  GtkWidget *header = sy_test_find_widget (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR);
  GPtrArray *actions = g_ptr_array_new_with_free_func (g_free);
  GtkMenuButton *button;

  g_assert_nonnull (header);
  button = GTK_MENU_BUTTON (sy_test_find_widget (header, GTK_TYPE_MENU_BUTTON));
  g_assert_nonnull (button);
  g_assert_true (gtk_menu_button_get_primary (button));
  g_assert_nonnull (gtk_menu_button_get_menu_model (button));
  collect_menu_actions (gtk_menu_button_get_menu_model (button), actions);
  return actions;
}

static gboolean
window_class_has_action (const char *name)
{
  g_autoptr (GTypeClass) klass = g_type_class_ref (SY_TYPE_WINDOW);
  const GVariantType *parameter_type;
  const char *action, *property;
  GType owner;

  /* (GTK 4.8 fills every out argument: none may be NULL) */
  for (guint i = 0;
       gtk_widget_class_query_action (GTK_WIDGET_CLASS (klass), i, &owner, &action,
                                      &parameter_type, &property);
       i++)
    if (g_strcmp0 (action, name) == 0)
      return TRUE;
  return FALSE;
}

/* Whether @accel (as written in code, "<Primary>q") is one of @action's. */
static gboolean
has_accel (const char *action,
           const char *accel)
{
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), action);
  guint key, want_key;
  GdkModifierType mods, want_mods;

  g_assert_true (gtk_accelerator_parse (accel, &want_key, &want_mods));
  for (guint i = 0; accels[i] != NULL; i++)
    if (gtk_accelerator_parse (accels[i], &key, &mods) && key == want_key && mods == want_mods)
      return TRUE;
  return FALSE;
}

/* The files of a model folder: a real (tiny) model from the fixtures,
 * linked into a folder of the given name. */
static const char * const model_files[] = {
  "config.json", "generation_config.json", "model.safetensors",
  "tokenizer.json", "tokenizer_config.json",
};

static char *
make_model_folder (const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = sy_test_make_tmp_dir ("switchyard-test-XXXXXX");
  g_autofree char *folder = NULL;
  const char *fixtures = g_getenv ("SY_FIXTURES");

  g_assert_no_error (error);
  g_assert_nonnull (fixtures);
  folder = g_build_filename (tmp, name, NULL);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (model_files); i++)
    {
      g_autofree char *from = g_build_filename (fixtures, "models", "olmoe", model_files[i], NULL);
      g_autofree char *to = g_build_filename (folder, model_files[i], NULL);

      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  return g_steal_pointer (&folder);
}

/* A folder that looks like a model (it has a config.json) but is not one. */
static char *
make_broken_model_folder (const char *name)
{
  g_autofree char *tmp = sy_test_make_tmp_dir ("switchyard-test-XXXXXX");

  return sy_test_make_broken_model (tmp, name);
}

static void
remove_model_folder (const char *folder)
{
  g_autofree char *parent = g_path_get_dirname (folder);
  g_autoptr (GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (folder), ==, 0);
  g_assert_cmpint (g_rmdir (parent), ==, 0);
}

/* Waits for the model error dialog (sy_window_open_model and a failed
 * load show it), checks that its body names @needle, and closes it. */
static void
expect_load_error (const char *needle)
{
  GtkWindow *dialog = sy_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, "sy-load-error", FALSE, NULL, 0);

  g_test_message ("error dialog: %s", adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), needle));
  gtk_window_destroy (dialog);
}

static void
test_app_actions (void)
{
  SKIP_WITHOUT_DISPLAY ();

  g_assert_cmpstr (g_application_get_application_id (G_APPLICATION (app)), ==, APPLICATION_ID);
  g_assert_true (g_application_get_flags (G_APPLICATION (app)) & G_APPLICATION_HANDLES_OPEN);

  for (guint i = 0; i < 3; i++)
    {
      const char *name = (const char *[]) { "quit", "about", "shortcuts" }[i];

      g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), name));
      g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), name));
    }
  g_assert_true (window_class_has_action ("win.open"));
  g_assert_true (window_class_has_action ("win.open-recent"));
  g_assert_true (window_class_has_action ("win.close"));

  g_assert_true (has_accel ("app.quit", "<Primary>q"));
  g_assert_true (has_accel ("app.shortcuts", "<Primary>question"));
  g_assert_true (has_accel ("win.open", "<Primary>o"));
  g_assert_true (has_accel ("win.close", "<Primary>w"));
  g_assert_true (has_accel ("win.export", "<Primary>e"));
  g_assert_true (has_accel ("win.compare", "<Primary>d"));
  g_assert_false (has_accel ("win.open", "<Primary>q"));
}

static void
test_app_window (void)
{
  SyWindow *window;
  GtkWidget *title;
  GtkWidget *status;
  g_autoptr (GPtrArray) actions = NULL;

  SKIP_WITHOUT_DISPLAY ();

  window = get_window ();
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Switchyard");

  title = sy_test_find_widget (GTK_WIDGET (window), ADW_TYPE_WINDOW_TITLE);
  g_assert_nonnull (title);
  g_assert_cmpstr (adw_window_title_get_title (ADW_WINDOW_TITLE (title)), ==, "Switchyard");

  actions = primary_menu_actions (window);
  g_assert_true (g_ptr_array_find_with_equal_func (actions, "win.open", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (actions, "win.export", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (actions, "app.shortcuts", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (actions, "app.about", g_str_equal, NULL));

  /* The empty state, inside the stack and the toast overlay the views will use. */
  g_assert_true (gtk_widget_is_ancestor (GTK_WIDGET (sy_window_get_stack (window)),
                                         GTK_WIDGET (sy_window_get_toast_overlay (window))));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (window)), ==, "empty");
  status = sy_test_find_widget (GTK_WIDGET (window), ADW_TYPE_STATUS_PAGE);
  g_assert_nonnull (status);
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (status)), ==, "No Model Loaded");
  g_assert_true (gtk_widget_get_mapped (status));
}


static void
test_app_screenshot (void)
{
  SyWindow *window;
  g_autoptr (GdkTexture) texture = NULL;
  int width, height;

  SKIP_WITHOUT_DISPLAY ();

  window = get_window ();
  sy_test_settle (100);

  width = gtk_widget_get_width (GTK_WIDGET (window));
  height = gtk_widget_get_height (GTK_WIDGET (window));
  g_assert_cmpint (width, >=, 360);
  g_assert_cmpint (height, >=, 294);

  texture = sy_test_render_widget (GTK_WIDGET (window));
  g_assert_nonnull (texture);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, width);

  sy_test_save_png (texture, "test-app-window.png");

  /* Not blank: the whole window, and its content below the header bar
   * (the empty state's icon, text and button), each show many colours. */
  g_assert_cmpuint (sy_test_count_colours (texture, 0, 0, width, height), >, 16);
  g_assert_cmpuint (sy_test_count_colours (texture, width / 4, height / 4, width / 2, height / 2), >, 16);
}

static void
on_model_opened (SyWindow *window,
                 GFile    *folder,
                 GFile   **out)
{
  g_set_object (out, folder);
}

/* What is not a model is refused at once, with the error dialog naming
 * the problem, and changes nothing ('last-model' stays @a): a folder
 * without config.json, a missing path, a file that is neither a GGUF
 * (whatever its name says) nor in a model folder. */
static void
check_not_models (SyWindow   *window,
                  GSettings  *settings,
                  const char *a)
{
  g_autofree char *parent = g_path_get_dirname (a);
  g_autofree char *missing = g_build_filename (a, "no-such-folder", NULL);
  g_autofree char *fake_gguf = g_build_filename (parent, "fake.gguf", NULL);
  g_autofree char *notes = g_build_filename (parent, "notes.txt", NULL);
  const char *bad[] = { parent, missing, fake_gguf, notes };
  const char *why[] = { "no config.json", "does not exist", "GGUF magic", "neither a GGUF file" };

  g_assert_true (g_file_set_contents (fake_gguf, "GGUX not a gguf file", -1, NULL));
  g_assert_true (g_file_set_contents (notes, "notes", -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GFile) file = g_file_new_for_path (bad[i]);
      g_autofree char *last = NULL;

      g_assert_false (sy_window_open_model (window, file));
      expect_load_error (why[i]);
      last = g_settings_get_string (settings, "last-model");
      g_assert_cmpstr (last, ==, a);
    }
  g_assert_cmpint (g_remove (fake_gguf), ==, 0);
  g_assert_cmpint (g_remove (notes), ==, 0);
}

static void
test_app_open_model (void)
{
  SyWindow *window;
  AdwWindowTitle *title;
  g_autoptr (GSettings) settings = NULL;
  g_autoptr (GFile) opened = NULL;
  g_autoptr (GPtrArray) actions = NULL;
  g_autofree char *a = NULL, *b = NULL;
  g_auto (GStrv) recent = NULL;
  gulong handler;

  SKIP_WITHOUT_DISPLAY ();

  window = get_window ();
  title = ADW_WINDOW_TITLE (sy_test_find_widget (GTK_WIDGET (window), ADW_TYPE_WINDOW_TITLE));
  settings = sy_settings_new ();
  handler = g_signal_connect (window, "model-opened", G_CALLBACK (on_model_opened), &opened);

  a = make_model_folder ("model_a");
  b = make_model_folder ("model-b");

  {
    g_autoptr (GFile) file = g_file_new_for_path (a);
    g_autofree char *last = NULL;

    /* loading runs in the background: ::model-opened comes when it has loaded */
    g_assert_true (sy_window_open_model (window, file));
    sy_test_wait_for_pointer ((gpointer *) &opened);
    g_assert_true (g_file_equal (opened, file));
    g_assert_true (g_file_equal (sy_window_get_model_folder (window), file));
    last = g_settings_get_string (settings, "last-model");
    g_assert_cmpstr (last, ==, a);
    g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (title), "/model_a"));
    g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (window)), ==, "views");
  }
  {
    g_autoptr (GFile) file = g_file_new_for_path (b);

    g_clear_object (&opened);
    g_assert_true (sy_window_open_model (window, file));
    sy_test_wait_for_pointer ((gpointer *) &opened);
    /* and a again: it moves to the front, once */
    g_clear_object (&file);
    g_clear_object (&opened);
    file = g_file_new_for_path (a);
    g_assert_true (sy_window_open_model (window, file));
    sy_test_wait_for_pointer ((gpointer *) &opened);
  }
  recent = g_settings_get_strv (settings, "recent-models");
  g_assert_cmpuint (g_strv_length (recent), ==, 2);
  g_assert_cmpstr (recent[0], ==, a);
  g_assert_cmpstr (recent[1], ==, b);

  /* The recent list is in the primary menu. */
  actions = primary_menu_actions (window);
  {
    g_autofree char *item_a = g_strdup_printf ("win.open-recent(%s)", a);
    g_autofree char *item_b = g_strdup_printf ("win.open-recent(%s)", b);

    g_assert_true (g_ptr_array_find_with_equal_func (actions, item_a, g_str_equal, NULL));
    g_assert_true (g_ptr_array_find_with_equal_func (actions, item_b, g_str_equal, NULL));
  }

  /* What is not a model is refused at once, and changes nothing. */
  g_clear_object (&opened);
  check_not_models (window, settings, a);
  g_assert_null (opened);
  g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (title), "/model_a"));

  /* A folder that fails to load: an error dialog naming the problem, and
   * the model in use stays (views, subtitle, settings). */
  {
    g_autofree char *broken = make_broken_model_folder ("broken");
    g_autoptr (GFile) file = g_file_new_for_path (broken);
    g_autofree char *last = NULL;

    g_assert_true (sy_window_open_model (window, file));
    expect_load_error ("required key");
    g_assert_null (opened);
    last = g_settings_get_string (settings, "last-model");
    g_assert_cmpstr (last, ==, a);
    g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (title), "/model_a"));
    g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (window)), ==, "views");
    remove_model_folder (broken);
  }

  /* The command line (switchyard MODEL_DIR) goes the same way. */
  {
    g_autoptr (GFile) file = g_file_new_for_path (b);

    g_application_open (G_APPLICATION (app), &file, 1, "");
    sy_test_wait_for_pointer ((gpointer *) &opened);
    g_assert_true (g_file_equal (opened, file));
    g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (title), "/model-b"));
  }

  /* So does a folder dropped on the window. */
  {
    g_autoptr (GFile) file = g_file_new_for_path (a);

    g_clear_object (&opened);
    g_assert_true (sy_test_drop_file (GTK_WIDGET (window), file));
    sy_test_wait_for_pointer ((gpointer *) &opened);
    g_assert_true (g_file_equal (opened, file));
    g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (title), "/model_a"));
  }

  /* A file the chooser picks inside a model folder stands for the folder. */
  {
    g_autofree char *config = g_build_filename (b, "config.json", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (config);
    g_autoptr (GFile) folder = g_file_new_for_path (b);

    g_clear_object (&opened);
    g_assert_true (sy_window_open_model (window, file));
    sy_test_wait_for_pointer ((gpointer *) &opened);
    g_assert_true (g_file_equal (opened, folder));
    g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (title), "/model-b"));
  }

  /* A GGUF file opens like a folder, and is remembered as one. */
  {
    g_autofree char *gguf = sy_test_fixture_path ("gguf-llamacpp", "olmoe.gguf", NULL);
    g_autoptr (GFile) file = g_file_new_for_path (gguf);
    g_auto (GStrv) recent_now = NULL;

    g_clear_object (&opened);
    g_assert_true (sy_window_open_model (window, file));
    sy_test_wait_for_pointer ((gpointer *) &opened);
    g_assert_true (g_file_equal (opened, file));
    g_assert_true (g_str_has_suffix (adw_window_title_get_subtitle (title), "/olmoe.gguf"));
    recent_now = g_settings_get_strv (settings, "recent-models");
    g_assert_cmpstr (recent_now[0], ==, gguf);
  }

  g_signal_handler_disconnect (window, handler);
  remove_model_folder (a);
  remove_model_folder (b);
}

static void
test_app_window_size (void)
{
  g_autoptr (GSettings) settings = NULL;
  SyWindow *window;
  int width, height;

  SKIP_WITHOUT_DISPLAY ();

  settings = sy_settings_new ();
  g_settings_set_int (settings, "window-width", 900);
  g_settings_set_int (settings, "window-height", 610);

  window = sy_window_new (app);
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 900);
  g_assert_cmpint (height, ==, 610);
  gtk_window_present (GTK_WINDOW (window));
  iterate_until (widget_is_mapped, window);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 650);
  sy_test_settle (100);
  gtk_window_close (GTK_WINDOW (window));
  sy_test_settle (100);

  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 1000);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 650);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* (transfer none) */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type))
        return window;
    }
  return NULL;
}

/* Every accelerator the app has set, parsed. */
static gboolean
app_has_accel (guint           key,
               GdkModifierType mods)
{
  g_auto (GStrv) actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));

  for (guint i = 0; actions[i] != NULL; i++)
    {
      g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), actions[i]);

      for (guint j = 0; accels[j] != NULL; j++)
        {
          guint k;
          GdkModifierType m;

          if (gtk_accelerator_parse (accels[j], &k, &m) && k == key && m == mods)
            return TRUE;
        }
    }
  return FALSE;
}

static void
collect_shortcuts (GtkWidget *root,
                   GPtrArray *out)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (root))
    {
      char *accelerator = NULL;

      g_object_get (root, "accelerator", &accelerator, NULL);
      g_ptr_array_add (out, accelerator);
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_shortcuts (child, out);
}

/* Whether a shortcut controller of @widget has the key trigger (Continue
 * and Stop are the analysis view's shortcuts, not app accelerators). */
static gboolean
widget_has_shortcut (GtkWidget       *widget,
                     guint            key,
                     GdkModifierType  mods)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  g_autoptr (GtkShortcutTrigger) wanted = gtk_keyval_trigger_new (key, mods);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr (GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), wanted))
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_app_dialogs (void)
{
  SyWindow *window;
  GtkWindow *shortcuts;
  GtkWindow *about;
  g_autoptr (GPtrArray) accels = g_ptr_array_new_with_free_func (g_free);

  SKIP_WITHOUT_DISPLAY ();

  window = get_window ();

  /* The shortcuts window lists accelerators the app really has. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "shortcuts", NULL);
  shortcuts = find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
  g_assert_nonnull (shortcuts);
  g_assert_true (gtk_window_get_transient_for (shortcuts) == GTK_WINDOW (window));
  collect_shortcuts (GTK_WIDGET (shortcuts), accels);
  g_assert_cmpuint (accels->len, >=, 4);
  for (guint i = 0; i < accels->len; i++)
    {
      guint key;
      GdkModifierType mods;

      g_test_message ("shortcuts window: %s", (char *) accels->pdata[i]);
      g_assert_true (gtk_accelerator_parse (accels->pdata[i], &key, &mods));
      g_assert_true (app_has_accel (key, mods) ||
                     widget_has_shortcut (GTK_WIDGET (sy_window_get_analysis_view (window)), key, mods));
    }
  gtk_window_destroy (shortcuts);

  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  about = find_toplevel (ADW_TYPE_ABOUT_WINDOW);
  g_assert_nonnull (about);
  g_assert_cmpstr (adw_about_window_get_application_name (ADW_ABOUT_WINDOW (about)), ==, "Switchyard");
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (about)), ==, PACKAGE_VERSION);
  g_assert_true (gtk_window_get_transient_for (about) == GTK_WINDOW (window));
  gtk_window_destroy (about);
}

static void
test_app_quit (void)
{
  SKIP_WITHOUT_DISPLAY ();

  get_window ();
  g_assert_nonnull (gtk_application_get_windows (GTK_APPLICATION (app)));
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  sy_test_settle (100);
  g_assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
}

static const SyTestCase tests[] = {
  { "/app/actions", test_app_actions },
  { "/app/window", test_app_window },
  { "/app/screenshot", test_app_screenshot },
  { "/app/dialogs", test_app_dialogs },
  { "/app/open-model", test_app_open_model },
  { "/app/window-size", test_app_window_size },
  { "/app/quit", test_app_quit },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  /* Start on the empty state, not on the shipped demo model (tested in
   * test-visualizer): these tests open their own models. */
  return sy_test_gui_main (argc, argv, tests, "/nonexistent", &app, NULL);
}
