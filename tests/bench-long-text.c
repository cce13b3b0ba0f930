/* bench-long-text.c: a 2,000-token text in the real window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark (meson benchmark(), never a test): opens a model (argv[1],
 * or the demo model), sets a text of about 2,000 tokens, then
 *  - types characters at its end, one at a time: the wall time from the
 *    keystroke to the end of the first frame painted after the new trace
 *    reached the views (the goal of bench-keystroke: 50 ms median on the
 *    demo model), and the process CPU time over the same span;
 *  - scrolls the heatmap along the tokens and zooms it: the time from the
 *    change to the painted frame;
 *  - wraps the token strip at other widths: the time of measuring its
 *    height for a new width (what a window resize asks of it).
 * Prints medians, 90th percentiles and worsts, in ms.  Needs a display
 * (Xvfb is fine).
 */
#include "config.h"

#include <gtk/gtk.h>
#include <stdlib.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-heatmap-view.h"
#include "sy-token-strip.h"
#include "sy-window.h"

#define N_KEYS   30
#define N_SCROLL 30
#define N_WRAP   20
#define TARGET_TOKENS 2000

static SyTestBenchCounts counts;

static GtkWidget *
find_widget (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_get_mapped (root))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static void
report (const char *what, double *ms, int n)
{
  sy_test_sort_doubles (ms, n);
  printf ("  %-34s median %7.1f ms, p90 %7.1f ms, worst %7.1f ms\n",
          what, ms[n / 2], ms[(n * 9) / 10], ms[n - 1]);
}

static void
settle (void)
{
  for (int k = 0; k < 10; k++)
    g_main_context_iteration (NULL, FALSE);
}

static double
wait_painted (gint64 t0)
{
  int before = counts.painted;

  while (counts.painted == before)
    g_main_context_iteration (NULL, TRUE);
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static void
wait_trace (SyAnalysisView *view)
{
  while (sy_worker_is_busy (sy_analysis_view_get_worker (view)) || counts.traces == 0)
    g_main_context_iteration (NULL, TRUE);
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr (SyApplication) app = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  static const char *paragraphs[] = {
    "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary "
    "election produced no evidence that any irregularities took place. ",
    "The jury further said in term-end presentments that the City Executive Committee, which "
    "had over-all charge of the election, deserves the praise and thanks of the City of Atlanta "
    "for the manner in which the election was conducted. ",
    "It urged that the city take steps to remedy this problem, and that the next legislature "
    "provide enabling funds and re-set the effective date so that an orderly implementation "
    "of the law may be effected. ",
    "Mrs. Smith was sitting by the window when the letter came; she read it twice, folded it "
    "carefully and put it in the drawer with the others. ",
    "In 1959 the average yield per acre rose to 42 bushels, while prices fell by nearly 8 per "
    "cent, according to the department's annual report. ",
  };
  const char *typed = " and the committee said it would meet again on Monday to consider the";
  double ms[N_KEYS], cpu[N_KEYS], scroll_ms[N_SCROLL], zoom_ms[N_SCROLL], wrap_ms[N_WRAP];
  SyWindow *window;
  SyAnalysisView *view;
  GtkTextBuffer *buffer;
  GtkWidget *heatmap, *strip;
  int n_tokens = 0;

  window = sy_test_bench_open ("bench-long-text", argc, argv, 1400, 900, &app, &path);
  if (window == NULL)
    return 77;
  view = sy_window_get_analysis_view (window);
  sy_test_bench_count (window, &counts);

  /* grow the text until it holds about TARGET_TOKENS tokens */
  for (int round = 0; round < 4 && n_tokens < TARGET_TOKENS; round++)
    {
      gsize want = n_tokens > 0 ? (gsize) (text->len * (double) TARGET_TOKENS / n_tokens) : 2000;

      for (int i = 0; text->len < want; i++)
        g_string_append (text, paragraphs[i % G_N_ELEMENTS (paragraphs)]);
      counts.traces = 0;
      sy_analysis_view_set_text (view, text->str);
      wait_trace (view);
      n_tokens = sy_worker_get_trace (sy_analysis_view_get_worker (view), SY_SLOT_A)->n_tokens;
    }

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (find_widget (GTK_WIDGET (window), GTK_TYPE_TEXT_VIEW)));
  heatmap = find_widget (GTK_WIDGET (window), SY_TYPE_HEATMAP_VIEW);
  strip = find_widget (GTK_WIDGET (window), SY_TYPE_TOKEN_STRIP);
  settle ();

  for (int i = 0; i < N_KEYS; i++)
    {
      GtkTextIter end;
      int before = counts.traces;
      gint64 t0;
      double c0;

      settle ();
      t0 = g_get_monotonic_time ();
      c0 = sy_test_cpu_ms ();
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, typed + (i % strlen (typed)), 1);
      while (counts.traces == before || counts.painted_after_trace == 0)
        g_main_context_iteration (NULL, TRUE);
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
      cpu[i] = sy_test_cpu_ms () - c0;
    }
  n_tokens = sy_worker_get_trace (sy_analysis_view_get_worker (view), SY_SLOT_A)->n_tokens;

  printf ("model %s, %d tokens, window 1400 x 900\n", path, n_tokens);
  report ("keystroke -> repainted (wall)", ms, N_KEYS);
  report ("keystroke -> repainted (CPU)", cpu, N_KEYS);

  if (heatmap != NULL)
    {
      sy_analysis_view_set_heatmap_zoom (view, 12);
      settle ();
      for (int i = 0; i < N_SCROLL; i++)
        {
          gint64 t0;

          settle ();
          t0 = g_get_monotonic_time ();
          sy_heatmap_view_set_x_offset (SY_HEATMAP_VIEW (heatmap), (i % 10) * 1000.0);
          scroll_ms[i] = wait_painted (t0);
        }
      report ("heatmap scroll -> repainted", scroll_ms, N_SCROLL);
      for (int i = 0; i < N_SCROLL; i++)
        {
          gint64 t0;

          settle ();
          t0 = g_get_monotonic_time ();
          sy_analysis_view_set_heatmap_zoom (view, i % 2 ? 0 : 4 + (i % 7) * 3);
          zoom_ms[i] = wait_painted (t0);
        }
      report ("heatmap zoom -> repainted", zoom_ms, N_SCROLL);
    }
  if (strip != NULL)
    {
      for (int i = 0; i < N_WRAP; i++)
        {
          int min, nat;
          gint64 t0 = g_get_monotonic_time ();

          gtk_widget_measure (strip, GTK_ORIENTATION_VERTICAL, 600 + 37 * i, &min, &nat, NULL, NULL);
          wrap_ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
        }
      report ("strip height for a new width", wrap_ms, N_WRAP);
    }
  /* SY_BENCH_PNG=FILE: the window with the strip scrolled to the middle */
  if (g_getenv ("SY_BENCH_PNG") != NULL && strip != NULL)
    {
      GtkWidget *scroller = gtk_widget_get_ancestor (strip, GTK_TYPE_SCROLLED_WINDOW);
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
      g_autoptr (GtkSnapshot) snapshot = gtk_snapshot_new ();
      g_autoptr (GskRenderNode) node = NULL;
      g_autoptr (GdkTexture) texture = NULL;
      GdkPaintable *paintable;

      sy_analysis_view_set_heatmap_zoom (view, 0);
      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) / 2);
      settle ();
      wait_painted (g_get_monotonic_time ());
      paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
      gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (GTK_WIDGET (window)),
                              gtk_widget_get_height (GTK_WIDGET (window)));
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
      gdk_texture_save_to_png (texture, g_getenv ("SY_BENCH_PNG"));
      g_object_unref (paintable);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
