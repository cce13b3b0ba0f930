/* test-app-launch.c: the real switchyard binary on the display (suite 'app')
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts build/app/switchyard (SY_APP) with a model folder on its command
 * line, waits for its window to appear on the X display (xwininfo, and
 * xprop for the window's process id),
 * screenshots the window (ImageMagick import) and fails if the picture is
 * blank; then ends the app with SIGTERM, which must quit cleanly (status
 * 0, and under sanitizers no report on stderr).  Skipped without DISPLAY.
 */
#include "config.h"

#include <cairo.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "sy-test-util.h"

#define WINDOW_TITLE "Switchyard"

static char *
run_sync (const char * const *argv,
          gboolean           *ok)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;

  *ok = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                      NULL, NULL, &out, NULL, &status, &error)
        && g_spawn_check_wait_status (status, NULL);
  return g_steal_pointer (&out);
}

static gboolean
window_has_pid (const char *id,
                const char *pid)
{
  const char *argv[] = { "xprop", "-id", id, "_NET_WM_PID", NULL };
  gboolean ok;
  g_autofree char *out = run_sync (argv, &ok);
  g_autofree char *want = g_strdup_printf ("= %s\n", pid);

  return ok && out != NULL && g_str_has_suffix (out, want);
}

/* The X id of the top-level window of process @pid, or NULL while there is none. */
static char *
find_window_id (const char *pid)
{
  const char *argv[] = { "xwininfo", "-root", "-tree", NULL };
  gboolean ok;
  g_autofree char *out = run_sync (argv, &ok);
  g_auto (GStrv) lines = NULL;

  if (!ok || out == NULL)
    return NULL;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "     0x600007 "Switchyard": ("switchyard" "Switchyard")  1100x720+0+0  +0+0" */
      const char *line = g_strchug (lines[i]);

      if (g_str_has_prefix (line, "0x") && strstr (line, "\"" WINDOW_TITLE "\": (") != NULL)
        {
          g_autofree char *id = g_strndup (line, strcspn (line, " "));

          if (window_has_pid (id, pid))
            return g_steal_pointer (&id);
        }
    }
  return NULL;
}

static guint
count_png_colours (const char *path,
                   int        *width,
                   int        *height)
{
  cairo_surface_t *surface = cairo_image_surface_create_from_png (path);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  const guchar *data;
  int stride;
  guint n;

  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_flush (surface);
  *width = cairo_image_surface_get_width (surface);
  *height = cairo_image_surface_get_height (surface);
  stride = cairo_image_surface_get_stride (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < *height; y++)
    for (int x = 0; x < *width; x++)
      {
        guint32 pixel;

        memcpy (&pixel, data + y * stride + x * 4, 4);
        g_hash_table_add (seen, GUINT_TO_POINTER (pixel & 0xffffff));
      }
  n = g_hash_table_size (seen);
  cairo_surface_destroy (surface);
  return n;
}

/* In the app, before exec: if this test dies (a failed assertion aborts
 * it), the app goes too instead of staying on the display. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
wait_a_little (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
sleep_ms (guint ms)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, wait_a_little, loop);
  g_main_loop_run (loop);
}

static void
test_launch_screenshot (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) app = NULL;
  g_autofree char *tmpdir = NULL;
  g_autofree char *model = NULL;
  g_autofree char *config = NULL;
  g_autofree char *shot = NULL;
  g_autofree char *shot_copy = NULL;
  g_autofree char *err_path = NULL;
  g_autofree char *err = NULL;
  g_autofree char *window_id = NULL;
  guint colours = 0;
  int width = 0, height = 0;

  if (g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("no DISPLAY (switchyard.sh test starts Xvfb)");
      return;
    }
  g_assert_nonnull (g_getenv ("SY_APP"));

  tmpdir = sy_test_make_tmp_dir ("switchyard-launch-XXXXXX");
  model = g_build_filename (tmpdir, "tiny-model", NULL);
  g_assert_cmpint (g_mkdir (model, 0700), ==, 0);
  config = g_build_filename (model, "config.json", NULL);
  g_file_set_contents (config, "{}", -1, &error);
  g_assert_no_error (error);
  err_path = g_build_filename (tmpdir, "stderr.txt", NULL);
  shot = g_build_filename (tmpdir, "shot.png", NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", "cairo", FALSE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", FALSE);
  /* No session bus: never hand the folder to a Switchyard already running. */
  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  app = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("SY_APP"), model, NULL);
  g_assert_no_error (error);

  /* Wait for the window, then for it to be painted: the meson timeout
   * bounds a window that never comes. */
  while ((window_id = find_window_id (g_subprocess_get_identifier (app))) == NULL)
    {
      /* (the identifier goes once the process has ended) */
      g_assert_nonnull (g_subprocess_get_identifier (app));
      sleep_ms (100);
    }
  g_test_message ("window %s", window_id);

  /* Until the window is mapped import fails, and until it is painted
   * the picture is blank: try again while the app runs.  RGB only: X
   * hands over the alpha byte of GTK's RGBA visual as it finds it, and a
   * near-zero alpha would premultiply the colours away. */
  /* (bounded by time, not tries: on a loaded machine one import takes
   * seconds) */
  for (gint64 until = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
       colours <= 16 && g_get_monotonic_time () < until;)
    {
      const char *argv[] = { "import", "-window", window_id, NULL, NULL };
      g_autofree char *target = g_strconcat ("PNG24:", shot, NULL);
      gboolean ok;
      g_autofree char *out = NULL;

      g_assert_nonnull (g_subprocess_get_identifier (app));
      argv[3] = target;
      out = run_sync (argv, &ok);
      if (ok)
        {
          colours = count_png_colours (shot, &width, &height);
          g_test_message ("screenshot %dx%d, %u colours", width, height, colours);
        }
      if (colours <= 16)
        sleep_ms (200);
    }
  /* Not blank: icon, text and button give hundreds of colours. */
  g_assert_cmpuint (colours, >, 16);
  g_assert_cmpint (width, >=, 360);
  g_assert_cmpint (height, >=, 294);

  shot_copy = g_test_build_filename (G_TEST_BUILT, "test-app-launch.png", NULL);
  {
    g_autofree char *bytes = NULL;
    gsize len;

    g_file_get_contents (shot, &bytes, &len, &error);
    g_assert_no_error (error);
    g_file_set_contents (shot_copy, bytes, len, &error);
    g_assert_no_error (error);
  }

  /* SIGTERM quits like app.quit: a clean exit, nothing on stderr from sanitizers. */
  g_subprocess_send_signal (app, SIGTERM);
  g_subprocess_wait (app, NULL, &error);
  g_assert_no_error (error);
  g_file_get_contents (err_path, &err, NULL, &error);
  g_assert_no_error (error);
  if (err[0] != '\0')
    g_test_message ("switchyard's stderr:\n%s", err);
  g_assert_true (g_subprocess_get_if_exited (app));
  g_assert_cmpint (g_subprocess_get_exit_status (app), ==, 0);
  g_assert_null (strstr (err, "Sanitizer"));
  g_assert_null (strstr (err, "runtime error"));
  g_assert_null (strstr (err, "CRITICAL"));

  g_assert_cmpint (g_remove (config), ==, 0);
  g_assert_cmpint (g_rmdir (model), ==, 0);
  g_assert_cmpint (g_remove (shot), ==, 0);
  g_assert_cmpint (g_remove (err_path), ==, 0);
  g_assert_cmpint (g_rmdir (tmpdir), ==, 0);
}

static const SyTestCase tests[] = {
  { "/app/launch/screenshot", test_launch_screenshot },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
