/* test-profile-render.c: every profiler chart draws, differs from a blank
 * page, and exports to SVG, PNG and PDF
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sy-corpus.h"
#include "sy-profile.h"
#include "sy-profile-render.h"
#include "sy-render-export.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static SyProfile *profile;

static SyProfile *
make_profile (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-prof-render-XXXXXX");
  g_autofree char *f1 = g_build_filename (dir, "ca01", NULL);
  g_autofree char *f2 = g_build_filename (dir, "cr01", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (SyCorpus) corpus = NULL;
  g_autoptr (SyRouterSpec) topp = sy_router_spec_parse ("topp:p=0.5", &error);
  const SyRouterSpec *specs[2] = { NULL, topp };
  SyProfileOptions opt;
  SyProfile *prof;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (f1, "\tThe/at jury/nn said/vbd it/pps did/dod not/* find/vb "
                                          "any/dti problems/nns ./.\n", -1, NULL));
  g_assert_true (g_file_set_contents (f2, "\tHe/pps laughed/vbd so/ql hard/rb that/cs the/at "
                                          "chair/nn broke/vbd ./.\n", -1, NULL));
  corpus = sy_corpus_load_brown (dir, SY_CORPUS_SPLIT_ALL, NULL, &error);
  g_assert_no_error (error);
  sy_profile_options_init (&opt);
  g_assert_true (sy_profile_parse_sweep ("p=0.25:1:0.25", &opt, &error));
  prof = sy_profile_run (model, corpus, specs, 2, &opt, &error);
  g_assert_no_error (error);
  g_remove (f1);
  g_remove (f2);
  g_rmdir (dir);
  return prof;
}

/* Distinct colours and the share of pixels that differ from the corner. */
static void
stats (cairo_surface_t *s,
       int             *n_colors,
       double          *ink)
{
  int w = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s);
  int stride = cairo_image_surface_get_stride (s);
  const guint8 *data = cairo_image_surface_get_data (s);
  guint32 bg = *(const guint32 *) data;
  g_autoptr (GHashTable) colors = g_hash_table_new (g_direct_hash, g_direct_equal);
  gint64 differ = 0;

  cairo_surface_flush (s);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint32 px = *(const guint32 *) (data + y * stride + 4 * x);

        differ += px != bg;
        if (g_hash_table_size (colors) < 1000)
          g_hash_table_add (colors, GUINT_TO_POINTER (px));
      }
  *n_colors = (int) g_hash_table_size (colors);
  *ink = (double) differ / ((double) w * h);
}

static void
test_charts_draw (void)
{
  g_assert_nonnull (profile);
  for (int c = 0; c < SY_PROFILE_N_CHARTS; c++)
    {
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 400);
      cairo_t *cr = cairo_create (s);
      SyProfileChart back;
      int n_colors;
      double ink;

      sy_profile_render_chart (&(SyRenderTarget) { cr, NULL, 640, 400 }, profile, c, NULL);
      g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
      stats (s, &n_colors, &ink);
      /* a title, axes and data: many colours, a fair share of ink */
      if (n_colors < 8 || ink < 0.02)
        g_error ("chart %s looks empty: %d colours, %.3f ink", sy_profile_chart_name (c), n_colors, ink);
      g_assert_true (sy_profile_chart_from_name (sy_profile_chart_name (c), &back));
      g_assert_cmpint (back, ==, c);
      g_assert_nonnull (sy_profile_chart_title (c));
      cairo_destroy (cr);
      cairo_surface_destroy (s);
    }
  {
    SyProfileChart back;

    g_assert_false (sy_profile_chart_from_name ("pie", &back));
  }
}

/* Charts of a profile with no sweep say so rather than drawing nothing. */
static void
test_dashboard_and_options (void)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1500, 1000);
  cairo_t *cr = cairo_create (s);
  SyProfileRenderOptions opts;
  int n_colors;
  double ink;

  sy_profile_render_options_init (&opts);
  opts.run = 1;
  opts.layer = 2;
  sy_profile_render_chart (&(SyRenderTarget) { cr, NULL, 1500, 1000 }, profile, -1, &opts);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  stats (s, &n_colors, &ink);
  g_assert_cmpint (n_colors, >, 50);
  g_assert_cmpfloat (ink, >, 0.2);
  /* out-of-range run / layer are clamped, not a crash */
  opts.run = 99;
  opts.layer = -4;
  sy_profile_render_chart (&(SyRenderTarget) { cr, NULL, 300, 200 }, profile, SY_PROFILE_CHART_COACTIVATION, &opts);
  /* tiny sizes draw nothing broken */
  for (int c = 0; c < SY_PROFILE_N_CHARTS; c++)
    sy_profile_render_chart (&(SyRenderTarget) { cr, NULL, 20, 10 }, profile, c, NULL);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

static void
draw_sweep (cairo_t  *cr,
            double    width,
            double    height,
            gpointer  user_data)
{
  sy_profile_render_chart (&(SyRenderTarget) { cr, NULL, width, height }, user_data, SY_PROFILE_CHART_SWEEP, NULL);
}

static void
test_export (void)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-prof-export-XXXXXX");
  const char *exts[] = { "svg", "png", "pdf" };
  const char *magic[] = { "<?xml", "\x89PNG", "%PDF" };

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("sweep.%s", exts[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      g_autoptr (GError) error = NULL;
      gsize len;

      g_assert_true (sy_render_to_file (path, 640, 400, 1, draw_sweep, profile, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_cmpint (len, >, 1000);
      g_assert_true (memcmp (contents, magic[i], strlen (magic[i])) == 0);
      if (i == 0)
        g_assert_nonnull (strstr (contents, "<svg"));
      g_remove (path);
    }
  g_rmdir (dir);
}

static const SyTestCase tests[] = {
  { "/ui/profile-render/charts", test_charts_draw },
  { "/ui/profile-render/dashboard", test_dashboard_and_options },
  { "/ui/profile-render/export", test_export },
  { NULL, NULL }
};

static void
setup (void)
{
  profile = make_profile ();
}

static void
teardown (void)
{
  sy_profile_free (profile);
}

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, setup, teardown);
}
