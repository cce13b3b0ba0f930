/* sy-test-gui.c
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "sy-default-model.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"

gboolean
sy_test_gui_init_display (const char *program)
{
  /* Never the developer's own settings, even when run outside meson test. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* Software rendering and no accessibility bus: the same pixels on any machine. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    return FALSE;
  /* A display that is named but does not open is an error, not a skip. */
  if (!gtk_init_check ())
    {
      g_printerr ("%s: cannot open the display\n", program);
      exit (1);
    }
  return TRUE;
}

SyApplication *
sy_test_gui_init (const char *program,
                  const char *demo_model)
{
  g_autoptr (GError) error = NULL;
  SyApplication *app;

  if (demo_model != NULL)
    g_setenv ("SWITCHYARD_MODEL", demo_model, TRUE);
  if (!sy_test_gui_init_display (program))
    return NULL;
  app = sy_application_new ();
  /* Never hand our work to a Switchyard the developer is running. */
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  return app;
}

/* What sy_test_gui_main() hands its hooks */
static struct
{
  const char      *program;
  const char      *demo_model;
  SyApplication  **app;
  SyTestHook       setup;
} gui_main;

static void
gui_main_setup (void)
{
  *gui_main.app = sy_test_gui_init (gui_main.program, gui_main.demo_model);
  if (gui_main.setup != NULL)
    gui_main.setup ();
}

static void
gui_main_teardown (void)
{
  g_clear_object (gui_main.app);
}

int
sy_test_gui_main (int                argc,
                  char             **argv,
                  const SyTestCase  *cases,
                  const char        *demo_model,
                  SyApplication    **app,
                  SyTestHook         setup)
{
  g_autofree char *program = g_path_get_basename (argv[0]);

  gui_main.program = program;
  gui_main.demo_model = demo_model;
  gui_main.app = app;
  gui_main.setup = setup;
  return sy_test_main (argc, argv, cases, gui_main_setup, gui_main_teardown);
}

char *
sy_test_export_svg (SyAnalysisView *view,
                    const char     *svg)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;

  g_assert_true (sy_analysis_view_export (view, svg, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "<svg"));
  return contents;
}

SyWindow *
sy_test_activate_window (SyApplication *app,
                         int            width,
                         int            height)
{
  SyWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = SY_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  if (width > 0)
    gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  return window;
}

SyWindow *
sy_test_bench_open (const char     *program,
                    int             argc,
                    char          **argv,
                    int             width,
                    int             height,
                    SyApplication **app,
                    char          **path)
{
  g_autoptr (GError) error = NULL;
  SyWindow *window;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  if (!gtk_init_check ())
    {
      g_printerr ("%s: no display\n", program);
      return NULL;
    }
  *path = argc > 1 ? g_strdup (argv[1]) : sy_default_model_path (&error);
  if (*path == NULL)
    {
      g_printerr ("%s: %s\n", program, error->message);
      return NULL;
    }

  *app = sy_application_new ();
  g_application_set_flags (G_APPLICATION (*app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_application_register (G_APPLICATION (*app), NULL, NULL);
  g_application_activate (G_APPLICATION (*app));
  window = SY_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (*app)));
  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (window), width, height);

  sy_test_open_model (window, *path);
  return window;
}

static void
on_bench_trace (SyAnalysisView    *view,
                SyTestBenchCounts *counts)
{
  counts->traces++;
  counts->painted_after_trace = 0;
}

static void
on_bench_trace_ready (SyWorker          *worker,
                      int                slot,
                      SyTestBenchCounts *counts)
{
  if (slot == SY_SLOT_B)
    {
      counts->traces_b++;
      counts->painted_after_trace = 0;
    }
}

static void
on_bench_after_paint (GdkFrameClock     *clock,
                      SyTestBenchCounts *counts)
{
  counts->painted++;
  counts->painted_after_trace++;
}

void
sy_test_bench_count (SyWindow          *window,
                     SyTestBenchCounts *counts)
{
  SyAnalysisView *view = sy_window_get_analysis_view (window);

  g_signal_connect (view, "trace-changed", G_CALLBACK (on_bench_trace), counts);
  g_signal_connect (sy_analysis_view_get_worker (view), "trace-ready",
                    G_CALLBACK (on_bench_trace_ready), counts);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)), "after-paint",
                    G_CALLBACK (on_bench_after_paint), counts);
}

GtkWindow *
sy_test_find_toplevel (GType       type,
                       const char *css_class,
                       gboolean    visible,
                       gpointer    other)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (w, type) && (gpointer) w != other &&
          (css_class == NULL || gtk_widget_has_css_class (GTK_WIDGET (w), css_class)) &&
          (!visible || gtk_widget_get_visible (GTK_WIDGET (w))))
        return w;
    }
  return NULL;
}

GtkWindow *
sy_test_wait_for_toplevel (GType       type,
                           const char *css_class,
                           gboolean    visible,
                           gpointer    other,
                           guint       timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      GtkWindow *w = sy_test_find_toplevel (type, css_class, visible, other);

      if (w != NULL)
        return w;
      if (timeout_ms > 0 && g_get_monotonic_time () > end)
        return NULL;
      sy_test_settle (20);
    }
}

void
sy_test_wait_for_pointer (gpointer *pointer)
{
  while (*pointer == NULL)
    g_main_context_iteration (NULL, TRUE);
}

void
sy_test_store_file (SyWindow  *window,
                    GFile     *file,
                    GFile    **out)
{
  g_set_object (out, file);
}

void
sy_test_open_model (SyWindow   *window,
                    const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFile) opened = NULL;
  gulong handler = g_signal_connect (window, "model-opened", G_CALLBACK (sy_test_store_file), &opened);

  g_assert_true (sy_window_open_model (window, file));
  sy_test_wait_for_pointer ((gpointer *) &opened);
  g_signal_handler_disconnect (window, handler);
}

static void
on_worker_loaded (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (sy_worker_load_model_finish (SY_WORKER (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

void
sy_test_worker_load (SyWorker   *worker,
                     const char *path)
{
  gboolean loaded = FALSE;

  sy_worker_load_model_async (worker, path, NULL, on_worker_loaded, &loaded);
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
}

void
sy_test_wait_idle (SyAnalysisView *view)
{
  SyWorker *worker = sy_analysis_view_get_worker (view);

  do
    sy_test_settle (50);
  while (sy_worker_is_busy (worker));
}

char *
sy_test_make_broken_model (const char *parent,
                           const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *folder = g_build_filename (parent, name, NULL);
  g_autofree char *config = g_build_filename (folder, "config.json", NULL);

  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_file_set_contents (config, "{\"model_type\": \"olmoe\"}", -1, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&folder);
}

gboolean
sy_test_drop_file (GtkWidget *widget,
                   GFile     *file)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);
  GtkDropTarget *drop = NULL;
  GValue value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && drop == NULL; i++)
    {
      g_autoptr (GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        drop = GTK_DROP_TARGET (controller);
    }
  g_assert_nonnull (drop);
  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, file);
  g_signal_emit_by_name (drop, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  return accepted;
}

GtkWidget *
sy_test_find_widget (GtkWidget *root,
                     GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = sy_test_find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
set_flag (gpointer flag)
{
  *(gboolean *) flag = TRUE;
  return G_SOURCE_REMOVE;
}

void
sy_test_settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

GdkTexture *
sy_test_render_widget (GtkWidget *widget)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr (GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  /* A widget that has not been drawn since its last layout snapshots to
   * nothing (a loaded machine): let frames happen until it has; the meson
   * timeout bounds a widget that never draws. */
  for (;;)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        break;
      sy_test_settle (50);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
    }
  return gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                      node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

void
sy_test_save_png (GdkTexture *texture,
                  const char *name)
{
  g_autofree char *png = g_test_build_filename (G_TEST_BUILT, name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, png));
  g_test_message ("rendered to %s", png);
}

guint
sy_test_count_colours (GdkTexture *texture,
                       int         x0,
                       int         y0,
                       int         width,
                       int         height)
{
  int w = gdk_texture_get_width (texture), h = gdk_texture_get_height (texture);
  gsize stride = (gsize) w * 4;
  g_autofree guchar *pixels = g_malloc (stride * h);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  g_assert_cmpint (x0 + width, <=, w);
  g_assert_cmpint (y0 + height, <=, h);
  gdk_texture_download (texture, pixels, stride);
  for (int y = y0; y < y0 + height; y++)
    for (int x = x0; x < x0 + width; x++)
      {
        guint32 pixel;

        memcpy (&pixel, pixels + y * stride + x * 4, 4);
        g_hash_table_add (seen, GUINT_TO_POINTER (pixel));
      }
  return g_hash_table_size (seen);
}
