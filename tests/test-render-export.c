/* test-render-export.c: the export path writes valid SVG, PNG and PDF
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>

#include "sy-render-export.h"
#include "sy-test-util.h"

static void
draw_box (cairo_t  *cr,
          double    width,
          double    height,
          gpointer  user_data)
{
  int *calls = user_data;

  (*calls)++;
  cairo_set_source_rgb (cr, 0.2, 0.4, 0.8);
  cairo_rectangle (cr, 10, 10, width - 20, height - 20);
  cairo_fill (cr);
}

static void
check_export (const char *ext,
              const char *magic)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-export-XXXXXX");
  g_autofree char *path = g_build_filename (dir, ext, NULL);
  g_autofree char *contents = NULL;
  gsize len = 0;
  int calls = 0;

  g_assert_no_error (error);
  g_assert_true (sy_render_to_file (path, 200, 100, 2, draw_box, &calls, &error));
  g_assert_no_error (error);
  g_assert_cmpint (calls, ==, 1);
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, strlen (magic));
  g_assert_nonnull (g_strstr_len (contents, MIN (len, 256), magic));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_export_formats (void)
{
  check_export ("out.svg", "<svg");
  check_export ("out.png", "PNG");
  check_export ("out.pdf", "%PDF");
}

/* Exporting to @path fails with an error, naming @needle when not NULL;
 * returns how often the drawing was called */
static int
export_fails (const char *path,
              const char *needle)
{
  g_autoptr (GError) error = NULL;
  int calls = 0;

  g_assert_false (sy_render_to_file (path, 10, 10, 1, draw_box, &calls, &error));
  g_assert_nonnull (error);
  if (needle != NULL)
    g_assert_nonnull (strstr (error->message, needle));
  return calls;
}

static void
test_export_bad_extension (void)
{
  g_assert_cmpint (export_fails ("/tmp/x.bmp", "x.bmp"), ==, 0);
}

static void
test_export_unwritable (void)
{
  export_fails ("/nonexistent-dir/x.png", NULL);
}

static const SyTestCase tests[] = {
  { "/ui/export/formats", test_export_formats },
  { "/ui/export/bad-extension", test_export_bad_extension },
  { "/ui/export/unwritable", test_export_unwritable },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
