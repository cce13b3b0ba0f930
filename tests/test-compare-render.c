/* test-compare-render.c: the diff view and the side-by-side picture
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two synthetic traces that differ in known cells: the diff view draws
 * them with ΔK colours of the right sign (red where B picks more experts,
 * blue where fewer, white where equal), the Jaccard panel below, the SVG
 * export parses as XML, hit-testing finds the cells, the side-by-side
 * picture draws both halves.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sy-compare-render.h"
#include "sy-render-export.h"
#include "sy-test-trace.h"
#include "sy-test-util.h"

static void
set_cell (SyTrace   *t,
          int        moe,
          int        tok,
          const int *experts,
          int        k)
{
  SyTraceLayer *l = &t->layers[moe];

  l->k[tok] = k;
  for (int i = 0; i < k; i++)
    {
      l->experts[sy_trace_index (t, tok, i)] = experts[i];
      l->weights[sy_trace_index (t, tok, i)] = 1.0f / k;
    }
}

/* A and B equal but for (1, 3): B one expert more, (2, 5): B one fewer. */
static SyCompare *
make_compare (void)
{
  g_autoptr (SyTrace) a = sy_test_trace_new (20, 4, 8, 7);
  g_autoptr (SyTrace) b = NULL;
  g_autoptr (GError) error = NULL;
  const int two[] = { 0, 1 }, three[] = { 0, 1, 2 }, one[] = { 0 };
  SyCompare *cmp;

  set_cell (a, 1, 3, two, 2);
  set_cell (a, 2, 5, two, 2);
  b = sy_trace_copy (a);
  set_cell (b, 1, 3, three, 3);
  set_cell (b, 2, 5, one, 1);
  for (int t = 0; t + 1 < b->n_tokens; t++)
    b->nll[t] = a->nll[t] + (t == 4 ? 0.5f : t == 8 ? -0.25f : 0.0f);
  g_free (b->router);
  b->router = g_strdup ("topp:p=0.5");
  sy_trace_update_avg_k (b);
  cmp = sy_compare_new (a, NULL, b, NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cmp);
  g_assert_cmpint (cmp->layers[1].dk[3], ==, 1);
  g_assert_cmpint (cmp->layers[2].dk[5], ==, -1);
  g_assert_cmpint (cmp->layers[1].n_only_b[3], ==, 1);
  g_assert_cmpint (cmp->layers[1].only_b[3 * 8], ==, 2);
  g_assert_cmpint (cmp->layers[2].n_only_a[5], ==, 1);
  g_assert_cmpint (cmp->layers[2].only_a[5 * 8], ==, 1);
  g_assert_cmpfloat_with_epsilon (cmp->layers[1].jaccard[3], 2.0 / 3.0, 1e-6);
  return cmp;
}

static void
pixel (cairo_surface_t *s,
       double           x,
       double           y,
       SyColor         *c)
{
  int stride = cairo_image_surface_get_stride (s);
  const guint8 *data = cairo_image_surface_get_data (s);
  guint32 v = *(const guint32 *) (data + (int) y * stride + 4 * (int) x);

  c->a = ((v >> 24) & 0xff) / 255.0;
  c->r = ((v >> 16) & 0xff) / 255.0;
  c->g = ((v >> 8) & 0xff) / 255.0;
  c->b = (v & 0xff) / 255.0;
}

static void
test_diff_colors (void)
{
  g_autoptr (SyCompare) cmp = make_compare ();
  const SyRenderStyle *style = sy_render_style_light ();
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1200, 800);
  cairo_t *cr = cairo_create (s);
  SyCompareOptions opts;
  SyCompareLayout layout;
  SyColor up, down, same, jac_same, jac_diff, bar_up, bar_down;
  int layer, token;

  sy_compare_options_init (&opts);
  sy_compare_render (&(SyRenderTarget) { cr, style, 1200, 800 }, cmp, &opts);
  cairo_surface_flush (s);
  sy_compare_layout (&(SyRenderTarget) { NULL, style, 1200, 800 }, cmp, &opts, &layout);
  g_assert_cmpint (layout.n_rows, ==, 4);
  g_assert_cmpint (layout.n_cols, ==, 20);
  g_assert_cmpfloat (layout.jac_y, >, layout.dk_y + 4 * layout.cell_h);
  g_assert_cmpfloat (layout.nll_y, >, layout.jac_y + 4 * layout.cell_h);

  /* sample near the cell's top-left corner, away from the value text */
#define AT(l, t, y0, out) pixel (s, layout.origin_x + (t) * layout.cell_w + 3, (y0) + (l) * layout.cell_h + 3, out)
  AT (1, 3, layout.dk_y, &up);
  AT (2, 5, layout.dk_y, &down);
  AT (0, 0, layout.dk_y, &same);
  AT (0, 0, layout.jac_y, &jac_same);
  AT (1, 3, layout.jac_y, &jac_diff);
#undef AT
  g_assert_cmpfloat (up.r, >, up.b + 0.2);        /* more experts in B: red */
  g_assert_cmpfloat (down.b, >, down.r + 0.2);    /* fewer: blue */
  g_assert_cmpfloat (fabs (same.r - same.b), <, 0.05);  /* equal: neutral */
  g_assert_cmpfloat (same.g, >, 0.9);
  g_assert_cmpfloat (sy_color_delta_e (&jac_same, &jac_diff), >, 10);

  /* ΔNLL bars: up at token 4 (B worse), down at token 8 */
  pixel (s, layout.origin_x + 4.5 * layout.cell_w, layout.nll_y + layout.nll_h * 0.3, &bar_up);
  pixel (s, layout.origin_x + 8.5 * layout.cell_w, layout.nll_y + layout.nll_h * 0.6, &bar_down);
  g_assert_cmpfloat (bar_up.r, >, bar_up.b + 0.1);
  g_assert_cmpfloat (bar_down.b, >, bar_down.r + 0.1);

  /* hit-testing finds the cells of each panel */
  g_assert_cmpint (sy_compare_hit (&layout, layout.origin_x + 3.5 * layout.cell_w,
                                   layout.dk_y + 1.5 * layout.cell_h, &layer, &token), ==, SY_COMPARE_HIT_DK);
  g_assert_cmpint (layer, ==, 1);
  g_assert_cmpint (token, ==, 3);
  g_assert_cmpint (sy_compare_hit (&layout, layout.origin_x + 5.5 * layout.cell_w,
                                   layout.jac_y + 2.5 * layout.cell_h, &layer, &token), ==, SY_COMPARE_HIT_JACCARD);
  g_assert_cmpint (layer, ==, 2);
  g_assert_cmpint (token, ==, 5);
  g_assert_cmpint (sy_compare_hit (&layout, 1, 1, &layer, &token), ==, SY_COMPARE_HIT_NONE);
  g_assert_cmpint (token, ==, -1);
  {
    g_autofree char *tip = sy_compare_describe (cmp, 1, 3);

    g_assert_nonnull (strstr (tip, "ΔK +1"));
    g_assert_nonnull (strstr (tip, "only B: 2"));
  }

  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

static void
test_scroll (void)
{
  g_autoptr (SyCompare) cmp = make_compare ();
  SyCompareOptions opts;
  SyCompareLayout layout;

  sy_compare_options_init (&opts);
  opts.cell_width = 80;
  opts.x_offset = 400;
  sy_compare_layout (&(SyRenderTarget) { NULL, sy_render_style_light (), 800, 600 }, cmp, &opts, &layout);
  g_assert_cmpfloat (layout.content_w, ==, 1600);
  g_assert_cmpint (layout.first_col, ==, 5);
  g_assert_cmpint (layout.last_col, <, 19);
}

typedef struct
{
  const SyCompare *cmp;
  gboolean         side;
} Draw;

static void
draw (cairo_t  *cr,
      double    width,
      double    height,
      gpointer  user_data)
{
  Draw *d = user_data;
  SyCompareOptions opts;
  SyHeatmapOptions hopts;

  sy_compare_options_init (&opts);
  sy_heatmap_options_init (&hopts);
  if (d->side)
    sy_compare_side_render (&(SyRenderTarget) { cr, sy_render_style_dark (), width, height }, d->cmp, &hopts);
  else
    sy_compare_render (&(SyRenderTarget) { cr, sy_render_style_light (), width, height }, d->cmp, &opts);
}

static void
test_svg (void)
{
  g_autoptr (SyCompare) cmp = make_compare ();

  for (int side = 0; side < 2; side++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *dir = sy_test_make_tmp_dir ("sy-compare-XXXXXX");
      g_autofree char *path = g_build_filename (dir, "diff.svg", NULL);
      g_autoptr (GHashTable) counts = NULL;
      Draw d = { cmp, side };

      g_assert_true (sy_render_to_file (path, 1000, 700, 1, draw, &d, &error));
      g_assert_no_error (error);
      counts = sy_test_svg_count_elements (path);
      g_assert_cmpint (sy_test_count_of (counts, "svg"), ==, 1);
      g_assert_cmpint (sy_test_count_total (counts), >, 100);   /* cells, bars, glyphs */
      g_unlink (path);
      g_rmdir (dir);
    }
}

static void
test_side (void)
{
  g_autoptr (SyCompare) cmp = make_compare ();
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1000, 400);
  cairo_t *cr = cairo_create (s);
  const SyRenderStyle *style = sy_render_style_light ();
  SyHeatmapOptions hopts;
  long drawn[2] = { 0, 0 };

  sy_heatmap_options_init (&hopts);
  sy_compare_side_render (&(SyRenderTarget) { cr, style, 1000, 400 }, cmp, &hopts);
  cairo_surface_flush (s);
  for (int y = 0; y < 400; y += 2)
    for (int x = 0; x < 1000; x += 2)
      {
        SyColor c;

        pixel (s, x, y, &c);
        if (fabs (c.r - style->background.r) + fabs (c.g - style->background.g) > 0.1)
          drawn[x >= 500]++;
      }
  g_assert_cmpint (drawn[0], >, 2000);
  g_assert_cmpint (drawn[1], >, 2000);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

static const SyTestCase tests[] = {
  { "/ui/compare/diff-colors", test_diff_colors },
  { "/ui/compare/scroll", test_scroll },
  { "/ui/compare/svg", test_svg },
  { "/ui/compare/side", test_side },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
