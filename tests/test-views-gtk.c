/* test-views-gtk.c: the GTK views draw what the renderers draw and share
 * one selection
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Needs a display (run under Xvfb); skipped without one.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sy-heatmap-view.h"
#include "sy-inspector-view.h"
#include "sy-summary-view.h"
#include "sy-test-trace.h"
#include "sy-test-util.h"
#include "sy-token-strip.h"

typedef struct
{
  GtkWidget   *window;
  GtkWidget   *heatmap;
  GtkWidget   *strip;
  GtkWidget   *inspector;
  GtkWidget   *summary;
  SySelection *selection;
  SyTrace     *trace;
} Fixture;

static void
wait_for_allocation (GtkWidget *widget)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while ((gtk_widget_get_width (widget) <= 0 || !gtk_widget_get_mapped (widget))
         && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  /* let pending layout settle */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (gtk_widget_get_width (widget), >, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *views[4];

  f->trace = sy_test_trace_new (GPOINTER_TO_INT (data), 6, 8, 21);
  f->selection = sy_selection_new ();
  views[0] = f->strip = sy_token_strip_new ();
  views[1] = f->heatmap = sy_heatmap_view_new ();
  views[2] = f->inspector = sy_inspector_view_new ();
  views[3] = f->summary = sy_summary_view_new ();
  /* one above the other, on one trace and one selection; the strip at
   * its natural height, the others 800 x 300 */
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      if (views[i] != f->strip)
        gtk_widget_set_size_request (views[i], 800, 300);
      gtk_box_append (GTK_BOX (box), views[i]);
      sy_trace_view_set_selection (SY_TRACE_VIEW (views[i]), f->selection);
      sy_trace_view_set_trace (SY_TRACE_VIEW (views[i]), f->trace);
    }
  f->window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (f->window), box);
  gtk_window_present (GTK_WINDOW (f->window));
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    wait_for_allocation (views[i]);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_object_unref (f->selection);
  sy_trace_free (f->trace);
}

static void
test_click_and_keys (Fixture       *f,
                     gconstpointer  data)
{
  SyRenderStyle style;
  SyViewOptions opts;
  SyHeatmapLayout layout;
  double x, y, w, h;
  g_autofree char *tip = NULL;

  sy_trace_view_get_render_style (SY_TRACE_VIEW (f->heatmap), &style);
  sy_trace_view_get_options (SY_TRACE_VIEW (f->heatmap), &opts);
  sy_heatmap_layout (&(SyRenderTarget) { NULL, &style, gtk_widget_get_width (f->heatmap),
                                          gtk_widget_get_height (f->heatmap) }, f->trace, &opts.heatmap, &layout);
  g_assert_cmpint (layout.n_cols, ==, 12);
  g_assert_true (sy_heatmap_cell_rect (&layout, 2, 5, &x, &y, &w, &h));

  /* a click on a cell selects its token and layer in every view */
  g_assert_true (sy_trace_view_select_at (SY_TRACE_VIEW (f->heatmap), x + w / 2, y + h / 2));
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 5);
  g_assert_cmpint (sy_selection_get_layer (f->selection), ==, 2);
  /* ... anywhere in the cell, edges included */
  g_assert_true (sy_trace_view_select_at (SY_TRACE_VIEW (f->heatmap), x + w - 1, y + 1));
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 5);
  g_assert_cmpint (sy_selection_get_layer (f->selection), ==, 2);
  g_assert_true (sy_trace_view_select_at (SY_TRACE_VIEW (f->heatmap), x + w + 1, y + h + 1));
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 6);
  g_assert_cmpint (sy_selection_get_layer (f->selection), ==, 3);
  g_assert_true (sy_trace_view_select_at (SY_TRACE_VIEW (f->heatmap), x + 1, y + h - 1));
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 5);
  g_assert_cmpint (sy_selection_get_layer (f->selection), ==, 2);
  g_assert_true (sy_trace_view_get_selection (SY_TRACE_VIEW (f->strip)) == f->selection);
  {
    SyViewOptions io;

    sy_trace_view_get_options (SY_TRACE_VIEW (f->inspector), &io);
    g_assert_cmpint (io.inspector.token, ==, 5);
    g_assert_cmpint (io.inspector.layer, ==, 2);
  }

  /* the tooltip has the exact numbers of that cell */
  tip = sy_trace_view_get_tooltip_at (SY_TRACE_VIEW (f->heatmap), x + w / 2, y + h / 2);
  g_assert_nonnull (tip);
  g_assert_nonnull (strstr (tip, "Token 5"));
  {
    g_autofree char *k = g_strdup_printf ("K = %d", f->trace->layers[2].k[5]);

    g_assert_nonnull (strstr (tip, k));
  }
  g_assert_null (sy_trace_view_get_tooltip_at (SY_TRACE_VIEW (f->heatmap), 1, 1));

  /* arrow keys, through the widget's key bindings' action */
  gtk_widget_activate_action (f->heatmap, "view.move", "(ii)", 1, 0);
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 6);
  gtk_widget_activate_action (f->heatmap, "view.move", "(ii)", 0, -1);
  g_assert_cmpint (sy_selection_get_layer (f->selection), ==, 1);
  gtk_widget_activate_action (f->strip, "view.move", "(ii)", G_MAXINT / 2, 0);
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 11);
  gtk_widget_activate_action (f->strip, "view.move", "(ii)", 1, 0);
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 11);
  gtk_widget_activate_action (f->strip, "view.move", "(ii)", -G_MAXINT / 2, -100);
  g_assert_cmpint (sy_selection_get_token (f->selection), ==, 0);
  g_assert_cmpint (sy_selection_get_layer (f->selection), ==, 0);

  /* the strip selects by click too */
  {
    SyViewOptions so;
    g_autoptr (SyStripLayout) sl = NULL;

    sy_trace_view_get_render_style (SY_TRACE_VIEW (f->strip), &style);
    sy_trace_view_get_options (SY_TRACE_VIEW (f->strip), &so);
    sl = sy_strip_layout_new (&(SyRenderTarget) { NULL, &style, gtk_widget_get_width (f->strip),
                                                  gtk_widget_get_height (f->strip) }, f->trace, &so.strip);
    g_assert_cmpint (sl->n_placed, ==, 12);
    g_assert_true (sy_trace_view_select_at (SY_TRACE_VIEW (f->strip), sl->boxes[7].x + 2, sl->boxes[7].y + 2));
    g_assert_cmpint (sy_selection_get_token (f->selection), ==, 7);
  }

  /* a new, shorter trace keeps the selection inside it */
  {
    g_autoptr (SyTrace) shorter = sy_test_trace_new (4, 6, 8, 22);

    sy_trace_view_set_trace (SY_TRACE_VIEW (f->heatmap), shorter);
    g_assert_cmpint (sy_selection_get_token (f->selection), ==, 3);
  }
}

static void
test_screen_equals_export (Fixture       *f,
                           gconstpointer  data)
{
  GtkWidget *views[] = { f->heatmap, f->strip, f->inspector, f->summary };

  sy_selection_set_token (f->selection, 4);
  sy_selection_set_layer (f->selection, 1);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      int w = gtk_widget_get_width (views[i]), h = gtk_widget_get_height (views[i]);
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      GskRenderNode *node;
      cairo_surface_t *screen = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
      cairo_surface_t *direct = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
      SyRenderStyle style;
      cairo_t *cr;
      long differ = 0;

      /* what the widget hands GTK from its snapshot function */
      GTK_WIDGET_GET_CLASS (views[i])->snapshot (views[i], snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      g_assert_nonnull (node);
      cr = cairo_create (screen);
      gsk_render_node_draw (node, cr);
      cairo_destroy (cr);
      gsk_render_node_unref (node);

      sy_trace_view_get_render_style (SY_TRACE_VIEW (views[i]), &style);
      cr = cairo_create (direct);
      sy_trace_view_draw (SY_TRACE_VIEW (views[i]), &(SyRenderTarget) { cr, &style, w, h });
      cairo_destroy (cr);

      cairo_surface_flush (screen);
      cairo_surface_flush (direct);
      {
        const guint8 *a = cairo_image_surface_get_data (screen), *b = cairo_image_surface_get_data (direct);
        int stride = cairo_image_surface_get_stride (screen);

        for (int y = 0; y < h; y++)
          for (int x = 0; x < w * 4; x++)
            differ += abs (a[y * stride + x] - b[y * stride + x]) > 2;
      }
      /* the widget shows exactly the picture the renderer draws */
      g_assert_cmpint (differ, <, (long) w * h / 1000);
      cairo_surface_destroy (screen);
      cairo_surface_destroy (direct);
    }
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-views-gtk-XXXXXX");
  GtkWidget *views[] = { f->heatmap, f->strip, f->inspector, f->summary };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/view%u.svg", dir, i);
      g_autofree char *contents = NULL;
      gsize len;

      /* Ctrl+E's path: the widget's picture, light style, into a file */
      g_assert_true (sy_trace_view_export (SY_TRACE_VIEW (views[i]), path, &(SyRenderTarget) { NULL, NULL, 900, 500 },
                                           &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &contents, &len, &error));
      g_assert_nonnull (strstr (contents, "<svg"));
      g_assert_nonnull (strstr (contents, "</svg>"));
      g_remove (path);
    }
  g_assert_false (sy_trace_view_export (SY_TRACE_VIEW (f->heatmap), "/nonexistent-dir/x.svg",
                                        &(SyRenderTarget) { NULL, NULL, 900, 500 }, &error));
  g_assert_nonnull (error);
  g_rmdir (dir);
}

static void
test_zoom_scroll_and_style (Fixture       *f,
                            gconstpointer  data)
{
  SyHeatmapView *heatmap = SY_HEATMAP_VIEW (f->heatmap);
  SyRenderStyle style;
  g_autoptr (GError) error = NULL;
  int h_narrow, h_wide, dummy;

  /* 200 tokens at 40 px do not fit: selecting the last scrolls to it */
  sy_heatmap_view_set_cell_width (heatmap, 40);
  g_assert_cmpfloat (sy_heatmap_view_get_cell_width (heatmap), ==, 40);
  g_assert_cmpfloat (sy_heatmap_view_get_x_offset (heatmap), ==, 0);
  sy_selection_set_token (f->selection, 199);
  g_assert_cmpfloat (sy_heatmap_view_get_x_offset (heatmap), >, 200 * 40 - 800);
  sy_selection_set_token (f->selection, 3);
  g_assert_cmpfloat (sy_heatmap_view_get_x_offset (heatmap), <=, 3 * 40);

  g_assert_true (sy_trace_view_set_measure (SY_TRACE_VIEW (heatmap), "gate:2", &error));
  g_assert_no_error (error);
  g_assert_false (sy_trace_view_set_measure (SY_TRACE_VIEW (heatmap), "bogus", &error));
  g_assert_nonnull (error);
  g_assert_true (sy_trace_view_set_measure (SY_TRACE_VIEW (f->strip), "surprisal", NULL));

  /* the strip asks for more height when narrower */
  gtk_widget_measure (f->strip, GTK_ORIENTATION_VERTICAL, 300, &h_narrow, &dummy, NULL, NULL);
  gtk_widget_measure (f->strip, GTK_ORIENTATION_VERTICAL, 1200, &h_wide, &dummy, NULL, NULL);
  g_assert_cmpint (h_narrow, >, h_wide);

  /* dark and light: forced, then following libadwaita */
  sy_trace_view_set_dark (SY_TRACE_VIEW (f->heatmap), 1);
  sy_trace_view_get_render_style (SY_TRACE_VIEW (f->heatmap), &style);
  g_assert_true (style.dark);
  sy_trace_view_set_dark (SY_TRACE_VIEW (f->heatmap), -1);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  sy_trace_view_get_render_style (SY_TRACE_VIEW (f->heatmap), &style);
  g_assert_true (style.dark);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_LIGHT);
  sy_trace_view_get_render_style (SY_TRACE_VIEW (f->heatmap), &style);
  g_assert_false (style.dark);
  g_assert_cmpfloat (style.font_size, >=, 9);
}

static void
test_no_display (void)
{
  g_test_skip ("no display (run under Xvfb)");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Software rendering and no accessibility bus: the same pixels anywhere. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_add_func ("/ui/views-gtk/no-display", test_no_display);
      return g_test_run ();
    }
  /* A display that is named but does not open is an error, not a skip. */
  if (!gtk_init_check ())
    {
      g_printerr ("test-views-gtk: cannot open the display\n");
      return 1;
    }
  adw_init ();
  g_test_add ("/ui/views-gtk/click-and-keys", Fixture, GINT_TO_POINTER (12),
              fixture_setup, test_click_and_keys, fixture_teardown);
  g_test_add ("/ui/views-gtk/screen-equals-export", Fixture, GINT_TO_POINTER (12),
              fixture_setup, test_screen_equals_export, fixture_teardown);
  g_test_add ("/ui/views-gtk/export", Fixture, GINT_TO_POINTER (12),
              fixture_setup, test_export, fixture_teardown);
  g_test_add ("/ui/views-gtk/zoom-scroll-and-style", Fixture, GINT_TO_POINTER (200),
              fixture_setup, test_zoom_scroll_and_style, fixture_teardown);
  return g_test_run ();
}
