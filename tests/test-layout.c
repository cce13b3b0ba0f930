/* test-layout.c: the window at the default size (1100 × 720) and a large
 * one (1600 × 1000), light and dark (suite 'app'): every view gets a real
 * size and draws something; the text/views split moves; the summary
 * scrolls rather than squashes; Compare stacks A above B when two
 * heatmaps side by side would be too narrow.  Screenshots land in
 * build/tests/test-layout-*.png.
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-compare-pane.h"
#include "sy-expert-view.h"
#include "sy-heatmap-view.h"
#include "sy-inspector-view.h"
#include "sy-summary-view.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-token-strip.h"
#include "sy-views.h"
#include "sy-window.h"

static SyApplication *app;

static void
wait_idle (SyAnalysisView *view)
{
  SyWorker *worker = sy_analysis_view_get_worker (view);

  while (sy_worker_is_busy (worker) || sy_worker_get_trace (worker, SY_SLOT_A) == NULL)
    g_main_context_iteration (NULL, TRUE);
  sy_test_settle (200);
}

/* A view that is mapped, at least @w × @h, and not blank. */
static void
check_view (GtkWidget  *view,
            int         w,
            int         h,
            const char *what)
{
  g_autoptr (GdkTexture) shot = NULL;

  g_test_message ("%s: %d × %d", what, gtk_widget_get_width (view), gtk_widget_get_height (view));
  g_assert_true (gtk_widget_get_mapped (view));
  g_assert_cmpint (gtk_widget_get_width (view), >=, w);
  g_assert_cmpint (gtk_widget_get_height (view), >=, h);
  shot = sy_test_render_widget (view);
  g_assert_cmpuint (sy_test_count_colours (shot, 0, 0, gdk_texture_get_width (shot),
                                           gdk_texture_get_height (shot)), >, 16);
}

static void
shoot_all (SyWindow       *window,
           SyAnalysisView *view,
           int             width,
           int             height,
           const char     *scheme)
{
  guint n_views;
  const SyViewInfo *views = sy_views (&n_views);
  GtkWidget *heatmap = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_HEATMAP_VIEW);
  GtkWidget *strip = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_TOKEN_STRIP);
  GtkWidget *inspector = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_INSPECTOR_VIEW);
  GtkWidget *summary = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_SUMMARY_VIEW);
  SyComparePane *pane = SY_COMPARE_PANE (sy_analysis_view_get_compare_pane (view));

  /* every page of the view stack, as the table lists them */
  for (guint i = 0; i < n_views; i++)
    {
      const char *page = views[i].name;
      g_autoptr (GdkTexture) shot = NULL;
      g_autofree char *name = g_strdup_printf ("test-layout-%dx%d-%s-%s.png", width, height,
                                               scheme, page);

      if (!(views[i].flags & SY_VIEW_PAGE))
        continue;
      sy_analysis_view_set_view (view, page);
      if (g_str_equal (page, "compare"))
        wait_idle (view);
      sy_test_settle (250);
      shot = sy_test_render_widget (GTK_WIDGET (window));
      sy_test_save_png (shot, name);
      g_assert_cmpint (gdk_texture_get_width (shot), ==, gtk_widget_get_width (GTK_WIDGET (window)));
      g_assert_cmpint (gdk_texture_get_height (shot), ==, gtk_widget_get_height (GTK_WIDGET (window)));

      check_view (strip, 300, 60, "strip");
      if (g_str_equal (page, "heatmap"))
        check_view (heatmap, 500, 200, "heatmap");
      else if (g_str_equal (page, "inspector"))
        check_view (inspector, 500, 200, "inspector");
      else if (g_str_equal (page, "summary"))
        {
          /* scrolls rather than squashes: two rows of charts below 900 px */
          check_view (summary, 500, 300, "summary");
          if (gtk_widget_get_width (summary) < 900)
            g_assert_cmpint (gtk_widget_get_height (summary), >=, 500);
        }
      else
        {
          GtkWidget *a = sy_compare_pane_get_heatmap (pane, SY_SLOT_A);
          GtkWidget *b = sy_compare_pane_get_heatmap (pane, SY_SLOT_B);
          graphene_point_t pa, pb;

          g_assert_true (gtk_widget_compute_point (a, GTK_WIDGET (window), &GRAPHENE_POINT_INIT (0, 0), &pa));
          g_assert_true (gtk_widget_compute_point (b, GTK_WIDGET (window), &GRAPHENE_POINT_INIT (0, 0), &pb));
          g_test_message ("compare: %s, A %d × %d at (%.0f, %.0f), B %d × %d at (%.0f, %.0f)",
                          sy_compare_pane_get_stacked (pane) ? "stacked" : "side by side",
                          gtk_widget_get_width (a), gtk_widget_get_height (a), pa.x, pa.y,
                          gtk_widget_get_width (b), gtk_widget_get_height (b), pb.x, pb.y);
          check_view (a, 300, 55, "compare A");
          check_view (b, 300, 55, "compare B");
          if (sy_compare_pane_get_stacked (pane))
            {
              /* one token axis: A above B, same columns, only B labels them */
              g_assert_cmpfloat (pb.y, >, pa.y + gtk_widget_get_height (a) - 1);
              g_assert_cmpfloat (fabs (pa.x - pb.x), <, 1);
              g_assert_cmpint (gtk_widget_get_width (a), ==, gtk_widget_get_width (b));
              g_assert_true (sy_heatmap_view_get_hide_token_axis (SY_HEATMAP_VIEW (a)));
              g_assert_false (sy_heatmap_view_get_hide_token_axis (SY_HEATMAP_VIEW (b)));
              /* both grids readable: 10 px a layer (30 px at least), the
               * split moved up for them where the views are short */
              for (int s = 0; s < SY_N_SLOTS; s++)
                {
                  GtkWidget *v = s == SY_SLOT_A ? a : b;
                  const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (v));
                  SyViewOptions opts;
                  SyRenderStyle style;
                  SyHeatmapLayout layout;

                  sy_trace_view_get_options (SY_TRACE_VIEW (v), &opts);
                  sy_trace_view_get_render_style (SY_TRACE_VIEW (v), &style);
                  sy_heatmap_layout (&(SyRenderTarget) { NULL, &style, gtk_widget_get_width (v),
                                                          gtk_widget_get_height (v) }, trace, &opts.heatmap, &layout);
                  g_test_message ("compare %c: grid %.0f px high", "AB"[s], layout.grid_h);
                  g_assert_cmpfloat (layout.grid_h, >=, MIN (MAX (10 * trace->n_moe_layers, 30), 80) - 1);
                }
            }
          else
            {
              g_assert_cmpfloat (pb.x, >, pa.x + gtk_widget_get_width (a) - 1);
              g_assert_false (sy_heatmap_view_get_hide_token_axis (SY_HEATMAP_VIEW (a)));
            }
          /* zoom moves both */
          sy_heatmap_view_set_cell_width (SY_HEATMAP_VIEW (a), 30);
          g_signal_emit_by_name (a, "viewport-changed");
          g_assert_cmpfloat (sy_heatmap_view_get_cell_width (SY_HEATMAP_VIEW (b)), ==, 30);
          sy_heatmap_view_set_cell_width (SY_HEATMAP_VIEW (a), 0);
          g_signal_emit_by_name (a, "viewport-changed");
        }
    }
  sy_analysis_view_set_view (view, "heatmap");
  sy_test_settle (100);
}

static void check_expert_card (SyAnalysisView *view,
                               int             width);

static void
run_size (int width,
          int height)
{
  g_autoptr (GSettings) settings = sy_settings_new ();
  g_autofree char *path = sy_test_model_path ("olmoe", "");
  AdwStyleManager *styles = adw_style_manager_get_default ();
  SyWindow *window;
  SyAnalysisView *view;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);

  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized", FALSE);
  window = sy_window_new (app);
  view = sy_window_get_analysis_view (window);
  gtk_window_present (GTK_WINDOW (window));
  sy_test_open_model (window, path);
  wait_idle (view);
  /* the default size counts the frame of client-side decorations */
  g_test_message ("window %d × %d", gtk_widget_get_width (GTK_WIDGET (window)),
                  gtk_widget_get_height (GTK_WIDGET (window)));
  g_assert_cmpint (ABS (gtk_widget_get_width (GTK_WIDGET (window)) - width), <=, 30);
  g_assert_cmpint (ABS (gtk_widget_get_height (GTK_WIDGET (window)) - height), <=, 30);

  /* a two-sentence text, so that Compare has a token axis to share */
  sy_analysis_view_set_text (view, "The Fulton County Grand Jury said Friday an investigation of Atlanta's "
                                   "recent primary election produced no evidence that any irregularities "
                                   "took place. The jury further said in term-end presentments that the City "
                                   "Executive Committee deserves praise.");
  wait_idle (view);

  adw_style_manager_set_color_scheme (styles, ADW_COLOR_SCHEME_FORCE_LIGHT);
  shoot_all (window, view, width, height, "light");
  adw_style_manager_set_color_scheme (styles, ADW_COLOR_SCHEME_FORCE_DARK);
  sy_test_settle (200);
  shoot_all (window, view, width, height, "dark");
  adw_style_manager_set_color_scheme (styles, ADW_COLOR_SCHEME_DEFAULT);
  check_expert_card (view, width);

  /* the split between the text and the views moves: the views grow */
  {
    GtkWidget *heatmap = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_HEATMAP_VIEW);
    GtkWidget *split = gtk_widget_get_ancestor (heatmap, GTK_TYPE_PANED);
    int before = gtk_widget_get_height (heatmap), up;

    g_assert_nonnull (split);
    g_assert_cmpint (gtk_orientable_get_orientation (GTK_ORIENTABLE (split)), ==, GTK_ORIENTATION_VERTICAL);
    /* up: the views grow (the strip scrolls) */
    gtk_paned_set_position (GTK_PANED (split), gtk_paned_get_position (GTK_PANED (split)) - 80);
    sy_test_settle (200);
    g_test_message ("heatmap height %d, split 80 px higher: %d", before, gtk_widget_get_height (heatmap));
    up = gtk_widget_get_height (heatmap);
    g_assert_cmpint (up, >=, before + 60);
    /* down: they shrink */
    gtk_paned_set_position (GTK_PANED (split), gtk_paned_get_position (GTK_PANED (split)) + 160);
    sy_test_settle (200);
    g_test_message ("split 160 px lower: %d", gtk_widget_get_height (heatmap));
    g_assert_cmpint (gtk_widget_get_height (heatmap), <=, up - 100);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  sy_test_settle (100);
}

static void
on_expert_activated (SyTraceView *view,
                     int          moe,
                     int          expert,
                     int         *got)
{
  got[0] = moe;
  got[1] = expert;
}

/* A double click on a top-expert cell names that expert; the card opens
 * in its own window and draws the text's half. */
static void
check_expert_card (SyAnalysisView *view,
                   int             width)
{
  GtkWidget *heatmap = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_HEATMAP_VIEW);
  const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  g_autoptr (GdkTexture) shot = NULL;
  g_autofree char *name = g_strdup_printf ("test-layout-%d-expert-card.png", width);
  int got[2] = { -1, -1 };
  GtkWidget *card;
  SyExpertTextStats stats;

  g_assert_true (sy_analysis_view_set_measure (view, "expert", NULL));
  sy_analysis_view_set_view (view, "heatmap");
  sy_test_settle (150);
  g_signal_connect (heatmap, "expert-activated", G_CALLBACK (on_expert_activated), got);
  g_assert_true (sy_trace_view_activate_expert_at (SY_TRACE_VIEW (heatmap), gtk_widget_get_width (heatmap) / 2.0,
                                                   gtk_widget_get_height (heatmap) / 3.0));
  g_signal_handlers_disconnect_by_data (heatmap, got);
  g_assert_cmpint (got[0], >=, 0);
  g_assert_cmpint (got[0], <, trace->n_moe_layers);
  g_assert_cmpint (got[1], >=, 0);
  g_assert_cmpint (got[1], <, trace->n_experts);
  g_assert_true (sy_expert_text_stats (trace, got[0], got[1], &stats));
  g_assert_cmpint (stats.n_routed, >, 0);   /* it is some token's top expert */

  card = sy_analysis_view_show_expert (view, got[0], got[1]);
  g_assert_nonnull (card);
  g_assert_cmpint (sy_expert_view_get_expert (SY_EXPERT_VIEW (card)), ==, got[1]);
  sy_test_settle (300);
  shot = sy_test_render_widget (card);
  sy_test_save_png (shot, name);
  g_assert_cmpint (gtk_widget_get_width (card), >=, 480);
  g_assert_cmpuint (sy_test_count_colours (shot, 0, 0, gdk_texture_get_width (shot),
                                           gdk_texture_get_height (shot)), >, 16);
  gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (card)));
  g_assert_true (sy_analysis_view_set_measure (view, "k", NULL));
  g_assert_null (sy_analysis_view_show_expert (view, 0, 100000));
}

static void
test_layout_default (void)
{
  run_size (1100, 720);
}

static void
test_layout_large (void)
{
  run_size (1600, 1000);
}

/* The rule alone: side by side needs ~14 px per token in each half. */
static void
test_layout_rule (void)
{
  g_assert_true (sy_compare_sides_choose_stacked (600, 300, 40, 16));
  g_assert_false (sy_compare_sides_choose_stacked (2000, 300, 40, 16));
  /* fewer tokens than layers: taller than wide, side by side */
  g_assert_false (sy_compare_sides_choose_stacked (600, 400, 8, 16));
  g_assert_false (sy_compare_sides_choose_stacked (600, 400, 0, 16));
}

static const SyTestCase tests[] = {
  { "/app/layout/rule", test_layout_rule },
  { "/app/layout/1100x720", test_layout_default },
  { "/app/layout/1600x1000", test_layout_large },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, "/nonexistent", &app, NULL);
}
