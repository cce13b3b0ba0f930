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
#include "sy-default-model.h"
#include "sy-window.h"

#define N_KEYS 40

static gboolean opened;
static int n_traces;
static int n_painted_after_trace;

static void
on_opened (SyWindow *window, GFile *folder, gpointer data)
{
  opened = TRUE;
}

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

static GtkWidget *
find_text_view (GtkWidget *root)
{
  if (GTK_IS_TEXT_VIEW (root))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_text_view (c);
      if (found)
        return found;
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GFile) folder = NULL;
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

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  if (!gtk_init_check ())
    {
      g_printerr ("bench-keystroke: no display\n");
      return 77;
    }
  path = argc > 1 ? g_strdup (argv[1]) : sy_default_model_path (&error);
  if (path == NULL)
    {
      g_printerr ("bench-keystroke: %s\n", error->message);
      return 77;
    }

  app = sy_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_application_activate (G_APPLICATION (app));
  window = SY_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 900);
  view = sy_window_get_analysis_view (window);
  g_signal_connect (window, "model-opened", G_CALLBACK (on_opened), NULL);
  g_signal_connect (view, "trace-changed", G_CALLBACK (on_trace), NULL);

  folder = g_file_new_for_path (path);
  opened = FALSE;
  sy_window_open_model (window, folder);
  while (!opened)
    g_main_context_iteration (NULL, TRUE);

  sy_analysis_view_set_text (view, text);
  while (sy_worker_is_busy (sy_analysis_view_get_worker (view)) || n_traces == 0)
    g_main_context_iteration (NULL, TRUE);
  n_tokens = sy_worker_get_trace (sy_analysis_view_get_worker (view), SY_SLOT_A)->n_tokens;

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), NULL);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (find_text_view (GTK_WIDGET (window))));

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
