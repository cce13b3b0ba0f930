/* test-cli-render.c: `switchyard-cli render` draws a fixture model's trace
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the real binary on tests/fixtures/models/olmoe (SY_FIXTURES)
 * and checks the files: the SVG parses as XML and holds the heatmap's
 * cells and the glyphs of its labels; PNG and PDF have their magic; bad
 * options give one-line errors and no file.
 */
#include "config.h"

#include <glib.h>
#include <cairo.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sy-test-util.h"
#include "sy-views.h"

/* switchyard-cli render <args>: its exit code */
static int
run_render (const char  *args,
            char       **err)
{
  return sy_test_cli_run ("render", args, NULL, err);
}

static const char *fixture_model;

#define have_fixture() sy_test_have_model ("olmoe", &fixture_model)

static void
test_render_svg_views (void)
{
  guint n_views;
  const SyViewInfo *views = sy_views (&n_views);

  if (!have_fixture ())
    return;
  /* every view the table says render draws (the expert card of one expert) */
  for (guint v = 0; v < n_views; v++)
    {
      g_autofree char *path = g_strdup_printf ("%s/%s.svg", sy_test_tmp_dir (), views[v].name);
      g_autofree char *args = NULL;
      g_autofree char *err = NULL;
      g_autoptr (GHashTable) counts = NULL;

      if (!(views[v].flags & SY_VIEW_RENDER))
        continue;
      args = g_strdup_printf ("--model '%s' --text 'The service is pretty good.' "
                              "--router topp:p=0.5 --view %s --token 2 %s --out '%s'",
                              fixture_model, views[v].name,
                              g_str_equal (views[v].name, "expert") ? "--layer 1 --expert 3" : "", path);

      g_assert_cmpint (run_render (args, &err), ==, 0);
      g_assert_cmpstr (err, ==, "");
      counts = sy_test_svg_count_elements (path);
      g_assert_cmpint (sy_test_count_of (counts, "svg"), ==, 1);
      /* text is drawn as glyph references: a view with labels has many */
      g_assert_cmpint (sy_test_count_of (counts, "use"), >, 30);
      g_assert_cmpint (sy_test_count_of (counts, "path"), >, 10);
      g_unlink (path);
    }
}

static void
test_render_heatmap_cells (void)
{
  g_autofree char *path = g_build_filename (sy_test_tmp_dir (), "cells.svg", NULL);
  g_autofree char *args = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GHashTable) counts = NULL;
  g_autoptr (GHashTable) with_values = NULL;

  if (!have_fixture ())
    return;
  /* "The service is pretty good." is 7 tokens (fixture input_ids); the
   * olmoe fixture has 3 MoE layers: 21 cells, each a filled path. */
  args = g_strdup_printf ("--model '%s' --ids 504,1828,327,2509,772,834,15 --view heatmap "
                          "--measure entropy --width 1200 --height 600 --out '%s'", fixture_model, path);
  g_assert_cmpint (run_render (args, &err), ==, 0);
  counts = sy_test_svg_count_elements (path);
  g_assert_cmpint (sy_test_count_of (counts, "path"), >=, 21);
  g_assert_cmpint (sy_test_count_of (counts, "linearGradient"), >=, 1);
  g_unlink (path);

  /* --text tokenizes to the same 7 ids: the same 21 cells */
  {
    g_autofree char *path2 = g_build_filename (sy_test_tmp_dir (), "cells2.svg", NULL);
    g_autofree char *args2 = g_strdup_printf ("--model '%s' --text 'The service is pretty good.' --view heatmap "
                                              "--measure entropy --out '%s'", fixture_model, path2);
    g_autofree char *err2 = NULL;

    g_assert_cmpint (run_render (args2, &err2), ==, 0);
    with_values = sy_test_svg_count_elements (path2);
    g_assert_cmpint (sy_test_count_of (with_values, "path"), >=, 21);
    g_unlink (path2);
  }
}

/* --generate N: the text and its continuation, one column more per
 * generated token (3 MoE layers: 3 cells each), reproducible by seed */
static void
test_render_generate (void)
{
  g_autofree char *plain = g_build_filename (sy_test_tmp_dir (), "plain.svg", NULL);
  g_autofree char *gen = g_build_filename (sy_test_tmp_dir (), "gen.svg", NULL);
  g_autofree char *gen2 = g_build_filename (sy_test_tmp_dir (), "gen2.svg", NULL);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *err = NULL;
  g_autofree char *svg = NULL, *svg2 = NULL;
  g_autoptr (GHashTable) n_plain = NULL;
  g_autoptr (GHashTable) n_gen = NULL;

  if (!have_fixture ())
    return;
  a = g_strdup_printf ("--model '%s' --ids 504,1828,327,2509,772,834,15 --measure entropy --out '%s'",
                       fixture_model, plain);
  b = g_strdup_printf ("--model '%s' --ids 504,1828,327,2509,772,834,15 --measure entropy --generate 5 "
                       "--temperature 0.8 --seed 3 --out '%s'", fixture_model, gen);
  c = g_strdup_printf ("--model '%s' --ids 504,1828,327,2509,772,834,15 --measure entropy --generate 5 "
                       "--temperature 0.8 --seed 3 --out '%s'", fixture_model, gen2);
  g_assert_cmpint (run_render (a, &err), ==, 0);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_render (b, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_render (c, &err), ==, 0);
  n_plain = sy_test_svg_count_elements (plain);
  n_gen = sy_test_svg_count_elements (gen);
  g_assert_cmpint (sy_test_count_of (n_gen, "path"), >=, sy_test_count_of (n_plain, "path") + 3);
  g_assert_true (g_file_get_contents (gen, &svg, NULL, NULL));
  g_assert_true (g_file_get_contents (gen2, &svg2, NULL, NULL));
  g_assert_cmpstr (svg, ==, svg2);
  g_unlink (plain);
  g_unlink (gen);
  g_unlink (gen2);
}

static void
test_render_png_pdf (void)
{
  const char *exts[] = { "png", "pdf" };
  const char *magic[] = { "\x89PNG", "%PDF" };

  if (!have_fixture ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (exts); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/out.%s", sy_test_tmp_dir (), exts[i]);
      g_autofree char *args = g_strdup_printf ("--model '%s' --text 'Hello there' --view summary --style dark "
                                               "--width 600 --height 400 --out '%s'", fixture_model, path);
      g_autofree char *err = NULL;
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_cmpint (run_render (args, &err), ==, 0);
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_cmpuint (len, >, 1000);
      g_assert_true (memcmp (contents, magic[i], strlen (magic[i])) == 0);
      g_unlink (path);
    }
}

static void
test_render_png_scale_and_style (void)
{
  g_autofree char *path = NULL;
  g_autofree char *args = NULL;
  g_autofree char *err = NULL;
  cairo_surface_t *png;
  const guint8 *data;
  guint32 px;

  if (!have_fixture ())
    return;
  /* --scale 2: twice the pixels (HiDPI); --style dark: dark background */
  path = g_build_filename (sy_test_tmp_dir (), "scaled.png", NULL);
  args = g_strdup_printf ("--model '%s' --text 'Hello there' --view inspector --style dark --scale 2 "
                          "--width 500 --height 300 --out '%s'", fixture_model, path);
  g_assert_cmpint (run_render (args, &err), ==, 0);
  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 1000);
  g_assert_cmpint (cairo_image_surface_get_height (png), ==, 600);
  data = cairo_image_surface_get_data (png);
  px = *(const guint32 *) data;
  g_assert_cmphex (px & 0xffffff, ==, 0x242424);
  cairo_surface_destroy (png);
  g_unlink (path);

  /* without --height the heatmap is as tall as it needs: 3 layers of a
   * 7-token text fit well under the 600 of the other views */
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&args, g_free);
  g_clear_pointer (&err, g_free);
  path = g_build_filename (sy_test_tmp_dir (), "natural.png", NULL);
  args = g_strdup_printf ("--model '%s' --text 'The service is pretty good.' --view heatmap --out '%s'",
                          fixture_model, path);
  g_assert_cmpint (run_render (args, &err), ==, 0);
  png = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (png), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (png), ==, 1200);
  g_assert_cmpint (cairo_image_surface_get_height (png), >, 150);
  g_assert_cmpint (cairo_image_surface_get_height (png), <, 400);
  px = *(const guint32 *) cairo_image_surface_get_data (png);
  g_assert_cmphex (px & 0xffffff, ==, 0xffffff);
  cairo_surface_destroy (png);
  g_unlink (path);
}

static void
test_render_errors (void)
{
  struct { const char *args; const char *message; } cases[] = {
    { "--text hi --view pie --out x.svg", "unknown view 'pie'" },
    { "--text hi --view heatmap --measure nonsense --out x.svg", "nonsense" },
    { "--text hi --view strip --measure expert --out x.svg", "expert" },
    { "--text hi --view summary --measure k --out x.svg", "--measure" },
    { "--text hi --view heatmap --out x.bmp", "x.bmp" },
    { "--text hi --view heatmap", "--out" },
    { "--text hi --ids 1 --out x.svg", "--ids" },
    { "--text hi --style sepia --out x.svg", "sepia" },
    { "--text hi --width 10 --out x.svg", "size" },
    { "--model /nonexistent/model --text hi --out x.svg", "/nonexistent/model" },
    { "--text hi --router bogus:q=1 --out x.svg", "bogus" },
    { "--text hi --generate -1 --out x.svg", "--generate" },
    { "--text hi --generate 3 --temperature -2 --out x.svg", "--temperature" },
  };

  fixture_model = sy_test_model_dir ("olmoe");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *args = g_strdup_printf ("%s%s%s %s",
                                               fixture_model && !strstr (cases[i].args, "--model") ? "--model '" : "",
                                               fixture_model && !strstr (cases[i].args, "--model") ? fixture_model : "",
                                               fixture_model && !strstr (cases[i].args, "--model") ? "'" : "",
                                               cases[i].args);
      g_autofree char *err = NULL;

      g_assert_cmpint (run_render (args, &err), !=, 0);
      sy_test_assert_cli_error (err, cases[i].message);
    }
  if (fixture_model != NULL)
    {
      g_autofree char *path = g_build_filename (sy_test_tmp_dir (), "never.svg", NULL);
      g_autofree char *args = g_strdup_printf ("--model '%s' --text 'Hello' --view inspector --token 99 --out '%s'",
                                               fixture_model, path);
      g_autofree char *err = NULL;

      g_assert_cmpint (run_render (args, &err), !=, 0);
      sy_test_assert_cli_error (err, "--token 99");
      sy_test_assert_no_file (path);
    }
}

static const SyTestCase tests[] = {
  { "/cli/render/svg-views", test_render_svg_views },
  { "/cli/render/heatmap-cells", test_render_heatmap_cells },
  { "/cli/render/png-pdf", test_render_png_pdf },
  { "/cli/render/generate", test_render_generate },
  { "/cli/render/png-scale-and-style", test_render_png_scale_and_style },
  { "/cli/render/errors", test_render_errors },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
