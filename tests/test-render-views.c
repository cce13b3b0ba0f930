/* test-render-views.c: every view draws what the trace says
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Renders synthetic traces (sy-test-trace.c) into ARGB32 images and SVG
 * files and checks the pictures: not empty, the expected cells, colours
 * that map back to the values, hit tests that land on the right cell,
 * the selection drawn, styles applied, valid XML with the glyphs of the
 * labels.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sy-heatmap-render.h"
#include "sy-inspector-render.h"
#include "sy-render-export.h"
#include "sy-strip-render.h"
#include "sy-summary-render.h"
#include "sy-test-trace.h"
#include "sy-test-util.h"

typedef void (*ViewFunc) (const SyRenderTarget *target, const SyTrace *trace, gconstpointer opts);

typedef struct
{
  ViewFunc             func;
  const SyTrace       *trace;
  gconstpointer        opts;
  const SyRenderStyle *style;
} Draw;

static void
draw_cb (cairo_t  *cr,
         double    width,
         double    height,
         gpointer  user_data)
{
  Draw *d = user_data;

  d->func (&(SyRenderTarget) { cr, d->style, width, height }, d->trace, d->opts);
}

static cairo_surface_t *
render_image (ViewFunc             func,
              const SyTrace       *trace,
              gconstpointer        opts,
              const SyRenderStyle *style,
              int                  width,
              int                  height)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (surface);

  func (&(SyRenderTarget) { cr, style, width, height }, trace, opts);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  return surface;
}

static void
pixel_at (cairo_surface_t *surface,
          double           x,
          double           y,
          SyColor         *out)
{
  const guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int ix = (int) floor (x), iy = (int) floor (y);
  guint32 px;

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, cairo_image_surface_get_width (surface));
  g_assert_cmpint (iy, <, cairo_image_surface_get_height (surface));
  px = *(const guint32 *) (data + iy * stride + ix * 4);
  out->a = ((px >> 24) & 0xff) / 255.0;
  /* opaque everywhere: the renderers fill the background first */
  g_assert_cmpfloat (out->a, ==, 1.0);
  out->r = ((px >> 16) & 0xff) / 255.0;
  out->g = ((px >> 8) & 0xff) / 255.0;
  out->b = (px & 0xff) / 255.0;
}

static gboolean
color_close (const SyColor *a,
             const SyColor *b,
             double         tol)
{
  return fabs (a->r - b->r) <= tol && fabs (a->g - b->g) <= tol && fabs (a->b - b->b) <= tol;
}

static long
count_color (cairo_surface_t *surface,
             const SyColor   *color,
             double           tol)
{
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  long n = 0;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        SyColor c;

        pixel_at (surface, x + 0.5, y + 0.5, &c);
        n += color_close (&c, color, tol);
      }
  return n;
}

/* The share of pixels not within 2/255 of @color */
static double
share_not (cairo_surface_t *surface,
           const SyColor   *color)
{
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);

  return (double) ((long) w * h - count_color (surface, color, 2.0 / 255)) / ((double) w * h);
}

static GHashTable *
render_svg (ViewFunc             func,
            const SyTrace       *trace,
            gconstpointer        opts,
            const SyRenderStyle *style,
            double               width,
            double               height)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-views-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "view.svg", NULL);
  GHashTable *counts;
  Draw d = { func, trace, opts, style };

  g_assert_no_error (error);
  g_assert_true (sy_render_to_file (path, width, height, 1, draw_cb, &d, &error));
  g_assert_no_error (error);
  counts = sy_test_svg_count_elements (path);
  g_unlink (path);
  g_rmdir (dir);
  g_assert_cmpint (sy_test_count_of (counts, "svg"), ==, 1);
  return counts;
}

/* cairo writes each glyph once as a symbol and every drawn character as
 * a <use> of it: the number of <use> elements counts the characters. */
static int
count_chars (const char *text)
{
  int n = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    n += !g_unichar_isspace (g_utf8_get_char (p));
  return n;
}

#define HEATMAP(f) ((ViewFunc) (f))

/* ---- heatmap ---- */

static void
test_heatmap_cells (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (12, 6, 8, 1);
  const SyRenderStyle *style = sy_render_style_light ();
  SyHeatmapOptions opts;
  SyHeatmapLayout layout;
  cairo_surface_t *img;
  double vmin, vmax;

  sy_heatmap_options_init (&opts);
  opts.show_values = FALSE;
  sy_heatmap_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_cmpint (layout.n_rows, ==, 6);
  g_assert_cmpint (layout.n_cols, ==, 12);
  g_assert_cmpint (layout.first_col, ==, 0);
  g_assert_cmpint (layout.last_col, ==, 11);
  g_assert_cmpfloat (layout.cell_w, >, 10);
  g_assert_cmpfloat (layout.cell_h, >, 10);
  /* the grid and legend lie inside the picture */
  g_assert_cmpfloat (layout.grid_x + layout.grid_w, <=, 1200);
  g_assert_cmpfloat (layout.grid_y + layout.grid_h + layout.label_h, <=, 600);
  g_assert_cmpfloat (layout.legend_x + layout.legend_w, <=, 1200);

  sy_heatmap_scale (trace, &opts, &vmin, &vmax);
  g_assert_cmpfloat (vmin, ==, 1);
  g_assert_cmpfloat (vmax, >=, 2 * trace->native_k);

  img = render_image (HEATMAP (sy_heatmap_render), trace, &opts, style, 1200, 600);
  g_assert_cmpfloat (share_not (img, &style->background), >, 0.2);
  for (int i = 0; i < layout.n_rows; i++)
    for (int t = 0; t < layout.n_cols; t++)
      {
        double x, y, w, h;
        int hl = -2, ht = -2;
        SyColor got, want, expected;

        g_assert_true (sy_heatmap_cell_rect (&layout, i, t, &x, &y, &w, &h));
        pixel_at (img, x + w / 2, y + h / 2, &got);
        /* colours map to values: K → viridis((K - vmin) / (vmax - vmin)) */
        sy_colormap_sequential ((trace->layers[i].k[t] - vmin) / (vmax - vmin), &expected);
        sy_heatmap_cell_color (trace, &opts, i, t, &want);
        g_assert_true (color_close (&want, &expected, 1e-9));
        g_assert_true (color_close (&got, &expected, 2.0 / 255));
        /* the hit test maps the cell centre back */
        g_assert_true (sy_heatmap_hit (&layout, x + w / 2, y + h / 2, &hl, &ht));
        g_assert_cmpint (hl, ==, i);
        g_assert_cmpint (ht, ==, t);
      }
  /* outside the grid: no cell; on the token labels: the column */
  g_assert_false (sy_heatmap_hit (&layout, 1, 1, NULL, NULL));
  g_assert_false (sy_heatmap_hit (&layout, layout.grid_x - 1, layout.grid_y + 1, NULL, NULL));
  {
    int hl = 5, ht = -1;

    g_assert_true (sy_heatmap_hit (&layout, layout.grid_x + 2.5 * layout.cell_w,
                                   layout.grid_y + layout.grid_h + 3, &hl, &ht));
    g_assert_cmpint (hl, ==, -1);
    g_assert_cmpint (ht, ==, 2);
  }
  cairo_surface_destroy (img);
}

static void
test_heatmap_measures (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (10, 4, 8, 2);
  const SyRenderStyle *style = sy_render_style_light ();
  SyHeatmapOptions opts;
  SyHeatmapLayout layout;
  const char *names[] = { "k", "importance", "expert", "entropy", "depth", "gate:3" };

  sy_heatmap_options_init (&opts);
  opts.show_values = FALSE;
  for (guint m = 0; m < G_N_ELEMENTS (names); m++)
    {
      g_autoptr (GError) error = NULL;
      cairo_surface_t *img;

      g_assert_true (sy_heatmap_measure_parse (names[m], &opts.measure, &opts.gate_expert, &error));
      g_assert_no_error (error);
      sy_heatmap_layout (&(SyRenderTarget) { NULL, style, 900, 500 }, trace, &opts, &layout);
      img = render_image (HEATMAP (sy_heatmap_render), trace, &opts, style, 900, 500);
      for (int i = 0; i < layout.n_rows; i++)
        for (int t = 0; t < layout.n_cols; t++)
          {
            double x, y, w, h;
            SyColor got, want;

            sy_heatmap_cell_rect (&layout, i, t, &x, &y, &w, &h);
            if (sy_heatmap_cell_color (trace, &opts, i, t, &want) != SY_PATTERN_SOLID)
              continue;
            pixel_at (img, x + w / 2, y + h / 2, &got);
            g_assert_true (color_close (&got, &want, 2.0 / 255));
          }
      cairo_surface_destroy (img);
    }

  /* values the measures read */
  opts.measure = SY_HEATMAP_GATE;
  opts.gate_expert = trace->layers[0].experts[sy_trace_index (trace, 0, 0)];
  g_assert_cmpfloat (sy_heatmap_value (trace, &opts, 0, 0), ==, trace->layers[0].weights[0]);
  opts.measure = SY_HEATMAP_EXPERT;
  g_assert_cmpfloat (sy_heatmap_value (trace, &opts, 2, 3), ==, trace->layers[2].experts[sy_trace_index (trace, 3, 0)]);
  /* the synthetic trace has one uncomputed cell: NaN, drawn hatched */
  opts.measure = SY_HEATMAP_IMPORTANCE;
  g_assert_true (isnan (sy_heatmap_value (trace, &opts, 1, 2)));
  {
    SyColor c;

    g_assert_cmpint (sy_heatmap_cell_color (trace, &opts, 1, 2, &c), ==, SY_PATTERN_HATCH);
    g_assert_cmpint (sy_heatmap_cell_color (trace, &opts, 1, 3, &c), ==, SY_PATTERN_SOLID);
  }
  opts.measure = SY_HEATMAP_DEPTH;
  g_assert_true (isnan (sy_heatmap_value (trace, &opts, 1, 2)));
  g_assert_false (isnan (sy_heatmap_value (trace, &opts, 0, 0)));

  /* bad measures are errors that name them */
  {
    g_autoptr (GError) error = NULL;
    SyHeatmapMeasure m;
    int e;

    g_assert_false (sy_heatmap_measure_parse ("kk", &m, &e, &error));
    g_assert_nonnull (strstr (error->message, "kk"));
    g_clear_error (&error);
    g_assert_false (sy_heatmap_measure_parse ("gate:x", &m, &e, &error));
    g_assert_nonnull (strstr (error->message, "gate:x"));
  }
}

static void
test_heatmap_selection_and_styles (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (12, 6, 8, 3);
  SyHeatmapOptions opts;
  SyHeatmapLayout layout;
  const SyRenderStyle *light = sy_render_style_light (), *dark = sy_render_style_dark ();
  cairo_surface_t *plain, *selected, *dark_img;
  long accent_plain, accent_selected;
  SyColor c;

  sy_heatmap_options_init (&opts);
  plain = render_image (HEATMAP (sy_heatmap_render), trace, &opts, light, 1200, 600);
  opts.selected_token = 4;
  selected = render_image (HEATMAP (sy_heatmap_render), trace, &opts, light, 1200, 600);
  sy_heatmap_layout (&(SyRenderTarget) { NULL, light, 1200, 600 }, trace, &opts, &layout);

  /* the outline of the selected column is drawn in the accent colour,
   * at least around the column's height on both sides */
  accent_plain = count_color (plain, &light->accent, 10.0 / 255);
  accent_selected = count_color (selected, &light->accent, 10.0 / 255);
  g_assert_cmpint (accent_selected - accent_plain, >, (long) (2 * layout.grid_h));
  /* ... along the column's left edge */
  {
    double x, y, w, h;
    int hits = 0;

    sy_heatmap_cell_rect (&layout, 0, 4, &x, &y, &w, &h);
    for (double yy = layout.grid_y + 5; yy < layout.grid_y + layout.grid_h - 5; yy += 1)
      {
        pixel_at (selected, x - 1, yy, &c);
        hits += color_close (&c, &light->accent, 60.0 / 255);
      }
    g_assert_cmpint (hits, >, (int) (layout.grid_h * 0.8));
  }

  /* styles: the background follows the style */
  dark_img = render_image (HEATMAP (sy_heatmap_render), trace, &opts, dark, 1200, 600);
  pixel_at (plain, 2, 2, &c);
  g_assert_true (color_close (&c, &light->background, 1.0 / 255));
  pixel_at (dark_img, 2, 2, &c);
  g_assert_true (color_close (&c, &dark->background, 1.0 / 255));
  g_assert_cmpfloat (sy_color_lightness (&dark->background), <, 20);
  g_assert_cmpfloat (sy_color_contrast (&dark->foreground, &dark->background), >, 7);
  g_assert_cmpfloat (sy_color_contrast (&light->foreground, &light->background), >, 7);
  g_assert_cmpfloat (share_not (dark_img, &dark->background), >, 0.2);

  cairo_surface_destroy (plain);
  cairo_surface_destroy (selected);
  cairo_surface_destroy (dark_img);
}

static void
test_heatmap_zoom_scroll (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (200, 4, 8, 4);
  const SyRenderStyle *style = sy_render_style_light ();
  SyHeatmapOptions opts;
  SyHeatmapLayout layout;
  cairo_surface_t *img;
  int l, t;

  sy_heatmap_options_init (&opts);
  opts.cell_width = 30;
  opts.x_offset = 300;
  sy_heatmap_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_cmpfloat (layout.content_w, ==, 200 * 30);
  g_assert_cmpfloat (layout.grid_w, <, layout.content_w);
  g_assert_cmpint (layout.first_col, ==, 10);
  g_assert_cmpint (layout.last_col, <, 200 - 1);
  g_assert_true (sy_heatmap_hit (&layout, layout.grid_x + 1, layout.grid_y + 1, &l, &t));
  g_assert_cmpint (t, ==, 10);
  g_assert_cmpint (l, ==, 0);
  g_assert_false (sy_heatmap_cell_rect (&layout, 0, 0, NULL, NULL, NULL, NULL));
  g_assert_true (sy_heatmap_cell_rect (&layout, 0, 10, NULL, NULL, NULL, NULL));

  /* scrolled past the end: clamped so the last column shows */
  opts.x_offset = 1e9;
  sy_heatmap_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_cmpint (layout.last_col, ==, 199);
  img = render_image (HEATMAP (sy_heatmap_render), trace, &opts, style, 1200, 600);
  g_assert_cmpfloat (share_not (img, &style->background), >, 0.2);
  cairo_surface_destroy (img);

  /* fit mode: every column visible, however many */
  opts.cell_width = 0;
  opts.x_offset = 0;
  sy_heatmap_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_cmpint (layout.first_col, ==, 0);
  g_assert_cmpint (layout.last_col, ==, 199);
  g_assert_cmpfloat (layout.grid_x + layout.grid_w, <=, 1200);
}

static void
test_heatmap_svg (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (12, 6, 8, 5);
  SyHeatmapOptions opts;
  g_autoptr (GHashTable) counts = NULL;
  int chars = 0;

  sy_heatmap_options_init (&opts);
  opts.show_values = FALSE;
  counts = render_svg (HEATMAP (sy_heatmap_render), trace, &opts, sy_render_style_light (), 1200, 600);
  /* vector cells: at least one path per cell */
  g_assert_cmpint (sy_test_count_of (counts, "path"), >=, 12 * 6);
  /* the labels are there as glyphs: row labels, axis titles, title */
  for (int i = 0; i < 6; i++)
    {
      g_autofree char *s = g_strdup_printf ("L%d", i);

      chars += count_chars (s);
    }
  chars += count_chars ("Layer") + count_chars ("Token") + count_chars ("Experts per token (K)");
  g_assert_cmpint (sy_test_count_of (counts, "use"), >=, chars);
  /* K's colour bar: one block per value of K, no gradient */
  {
    double vmin, vmax;

    sy_heatmap_scale (trace, &opts, &vmin, &vmax);
    g_assert_cmpint (sy_test_count_of (counts, "path"), >=, 12 * 6 + (int) (vmax - vmin + 1));
    g_assert_cmpint (sy_test_count_of (counts, "linearGradient"), ==, 0);
  }
  /* a continuous measure's colour bar is a vector gradient */
  {
    g_autoptr (GHashTable) entropy = NULL;

    opts.measure = SY_HEATMAP_ENTROPY;
    entropy = render_svg (HEATMAP (sy_heatmap_render), trace, &opts, sy_render_style_light (), 1200, 600);
    g_assert_cmpint (sy_test_count_of (entropy, "linearGradient"), >=, 1);
    opts.measure = SY_HEATMAP_K;
  }

  /* the same trace with numbers in the cells draws more glyphs */
  {
    g_autoptr (GHashTable) with_values = NULL;

    opts.show_values = TRUE;
    with_values = render_svg (HEATMAP (sy_heatmap_render), trace, &opts, sy_render_style_light (), 1200, 600);
    g_assert_cmpint (sy_test_count_of (with_values, "use"), >=, sy_test_count_of (counts, "use") + 12 * 6);
  }
}

static void
test_natural_heights (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (26, 3, 8, 12);
  const SyRenderStyle *style = sy_render_style_light ();
  SyHeatmapOptions hopts;
  SyStripOptions sopts;
  SyHeatmapLayout tall, natural;
  double h;

  /* heatmap: at its natural height the rows are as large as they get
   * and nothing is cut off */
  sy_heatmap_options_init (&hopts);
  h = sy_heatmap_natural_height (&(SyRenderTarget) { NULL, style, 1200, 0 }, trace, &hopts);
  g_assert_cmpfloat (h, <, 600);
  sy_heatmap_layout (&(SyRenderTarget) { NULL, style, 1200, 4000 }, trace, &hopts, &tall);
  sy_heatmap_layout (&(SyRenderTarget) { NULL, style, 1200, h }, trace, &hopts, &natural);
  g_assert_cmpfloat (natural.cell_h, ==, tall.cell_h);
  g_assert_cmpfloat (natural.label_h, ==, tall.label_h);
  g_assert_cmpfloat (natural.grid_y + natural.grid_h + natural.label_h, <, h);
  g_assert_cmpfloat (natural.legend_y + natural.legend_h, <=, h);

  /* strip: every token placed at the natural height, not much below it */
  {
    g_autoptr (SyTrace) long_text = sy_test_trace_new (120, 3, 8, 13);
    g_autoptr (SyStripLayout) fits = NULL;
    g_autoptr (SyStripLayout) cut = NULL;

    sy_strip_options_init (&sopts);
    h = sy_strip_natural_height (&(SyRenderTarget) { NULL, style, 600, 0 }, long_text, &sopts);
    fits = sy_strip_layout_new (&(SyRenderTarget) { NULL, style, 600, h }, long_text, &sopts);
    g_assert_cmpint (fits->n_placed, ==, 120);
    g_assert_cmpint (fits->n_lines, >, 3);
    cut = sy_strip_layout_new (&(SyRenderTarget) { NULL, style, 600, h - 40 }, long_text, &sopts);
    g_assert_cmpint (cut->n_placed, <, 120);
    /* narrower pictures need more height */
    g_assert_cmpfloat (sy_strip_natural_height (&(SyRenderTarget) { NULL, style, 400, 0 }, long_text, &sopts), >, h);
  }
}

/* ---- strip ---- */

static void
test_strip (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (40, 6, 8, 6);
  const SyRenderStyle *style = sy_render_style_light ();
  g_autoptr (SyStripLayout) layout = NULL;
  SyStripOptions opts;
  cairo_surface_t *img;

  sy_strip_options_init (&opts);
  opts.selected_token = 5;
  layout = sy_strip_layout_new (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts);
  g_assert_cmpint (layout->n_boxes, ==, 40);
  g_assert_cmpint (layout->n_placed, ==, 40);
  g_assert_cmpint (layout->n_lines, >=, 2);  /* the newline token breaks the line */
  img = render_image ((ViewFunc) sy_strip_render, trace, &opts, style, 1200, 600);
  g_assert_cmpfloat (share_not (img, &style->background), >, 0.03);
  for (int t = 0; t < layout->n_boxes; t++)
    {
      const SyStripBox *b = &layout->boxes[t];
      SyColor got, want;

      g_assert_cmpfloat (b->w, >, 0);
      g_assert_cmpfloat (b->x + b->w, <=, 1200);
      g_assert_cmpint (sy_strip_hit (layout, b->x + b->w / 2, b->y + b->h / 2), ==, t);
      /* boxes do not overlap */
      if (t > 0 && layout->boxes[t - 1].y == b->y)
        g_assert_cmpfloat (layout->boxes[t - 1].x + layout->boxes[t - 1].w, <=, b->x);
      /* the box colour is the measure's: sample the left padding */
      if (sy_strip_token_color (trace, &opts, t, &want) == SY_PATTERN_SOLID)
        {
          pixel_at (img, b->x + 2, b->y + b->h / 2, &got);
          g_assert_true (color_close (&got, &want, 2.0 / 255));
        }
    }
  g_assert_cmpint (sy_strip_hit (layout, 1, 1), ==, -1);
  /* the newline token ends its line */
  g_assert_cmpfloat (layout->boxes[11].y, >, layout->boxes[10].y);

  /* measures */
  opts.measure = SY_STRIP_SURPRISAL;
  g_assert_true (isnan (sy_strip_value (trace, &opts, 0)));
  g_assert_cmpfloat (sy_strip_value (trace, &opts, 3), ==, trace->nll[2]);
  opts.measure = SY_STRIP_K;
  {
    double sum = 0;

    for (int i = 0; i < trace->n_moe_layers; i++)
      sum += trace->layers[i].k[7];
    g_assert_cmpfloat_with_epsilon (sy_strip_value (trace, &opts, 7), sum / trace->n_moe_layers, 1e-12);
  }
  opts.measure = SY_STRIP_DEPTH;
  g_assert_cmpfloat (sy_strip_value (trace, &opts, 0), >=, 0);
  g_assert_cmpfloat (sy_strip_value (trace, &opts, 0), <=, 1);
  cairo_surface_destroy (img);

  /* too small a picture: the rest is counted, not drawn over */
  {
    g_autoptr (SyStripLayout) small = NULL;

    small = sy_strip_layout_new (&(SyRenderTarget) { NULL, style, 300, 120 }, trace, &opts);

    g_assert_cmpint (small->n_placed, <, 40);
    for (int t = 0; t < small->n_placed; t++)
      g_assert_cmpfloat (small->boxes[t].y + small->boxes[t].h, <=, 120);
  }
  {
    g_autoptr (GHashTable) counts = render_svg ((ViewFunc) sy_strip_render, trace, &opts, style, 1200, 600);

    g_assert_cmpint (sy_test_count_of (counts, "path"), >=, 40);
    g_assert_cmpint (sy_test_count_of (counts, "use"), >=, 40);
  }
}

/* ---- inspector ---- */

static void
test_inspector (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (12, 6, 8, 7);
  const SyRenderStyle *style = sy_render_style_light ();
  SyInspectorOptions opts;
  SyInspectorLayout layout;
  cairo_surface_t *img;
  g_autofree int *order = g_new (int, 8);

  sy_inspector_options_init (&opts);
  opts.token = 3;
  opts.layer = 2;
  sy_inspector_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_cmpint (layout.n_rows, ==, 6);
  g_assert_cmpint (layout.n_cols, ==, 8);
  g_assert_cmpint (layout.n_bars, ==, 8);
  g_assert_cmpfloat (layout.p, ==, 0.5);   /* from the router SPEC topp:p=0.5 */
  g_assert_cmpfloat (layout.legend_x + layout.legend_w, <=, layout.bars_x);
  g_assert_cmpfloat (layout.bars_x + layout.bars_w, <=, 1200);

  img = render_image ((ViewFunc) sy_inspector_render, trace, &opts, style, 1200, 600);
  g_assert_cmpfloat (share_not (img, &style->background), >, 0.1);
  for (int i = 0; i < 6; i++)
    for (int e = 0; e < 8; e++)
      {
        double cx = layout.grid_x + (e + 0.5) * layout.cell_w, cy = layout.grid_y + (i + 0.5) * layout.cell_h;
        double v = trace->layers[i].probs[sy_trace_index (trace, 3, e)];
        SyColor got, cell, mark;
        int hl, he;

        sy_colormap_sequential (v / layout.vmax, &cell);
        pixel_at (img, cx, cy, &got);
        if (sy_inspector_is_chosen (trace, i, 3, e))
          {
            /* a dot in black or white marks the chosen experts */
            sy_color_text_on (&cell, &mark);
            g_assert_true (color_close (&got, &mark, 2.0 / 255));
          }
        else
          g_assert_true (color_close (&got, &cell, 2.0 / 255));
        g_assert_true (sy_inspector_hit_grid (&layout, cx, cy, &hl, &he));
        g_assert_cmpint (hl, ==, i);
        g_assert_cmpint (he, ==, e);
      }

  /* bars: sorted descending, chosen ones first */
  sy_inspector_sorted (trace, 2, 3, order);
  for (int r = 1; r < 8; r++)
    g_assert_cmpfloat (trace->layers[2].probs[sy_trace_index (trace, 3, order[r - 1])], >=,
                       trace->layers[2].probs[sy_trace_index (trace, 3, order[r])]);
  for (int r = 0; r < trace->layers[2].k[3]; r++)
    g_assert_true (sy_inspector_is_chosen (trace, 2, 3, order[r]));
  g_assert_cmpint (sy_inspector_hit_bar (&layout, layout.bars_x + 0.5 * layout.bar_w, layout.bars_y + layout.bars_h - 1), ==, 0);
  g_assert_cmpint (sy_inspector_hit_bar (&layout, layout.bars_x + 2.5 * layout.bar_w, layout.bars_y + 5), ==, 2);
  g_assert_cmpint (sy_inspector_hit_bar (&layout, 1, 1), ==, -1);
  /* the threshold line crosses the plot at p in the accent colour */
  {
    double y = layout.bars_y + layout.bars_h * (1 - layout.p);
    int hits = 0;

    for (double x = layout.bars_x; x < layout.bars_x + layout.bars_w; x += 1)
      {
        SyColor c;

        pixel_at (img, x, y, &c);
        hits += color_close (&c, &style->accent, 40.0 / 255);
      }
    g_assert_cmpint (hits, >, (int) (layout.bars_w * 0.3));
  }
  cairo_surface_destroy (img);

  /* no p line for other routers, or when asked */
  opts.p = -1;
  sy_inspector_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_true (isnan (layout.p));
  g_free (trace->router);
  trace->router = g_strdup ("topk:k=2");
  opts.p = NAN;
  sy_inspector_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_true (isnan (layout.p));
  opts.p = 0.3;
  sy_inspector_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &opts, &layout);
  g_assert_cmpfloat (layout.p, ==, 0.3);

  /* out-of-range token and layer are clamped, not crashed on */
  opts.token = 99;
  opts.layer = -4;
  sy_inspector_layout (&(SyRenderTarget) { NULL, style, 600, 400 }, trace, &opts, &layout);
  g_assert_cmpint (layout.token, ==, 11);
  g_assert_cmpint (layout.layer, ==, 0);
  {
    g_autoptr (GHashTable) counts = render_svg ((ViewFunc) sy_inspector_render, trace, &opts, style, 600, 400);

    g_assert_cmpint (sy_test_count_of (counts, "path"), >=, 6 * 8);
    g_assert_cmpint (sy_test_count_of (counts, "use"), >=, count_chars ("Router probabilities π by layer"));
  }
}

static void
test_inspector_many_experts (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (8, 4, 64, 8);
  SyInspectorOptions opts;
  SyInspectorLayout layout;

  sy_inspector_options_init (&opts);
  sy_inspector_layout (&(SyRenderTarget) { NULL, sy_render_style_dark (), 600, 400 }, trace, &opts, &layout);
  g_assert_cmpint (layout.n_cols, ==, 64);
  g_assert_cmpint (layout.n_bars, <, 64);
  g_assert_cmpint (layout.n_bars, >=, trace->layers[0].k[0]);
  g_assert_cmpfloat (layout.grid_x + 64 * layout.cell_w, <=, 600);
}

/* ---- summary ---- */

static void
test_summary (void)
{
  g_autoptr (SyTrace) trace = sy_test_trace_new (30, 6, 8, 9);
  const SyRenderStyle *style = sy_render_style_light ();
  SySummaryLayout layout;
  double load[8], total = 0, want = 0;
  cairo_surface_t *img;

  sy_summary_expert_load (trace, load);
  for (int e = 0; e < 8; e++)
    total += load[e];
  for (int i = 0; i < trace->n_moe_layers; i++)
    for (int t = 0; t < trace->n_tokens; t++)
      want += trace->layers[i].k[t];
  g_assert_cmpfloat (total, ==, want);

  for (int pass = 0; pass < 2; pass++)
    {
      double w = pass ? 600 : 1200, h = pass ? 400 : 600;

      sy_summary_layout (&(SyRenderTarget) { NULL, style, w, h }, trace, &(SySummaryOptions) { TRUE, NULL }, &layout);
      g_assert_cmpint (layout.charts[SY_SUMMARY_CHART_AVG_K].n, ==, 6);
      g_assert_cmpint (layout.charts[SY_SUMMARY_CHART_LOAD].n, ==, 8);
      for (int c = 0; c < SY_SUMMARY_N_CHARTS; c++)
        {
          const SySummaryChart *p = &layout.charts[c];
          SySummaryChartId id;
          int index;

          g_assert_cmpfloat (p->x, >=, 0);
          g_assert_cmpfloat (p->x + p->w, <=, w);
          g_assert_cmpfloat (p->y + p->h, <=, h);
          g_assert_true (sy_summary_hit (&layout, p->x + p->w / p->n * 1.5, p->y + p->h - 1, &id, &index));
          g_assert_cmpint (id, ==, c);
          g_assert_cmpint (index, ==, 1);
        }
    }

  img = render_image ((ViewFunc) sy_summary_render, trace, NULL, style, 1200, 600);
  g_assert_cmpfloat (share_not (img, &style->background), >, 0.05);
  /* the average-K bar of layer 0 has the bar colour at its middle */
  sy_summary_layout (&(SyRenderTarget) { NULL, style, 1200, 600 }, trace, &(SySummaryOptions) { TRUE, NULL }, &layout);
  {
    const SySummaryChart *p = &layout.charts[SY_SUMMARY_CHART_AVG_K];
    SyColor c;

    pixel_at (img, p->x + p->w / p->n * 0.5, p->y + p->h - 2, &c);
    g_assert_true (color_close (&c, &style->bar, 2.0 / 255));
  }
  cairo_surface_destroy (img);
  {
    g_autoptr (GHashTable) counts = render_svg ((ViewFunc) sy_summary_render, trace, NULL, sy_render_style_dark (), 600, 400);

    g_assert_cmpint (sy_test_count_of (counts, "use"), >=, count_chars ("Run summary perplexity"));
  }
}

/* ---- every view, every style, odd inputs ---- */

static void
test_all_views_edge_cases (void)
{
  ViewFunc views[] = {
    HEATMAP (sy_heatmap_render), (ViewFunc) sy_strip_render,
    (ViewFunc) sy_inspector_render, (ViewFunc) sy_summary_render,
  };
  g_autoptr (SyTrace) empty = sy_trace_new (0, 8, 4, 4);
  g_autoptr (SyTrace) one = sy_test_trace_new (1, 1, 2, 10);
  g_autoptr (SyTrace) normal = sy_test_trace_new (20, 4, 8, 11);
  const SyRenderStyle *styles[] = { sy_render_style_light (), sy_render_style_dark () };

  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    for (guint s = 0; s < G_N_ELEMENTS (styles); s++)
      {
        const SyTrace *traces[] = { empty, one, normal, NULL };

        for (guint t = 0; t < G_N_ELEMENTS (traces); t++)
          {
            int sizes[][2] = { { 1200, 600 }, { 600, 400 }, { 40, 30 } };

            for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
              {
                cairo_surface_t *img = render_image (views[v], traces[t], NULL, styles[s], sizes[z][0], sizes[z][1]);
                SyColor c;

                pixel_at (img, 0, 0, &c);
                g_assert_true (color_close (&c, &styles[s]->background, 1.0 / 255));
                if (traces[t] == normal && z < 2)
                  g_assert_cmpfloat (share_not (img, &styles[s]->background), >, 0.02);
                cairo_surface_destroy (img);
              }
          }
      }

  /* token texts that are NULL, empty, spaces or invalid UTF-8 */
  g_free (normal->token_text[0]);
  normal->token_text[0] = NULL;
  g_free (normal->token_text[1]);
  normal->token_text[1] = g_strdup ("   ");
  g_free (normal->token_text[2]);
  normal->token_text[2] = g_strdup ("\xff\xfe");
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_autoptr (GHashTable) counts = render_svg (views[v], normal, NULL, sy_render_style_light (), 600, 400);

      g_assert_cmpint (sy_test_count_of (counts, "svg"), ==, 1);
    }
}

static const SyTestCase tests[] = {
  { "/ui/heatmap/cells", test_heatmap_cells },
  { "/ui/heatmap/measures", test_heatmap_measures },
  { "/ui/heatmap/selection-and-styles", test_heatmap_selection_and_styles },
  { "/ui/heatmap/zoom-scroll", test_heatmap_zoom_scroll },
  { "/ui/heatmap/svg", test_heatmap_svg },
  { "/ui/natural-heights", test_natural_heights },
  { "/ui/strip", test_strip },
  { "/ui/inspector", test_inspector },
  { "/ui/inspector/many-experts", test_inspector_many_experts },
  { "/ui/summary", test_summary },
  { "/ui/views/edge-cases", test_all_views_edge_cases },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
