/* bench-keystroke.c: keystroke to repainted heatmap, in the real window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark (meson benchmark(), never a test): opens a model (argv[1],
 * or the demo model), sets a text of about 64 tokens, then types
 * characters one at a time and measures, for each, the wall time from the
 * keystroke to the end of the first frame painted after the new trace
 * reached the views.  Prints the median, the 90th percentile and the
 * worst, in ms.  Needs a display (Xvfb is fine).
 */
#include "config.h"

#include <gtk/gtk.h>
#include <stdlib.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-test-gui.h"
#include "sy-window.h"

#define N_KEYS 40

static int n_traces;
static int n_painted_after_trace;

static void
on_trace (SyAnalysisView *view, gpointer data)
{
  n_traces++;
  n_painted_after_trace = 0;
}

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  n_painted_after_trace++;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr (SyApplication) app = NULL;
  const char *text = "The Fulton County Grand Jury said Friday an investigation of Atlanta's "
                     "recent primary election produced no evidence that any irregularities "
                     "took place. The jury further said in term-end presentments that the City";
  const char *typed = " Executive Committee, which had over-all charge of the election, deserves praise";
  double ms[N_KEYS];
  SyWindow *window;
  SyAnalysisView *view;
  GtkTextBuffer *buffer;
  GdkFrameClock *clock;
  int n_tokens = 0;

  window = sy_test_bench_open ("bench-keystroke", argc, argv, 1400, 900, &app, &path);
  if (window == NULL)
    return 77;
  view = sy_window_get_analysis_view (window);
  g_signal_connect (view, "trace-changed", G_CALLBACK (on_trace), NULL);

  sy_analysis_view_set_text (view, text);
  while (sy_worker_is_busy (sy_analysis_view_get_worker (view)) || n_traces == 0)
    g_main_context_iteration (NULL, TRUE);
  n_tokens = sy_worker_get_trace (sy_analysis_view_get_worker (view), SY_SLOT_A)->n_tokens;

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (sy_test_find_widget (GTK_WIDGET (window), GTK_TYPE_TEXT_VIEW)));

  for (int i = 0; i < N_KEYS; i++)
    {
      GtkTextIter end;
      int before = n_traces;
      gint64 t0;

      /* let the previous keystroke settle completely */
      for (int k = 0; k < 10; k++)
        g_main_context_iteration (NULL, FALSE);

      t0 = g_get_monotonic_time ();
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, typed + (i % strlen (typed)), 1);
      while (n_traces == before || n_painted_after_trace == 0)
        g_main_context_iteration (NULL, TRUE);
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
    }

  qsort (ms, N_KEYS, sizeof (double), cmp_double);
  printf ("model %s, %d tokens, %d keystrokes: keystroke to repainted heatmap "
          "median %.1f ms, p90 %.1f ms, worst %.1f ms\n",
          path, n_tokens, N_KEYS, ms[N_KEYS / 2], ms[(N_KEYS * 9) / 10], ms[N_KEYS - 1]);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
