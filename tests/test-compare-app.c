/* test-compare-app.c: compare mode in the window (suite 'app')
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opens the OLMoE fixture in the real window, turns compare mode on with
 * win.compare, sets A to top-p 0.2 and B to top-p 0.8 and waits for the
 * worker's runs: the side-by-side heatmaps show A's and B's traces, the
 * difference page a comparison of those two policies with ΔK > 0; zoom
 * and scroll of one heatmap move the other, the selection is shared; the
 * window is rendered to test-compare-window.png (side by side) and
 * test-compare-diff.png (difference) in the build folder.  Compare off
 * stops slot B.  Skipped without a display.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-compare-pane.h"
#include "sy-compare-view.h"
#include "sy-expert-view.h"
#include "sy-heatmap-view.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-token-strip.h"
#include "sy-window.h"

static SyApplication *app;

static void
screenshot (GtkWidget  *window,
            const char *name)
{
  GtkStack *stack = sy_window_get_stack (SY_WINDOW (window));

  for (int i = 0; i < 100 && gtk_stack_get_transition_running (stack); i++)
    sy_test_settle (20);
  g_test_message ("window stack shows %s", gtk_stack_get_visible_child_name (stack));

  /* (waits for a frame: a loaded machine snapshots an undrawn window to nothing) */
  g_autoptr (GdkTexture) texture = sy_test_render_widget (window);

  g_assert_nonnull (texture);
  sy_test_save_png (texture, name);
}

/* The comparison shows @a vs @b once the worker delivered both runs. */
static const SyCompare *
wait_compare (SyComparePane *pane,
              const char    *a,
              const char    *b)
{
  for (int i = 0; i < 600; i++)
    {
      const SyCompare *cmp = sy_compare_pane_get_compare (pane);

      if (cmp && g_strcmp0 (cmp->a->router, a) == 0 && g_strcmp0 (cmp->b->router, b) == 0)
        return cmp;
      sy_test_settle (50);
    }
  g_error ("compare mode never showed %s vs %s", a, b);
  return NULL;
}

/* The expert card a heatmap opened: its window (titled as @slot's) holds
 * an expert view of that slot's routing; closed after the check. */
static void
assert_card (SyHeatmapView *heatmap,
             SySlot         slot,
             const char    *router)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *found = NULL;

  g_signal_emit_by_name (heatmap, "expert-activated", 1, 3);
  sy_test_settle (50);
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && found == NULL; i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (toplevels, i);
      GtkWidget *card = SY_IS_WINDOW (w) ? NULL : sy_test_find_widget (w, SY_TYPE_EXPERT_VIEW);

      if (card != NULL)
        {
          const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (card));
          const char *title = gtk_window_get_title (GTK_WINDOW (w));

          g_assert_cmpstr (trace->router, ==, router);
          g_assert_cmpint (g_str_has_suffix (title, "(B)"), ==, slot == SY_SLOT_B);
          found = w;
        }
    }
  g_assert_nonnull (found);
  gtk_window_destroy (GTK_WINDOW (found));
  sy_test_settle (20);
}

static void
test_compare_mode (void)
{
  SyWindow *window;
  SyAnalysisView *view;
  SyComparePane *pane;
  SyWorker *worker;
  SyHeatmapView *ha, *hb;
  const SyCompare *cmp;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  gboolean some_up = FALSE;
  const SyTrace *ta, *tb;
  SySelection *sel;

  if (app == NULL)
    {
      g_test_skip ("no display (DISPLAY/WAYLAND_DISPLAY unset)");
      return;
    }

  window = sy_window_new (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1500, 950);
  gtk_window_present (GTK_WINDOW (window));
  view = sy_window_get_analysis_view (window);
  pane = SY_COMPARE_PANE (sy_analysis_view_get_compare_pane (view));
  worker = sy_analysis_view_get_worker (view);

  path = sy_test_model_path ("olmoe", "");
  sy_test_open_model (window, path);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (window)), ==, "views");

  /* compare off: only A runs */
  g_assert_false (sy_worker_get_compare (worker));
  g_assert_false (sy_analysis_view_get_compare (view));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  g_assert_true (sy_analysis_view_get_compare (view));
  g_assert_true (sy_worker_get_compare (worker));
  g_assert_cmpstr (sy_analysis_view_get_view (view), ==, "compare");

  sy_analysis_view_set_text (view, "The jury further said in term-end presentments that the City "
                                   "Executive Committee, which had over-all charge of the election, "
                                   "deserves the praise and thanks of the City of Atlanta.");
  g_assert_true (sy_analysis_view_set_router (view, "topp:p=0.2", &error));
  g_assert_no_error (error);
  g_assert_true (sy_compare_pane_set_router_b (pane, "topp:p=0.8", &error));
  g_assert_no_error (error);
  cmp = wait_compare (pane, "topp:p=0.2", "topp:p=0.8");

  /* the worker delivered B's trace; the difference shows the two policies */
  tb = sy_worker_get_trace (worker, SY_SLOT_B);
  g_assert_nonnull (tb);
  g_assert_cmpstr (tb->router, ==, "topp:p=0.8");
  g_assert_cmpfloat (cmp->b->avg_k, >, cmp->a->avg_k);
  g_assert_cmpfloat (cmp->max_abs_dk, >, 0);
  for (int l = 0; l < cmp->n_moe_layers; l++)
    for (int t = 0; t < cmp->n_tokens; t++)
      some_up |= cmp->layers[l].dk[t] > 0;
  g_assert_true (some_up);
  g_assert_true (sy_compare_view_get_compare (SY_COMPARE_VIEW (sy_compare_pane_get_diff_view (pane))) == cmp);
  g_assert_nonnull (sy_trace_view_get_trace (SY_TRACE_VIEW (sy_compare_pane_get_diff_view (pane))));

  /* side by side: A left, B right, one token axis */
  ha = SY_HEATMAP_VIEW (sy_compare_pane_get_heatmap (pane, SY_SLOT_A));
  hb = SY_HEATMAP_VIEW (sy_compare_pane_get_heatmap (pane, SY_SLOT_B));
  ta = sy_trace_view_get_trace (SY_TRACE_VIEW (ha));
  g_assert_cmpstr (ta->router, ==, "topp:p=0.2");
  g_assert_cmpstr (sy_trace_view_get_trace (SY_TRACE_VIEW (hb))->router, ==, "topp:p=0.8");
  g_assert_cmpint (ta->n_tokens, ==, sy_trace_view_get_trace (SY_TRACE_VIEW (hb))->n_tokens);
  sy_test_settle (300);
  screenshot (GTK_WIDGET (window), "test-compare-window.png");

  sy_heatmap_view_set_cell_width (ha, 40);
  g_assert_cmpfloat (sy_heatmap_view_get_cell_width (hb), ==, 40);
  sy_heatmap_view_set_x_offset (hb, 120);
  g_assert_cmpfloat (sy_heatmap_view_get_x_offset (ha), ==, sy_heatmap_view_get_x_offset (hb));
  g_assert_cmpfloat (sy_heatmap_view_get_x_offset (ha), >, 0);
  sel = sy_trace_view_get_selection (SY_TRACE_VIEW (ha));
  g_assert_true (sel == sy_trace_view_get_selection (SY_TRACE_VIEW (hb)));
  g_assert_true (sel == sy_trace_view_get_selection (SY_TRACE_VIEW (sy_compare_pane_get_diff_view (pane))));
  sy_selection_set_token (sel, 2);
  sy_trace_view_move_selection (SY_TRACE_VIEW (hb), 3, 1);
  g_assert_cmpint (sy_selection_get_token (sel), ==, 5);
  sy_heatmap_view_set_cell_width (hb, 0);
  g_assert_cmpfloat (sy_heatmap_view_get_cell_width (ha), ==, 0);
  /* each heatmap opens its own side's expert cards */
  assert_card (ha, SY_SLOT_A, "topp:p=0.2");
  assert_card (hb, SY_SLOT_B, "topp:p=0.8");

  /* the difference page, and its export */
  sy_compare_pane_set_page (pane, "diff");
  sy_test_settle (300);
  screenshot (GTK_WIDGET (window), "test-compare-diff.png");
  {
    g_autofree char *svg = g_test_build_filename (G_TEST_BUILT, "test-compare-diff.svg", NULL);

    g_free (sy_test_export_svg (view, svg));
  }

  /* Continue in compare: A and B write apart; the strip marks the first
   * token where B's continuation leaves A's, as the heatmaps do */
  {
    SyTokenStrip *strip = SY_TOKEN_STRIP (sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_TOKEN_STRIP));
    SyHeatmapView *heat_a = SY_HEATMAP_VIEW (sy_compare_pane_get_heatmap (pane, SY_SLOT_A));
    SyViewOptions sopts;
    int diff = 0;

    g_assert_true (sy_analysis_view_set_router (view, "topk:k=1", &error));
    g_assert_no_error (error);
    g_assert_true (sy_compare_pane_set_router_b (pane, "native", &error));
    g_assert_no_error (error);
    sy_test_settle (20);
    while (sy_worker_is_busy (worker))
      g_main_context_iteration (NULL, TRUE);
    sy_analysis_view_continue (view);
    while (sy_worker_is_generating (worker) || sy_worker_is_busy (worker))
      g_main_context_iteration (NULL, TRUE);
    sy_test_settle (20);
    ta = sy_worker_get_trace (worker, SY_SLOT_A);
    tb = sy_worker_get_trace (worker, SY_SLOT_B);
    g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_A), >, 0);
    for (int t = sy_worker_get_generated_from (worker, SY_SLOT_A); t < MIN (ta->n_tokens, tb->n_tokens); t++)
      if (ta->ids[t] != tb->ids[t])
        {
          diff = t;
          break;
        }
    sy_trace_view_get_options (SY_TRACE_VIEW (strip), &sopts);
    g_test_message ("continuations part at token %d", diff);
    g_assert_cmpint (sopts.strip.first_difference, ==, diff);
    g_assert_cmpint (sy_trace_view_get_first_difference (SY_TRACE_VIEW (heat_a)), ==, diff);
    g_assert_cmpint (sopts.strip.generated_from, ==, sy_worker_get_generated_from (worker, SY_SLOT_A));
    screenshot (GTK_WIDGET (window), "test-compare-continued.png");
  }

  /* compare off: the worker runs A alone again */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL));
  g_assert_false (sy_analysis_view_get_compare (view));
  g_assert_false (sy_worker_get_compare (worker));
  g_assert_cmpstr (sy_analysis_view_get_view (view), ==, "heatmap");

  gtk_window_destroy (GTK_WINDOW (window));
  sy_test_settle (50);
}

static const SyTestCase tests[] = {
  { "/app/compare/mode", test_compare_mode },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, NULL, &app, NULL);
}
