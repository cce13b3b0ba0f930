/* test-expert-cards.c: how the main window's views open expert cards, and
 * what the cards show with and without the Profiler's corpus profile
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without a display every test is skipped.  The cards are rendered to
 * test-expert-card-*.png in the build folder.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-expert-view.h"
#include "sy-heatmap-view.h"
#include "sy-inspector-view.h"
#include "sy-profiler-window.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-window.h"

static SyApplication *app;

typedef struct
{
  int n;
  int layer, expert;
} Activated;

static void
on_activated (SyTraceView *view,
              int          layer,
              int          expert,
              Activated   *a)
{
  a->n++;
  a->layer = layer;
  a->expert = expert;
}

static void
on_finished (SyProfilerWindow *profiler,
             gboolean          ok,
             int              *finished)
{
  *finished = ok ? 1 : -1;
}

static SyWindow *
open_window (SyAnalysisView **view)
{
  g_autofree char *path = sy_test_model_path ("olmoe", "");
  SyWindow *window = sy_window_new (app);
  SyWorker *worker;

  *view = sy_window_get_analysis_view (window);
  gtk_window_present (GTK_WINDOW (window));
  sy_test_open_model (window, path);
  sy_analysis_view_set_text (*view, "The jury said it did find that many of the problems were old.");
  worker = sy_analysis_view_get_worker (*view);
  while (sy_worker_is_busy (worker) || sy_worker_get_trace (worker, SY_SLOT_A) == NULL)
    g_main_context_iteration (NULL, TRUE);
  sy_test_settle (200);
  return window;
}

/* What a press of the primary button does (the view's click gesture). */
static void
press (GtkWidget *widget,
       int        n_press,
       double     x,
       double     y)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (c) &&
          gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (c)) == GDK_BUTTON_PRIMARY)
        {
          g_signal_emit_by_name (c, "pressed", n_press, x, y);
          return;
        }
    }
  g_assert_not_reached ();
}

static void
close_cards (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  g_autoptr (GPtrArray) cards = g_ptr_array_new ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      GtkWidget *w = g_list_model_get_item (toplevels, i);

      if (!SY_IS_PROFILER_WINDOW (w) && !SY_IS_WINDOW (w) &&
          sy_test_find_widget (w, SY_TYPE_EXPERT_VIEW) != NULL)
        g_ptr_array_add (cards, w);
      g_object_unref (w);
    }
  for (guint i = 0; i < cards->len; i++)
    gtk_window_destroy (g_ptr_array_index (cards, i));
  sy_test_settle (20);
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *icon)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (root)), icon) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, icon);

      if (found)
        return found;
    }
  return NULL;
}

/* The card open in a window of its own, if any. */
static GtkWidget *
find_card (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (!SY_IS_PROFILER_WINDOW (w) && !SY_IS_WINDOW (w) &&
          sy_test_find_widget (w, SY_TYPE_EXPERT_VIEW) != NULL)
        return sy_test_find_widget (w, SY_TYPE_EXPERT_VIEW);
    }
  return NULL;
}

/* Where a click selects nothing but names an expert (the inspector's
 * bars), one click opens its card; where it selects a token (a heatmap
 * cell, an inspector row), a double click or the context menu does. */
static void
test_click (void)
{
  SyAnalysisView *view;
  SyWindow *window;
  GtkWidget *inspector, *heatmap;
  SyViewOptions iopts;
  SyInspectorLayout ilayout;
  SyRenderStyle style;
  const SyTrace *trace;
  Activated a = { 0, -1, -1 };
  double x = -1, y = -1;
  int token;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  window = open_window (&view);

  /* the inspector: a bar of the bar chart, then a row of the grid */
  sy_analysis_view_set_view (view, "inspector");
  sy_test_settle (200);
  inspector = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_INSPECTOR_VIEW);
  g_signal_connect (inspector, "expert-activated", G_CALLBACK (on_activated), &a);
  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (inspector));
  sy_trace_view_get_render_style (SY_TRACE_VIEW (inspector), &style);
  sy_trace_view_get_options (SY_TRACE_VIEW (inspector), &iopts);
  sy_inspector_layout (&(SyRenderTarget) { NULL, &style, gtk_widget_get_width (inspector),
                                            gtk_widget_get_height (inspector) }, trace, &iopts.inspector, &ilayout);
  g_assert_cmpfloat (ilayout.bars_w, >, 0);
  x = ilayout.bars_x + 2;
  for (y = ilayout.bars_y; y < ilayout.bars_y + ilayout.bars_h && sy_inspector_hit_bar (&ilayout, x, y) < 0; y++)
    ;
  g_assert_cmpint (sy_inspector_hit_bar (&ilayout, x, y), >=, 0);
  press (inspector, 1, x, y);
  g_assert_cmpint (a.n, ==, 1);
  g_assert_cmpint (a.layer, ==, ilayout.layer);
  press (inspector, 2, x, y);                /* the second press of a double click: no second card */
  g_assert_cmpint (a.n, ==, 1);
  {
    int layer = -1, expert = -1;
    gboolean found = FALSE;

    for (y = 0; y < gtk_widget_get_height (inspector) && !found; y += 2)
      for (x = 0; x < gtk_widget_get_width (inspector) && !found; x += 4)
        found = sy_inspector_hit_grid (&ilayout, x, y, &layer, &expert);
    g_assert_true (found);
    x -= 4;
    y -= 2;
    g_assert_true (sy_inspector_hit_grid (&ilayout, x, y, &layer, &expert));
    press (inspector, 1, x, y);              /* selects the layer */
    g_assert_cmpint (a.n, ==, 1);
    press (inspector, 2, x, y);
    g_assert_cmpint (a.n, ==, 2);
    g_assert_cmpint (a.layer, ==, layer);
    g_assert_cmpint (a.expert, ==, expert);
  }
  g_signal_handlers_disconnect_by_data (inspector, &a);
  close_cards ();

  /* the heatmap, coloured by top expert: a click selects the token */
  g_assert_true (sy_analysis_view_set_measure (view, "expert", NULL));
  sy_analysis_view_set_view (view, "heatmap");
  sy_test_settle (200);
  heatmap = sy_test_find_widget (GTK_WIDGET (view), SY_TYPE_HEATMAP_VIEW);
  g_signal_connect (heatmap, "expert-activated", G_CALLBACK (on_activated), &a);
  a.n = 0;
  x = gtk_widget_get_width (heatmap) / 2.0;
  y = gtk_widget_get_height (heatmap) / 3.0;
  sy_selection_set_token (sy_trace_view_get_selection (SY_TRACE_VIEW (heatmap)), 0);
  press (heatmap, 1, x, y);
  token = sy_selection_get_token (sy_trace_view_get_selection (SY_TRACE_VIEW (heatmap)));
  g_assert_cmpint (token, >, 0);
  g_assert_cmpint (a.n, ==, 0);
  press (heatmap, 2, x, y);
  g_assert_cmpint (a.n, ==, 1);
  close_cards ();

  /* its context menu names the expert and opens the same card */
  {
    GtkWidget *menu = NULL;
    GMenuModel *model;
    g_autoptr (GVariant) target = NULL;
    g_autofree char *action = NULL, *label = NULL;
    int layer, expert;

    g_assert_true (sy_trace_view_popup_menu_at (SY_TRACE_VIEW (heatmap), x, y));
    for (GtkWidget *c = gtk_widget_get_first_child (heatmap); c != NULL; c = gtk_widget_get_next_sibling (c))
      if (GTK_IS_POPOVER_MENU (c))
        menu = c;
    g_assert_nonnull (menu);
    sy_test_settle (100);
    g_assert_true (gtk_widget_get_visible (menu));
    model = gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (menu));
    g_assert_cmpint (g_menu_model_get_n_items (model), ==, 1);
    g_assert_true (g_menu_model_get_item_attribute (model, 0, G_MENU_ATTRIBUTE_ACTION, "s", &action));
    g_assert_true (g_menu_model_get_item_attribute (model, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label));
    target = g_menu_model_get_item_attribute_value (model, 0, G_MENU_ATTRIBUTE_TARGET, G_VARIANT_TYPE ("(ii)"));
    g_assert_nonnull (target);
    g_variant_get (target, "(ii)", &layer, &expert);
    g_assert_cmpint (layer, ==, a.layer);
    g_assert_cmpint (expert, ==, a.expert);
    g_assert_nonnull (strstr (label, "Card"));
    gtk_popover_popdown (GTK_POPOVER (menu));
    g_assert_true (gtk_widget_activate_action_variant (heatmap, action, target));
    g_assert_cmpint (a.n, ==, 2);
    g_assert_cmpint (a.expert, ==, expert);
  }
  /* no expert under the measure K: no menu, a double click opens nothing */
  g_assert_true (sy_analysis_view_set_measure (view, "k", NULL));
  sy_test_settle (100);
  g_assert_false (sy_trace_view_popup_menu_at (SY_TRACE_VIEW (heatmap), x, y));
  press (heatmap, 2, x, y);
  g_assert_cmpint (a.n, ==, 2);
  g_signal_handlers_disconnect_by_data (heatmap, &a);
  close_cards ();

  /* the gate measure: the expert's card is a button beside its number */
  g_assert_true (sy_analysis_view_set_measure (view, "gate:3", NULL));
  sy_test_settle (100);
  {
    GtkWidget *button = find_button (GTK_WIDGET (view), "dialog-information-symbolic");
    GtkWidget *c;

    g_autoptr (GdkTexture) shot = sy_test_render_widget (GTK_WIDGET (window));
    g_autofree char *png = g_test_build_filename (G_TEST_BUILT, "test-expert-cards-gate.png", NULL);

    g_assert_true (gdk_texture_save_to_png (shot, png));
    g_assert_nonnull (button);
    g_assert_true (gtk_widget_get_visible (button));
    g_signal_emit_by_name (button, "clicked");
    c = find_card ();
    g_assert_nonnull (c);
    g_assert_cmpint (sy_expert_view_get_expert (SY_EXPERT_VIEW (c)), ==, 3);
    close_cards ();
    g_assert_true (sy_analysis_view_set_measure (view, "k", NULL));
    g_assert_false (gtk_widget_get_visible (button));
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

static SyProfilerWindow *
open_profiler (SyWindow *window)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.profile", NULL));
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (toplevels, i);

      if (SY_IS_PROFILER_WINDOW (w) && sy_profiler_window_get_profile (SY_PROFILER_WINDOW (w)) == NULL)
        return SY_PROFILER_WINDOW (w);
    }
  g_assert_not_reached ();
  return NULL;
}

static GtkWidget *
card (SyAnalysisView *view,
      int             moe,
      int             expert,
      const char     *png)
{
  GtkWidget *c = sy_analysis_view_show_expert (view, moe, expert);
  g_autoptr (GdkTexture) shot = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, png, NULL);

  g_assert_nonnull (c);
  sy_test_settle (250);
  shot = sy_test_render_widget (c);
  g_assert_true (gdk_texture_save_to_png (shot, path));
  g_test_message ("expert card: %s", path);
  g_assert_cmpuint (sy_test_count_colours (shot, 0, 0, gdk_texture_get_width (shot),
                                           gdk_texture_get_height (shot)), >, 16);
  return c;
}

static void
assert_corpus_half (GtkWidget *c,
                    int        moe,
                    int        expert)
{
  const SyProfileExpert *p = sy_expert_view_get_profile (SY_EXPERT_VIEW (c));

  g_assert_nonnull (p);
  g_assert_cmpint (p->moe, ==, moe);
  g_assert_cmpint (p->expert, ==, expert);
  g_assert_cmpuint (p->top_tokens->len, >, 0);
  g_assert_cmpint (g_array_index (p->top_tokens, SyProfileExpertToken, 0).count, >, 0);
  /* the test split of Brown is tagged and has genres */
  g_assert_cmpuint (p->pos->len, >, 0);
  g_assert_cmpuint (p->genres->len, >, 0);
}

/* The main window's cards: the text's half only, until the Profiler has
 * a profile (run there, or a profile.json opened there): then the corpus
 * half too, the same either way. */
static void
test_corpus (void)
{
  SyAnalysisView *view;
  SyWindow *window;
  SyProfilerWindow *profiler, *opened;
  const SyTrace *trace;
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-expert-cards-XXXXXX");
  g_autoptr (GError) error = NULL;
  GtkWidget *c;
  int finished = 0, moe = 0, expert = 0, top_count;
  g_autofree char *top_text = NULL;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  window = open_window (&view);
  trace = sy_worker_get_trace (sy_analysis_view_get_worker (view), SY_SLOT_A);
  expert = trace->layers[moe].experts[0];     /* the first token's top expert */

  /* no profile */
  c = card (view, moe, expert, "test-expert-card-text-only.png");
  g_assert_null (sy_expert_view_get_profile (SY_EXPERT_VIEW (c)));
  close_cards ();

  /* a Profiler opened but not run yet: still the text's half only */
  profiler = open_profiler (window);
  c = card (view, moe, expert, "test-expert-card-text-only.png");
  g_assert_null (sy_expert_view_get_profile (SY_EXPERT_VIEW (c)));
  close_cards ();

  /* a profile run in the Profiler */
  sy_profiler_window_set_corpus (profiler, "brown", SY_CORPUS_SPLIT_TEST, NULL);
  sy_profiler_window_set_limit (profiler, 2);
  sy_profiler_window_set_sweep (profiler, FALSE, NULL);
  g_signal_connect (profiler, "finished", G_CALLBACK (on_finished), &finished);
  g_assert_true (sy_profiler_window_run (profiler));
  while (finished == 0)
    g_main_context_iteration (NULL, TRUE);
  if (finished < 0)
    g_error ("the profile failed: %s", sy_profiler_window_get_error (profiler));
  c = card (view, moe, expert, "test-expert-card-profiled.png");
  assert_corpus_half (c, moe, expert);
  top_count = (int) g_array_index (sy_expert_view_get_profile (SY_EXPERT_VIEW (c))->top_tokens,
                                   SyProfileExpertToken, 0).count;
  top_text = g_strdup (g_array_index (sy_expert_view_get_profile (SY_EXPERT_VIEW (c))->top_tokens,
                                      SyProfileExpertToken, 0).text);
  close_cards ();
  g_assert_true (sy_profiler_window_export_data (profiler, dir, &error));
  g_assert_no_error (error);
  gtk_window_destroy (GTK_WINDOW (profiler));
  sy_test_settle (50);

  /* the Profiler gone: the text's half only again */
  c = card (view, moe, expert, "test-expert-card-text-only.png");
  g_assert_null (sy_expert_view_get_profile (SY_EXPERT_VIEW (c)));
  close_cards ();

  /* its profile.json opened in a new Profiler */
  opened = open_profiler (window);
  g_assert_true (sy_profiler_window_open_profile (opened, dir, &error));
  g_assert_no_error (error);
  c = card (view, moe, expert, "test-expert-card-opened.png");
  assert_corpus_half (c, moe, expert);
  g_assert_cmpint (g_array_index (sy_expert_view_get_profile (SY_EXPERT_VIEW (c))->top_tokens,
                                  SyProfileExpertToken, 0).count, ==, top_count);
  g_assert_cmpstr (g_array_index (sy_expert_view_get_profile (SY_EXPERT_VIEW (c))->top_tokens,
                                  SyProfileExpertToken, 0).text, ==, top_text);
  close_cards ();
  gtk_window_destroy (GTK_WINDOW (opened));
  gtk_window_destroy (GTK_WINDOW (window));
  sy_test_remove_tree (dir);
}

static const SyTestCase tests[] = {
  { "/app/expert-cards/click", test_click },
  { "/app/expert-cards/corpus", test_corpus },
  { NULL, NULL }
};

static void
setup (void)
{
  sy_test_ensure_brown ();
}

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, "/nonexistent", &app, setup);
}
