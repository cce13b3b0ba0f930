/* bench-keystroke.c: keystroke to repainted heatmap, in the real window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark (meson benchmark(), never a test): opens a model, sets a
 * text of 56 tokens (with the demo model's tokenizer), then types
 * characters one at a time at its end (to ~64 tokens) and measures, for
 * each, the wall time from the keystroke to the end of the first frame
 * painted after the new trace reached the views, and the process CPU
 * time over the same span.  Prints the median, the 90th percentile and
 * the worst, in ms.  Needs a display (Xvfb is fine).
 *
 *   bench-keystroke [--compare] [--olmoe-q4km] [MODEL]
 *
 * MODEL: a model folder or GGUF file (default: the demo model).
 * --olmoe-q4km: the OLMoE-1B-7B-shaped Q4_K_M file of issue 16:
 *   $SY_BENCH_OLMOE_Q4KM, else CACHE/switchyard/bench/olmoe-1b-7b-Q4_K_M.gguf
 *   (CACHE: $XDG_CACHE_HOME or ~/.cache), made there when missing with
 *   `$SY_CLI make-random-model --preset olmoe-1b-7b --gguf Q4_K_M` (4.2 GB,
 *   a quarter of an hour or more on two cores).
 * --compare: then the same again (from the same text) with Compare on (A native, B top-k 4:
 *   both configurations re-run per keystroke; the time is to the frame
 *   painted after both traces arrived).
 */
#include "config.h"

#include <gtk/gtk.h>
#include <stdlib.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-compare-pane.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-window.h"

#define N_KEYS 40

static SyTestBenchCounts counts;

/* The OLMoE-shaped Q4_K_M file: from the environment, or made in the
 * cache folder when missing.  NULL when it cannot be had. */
static char *
olmoe_q4km (void)
{
  const char *env = g_getenv ("SY_BENCH_OLMOE_Q4KM");
  const char *cli = g_getenv ("SY_CLI");
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "switchyard", "bench", NULL);
  g_autofree char *path = g_build_filename (dir, "olmoe-1b-7b-Q4_K_M.gguf", NULL);
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&path);
  if (cli == NULL)
    {
      g_printerr ("bench-keystroke: set SY_BENCH_OLMOE_Q4KM or SY_CLI (meson sets SY_CLI)\n");
      return NULL;
    }
  g_mkdir_with_parents (dir, 0755);
  g_printerr ("bench-keystroke: making %s (once)\n", path);
  {
    const char *args[] = { cli, "make-random-model", "--preset", "olmoe-1b-7b", "--gguf", "Q4_K_M", path, NULL };

    if (!g_spawn_sync (NULL, (char **) args, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL, NULL,
                       &status, &error) || !g_spawn_check_wait_status (status, &error))
      {
        g_printerr ("bench-keystroke: %s\n", error->message);
        return NULL;
      }
  }
  return g_steal_pointer (&path);
}

/* Types N_KEYS characters at the end, one at a time, and prints the
 * figures; in compare mode a keystroke is done when both A's and B's
 * traces arrived and a frame was painted after them */
static void
type_keys (SyWindow   *window,
           const char *path,
           gboolean    compare)
{
  const char *typed = ", which had over-all charge of the election, deserves praise and thanks";
  SyAnalysisView *view = sy_window_get_analysis_view (window);
  SyWorker *worker = sy_analysis_view_get_worker (view);
  GtkTextBuffer *buffer;
  double ms[N_KEYS], cpu[N_KEYS];
  int first_tokens = sy_worker_get_trace (worker, SY_SLOT_A)->n_tokens;

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (sy_test_find_widget (GTK_WIDGET (window), GTK_TYPE_TEXT_VIEW)));
  for (int i = 0; i < N_KEYS; i++)
    {
      GtkTextIter end;
      int before = counts.traces, before_b = counts.traces_b;
      gint64 t0;
      double c0;

      /* let the previous keystroke settle completely */
      for (int k = 0; k < 10; k++)
        g_main_context_iteration (NULL, FALSE);

      t0 = g_get_monotonic_time ();
      c0 = sy_test_cpu_ms ();
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, typed + (i % strlen (typed)), 1);
      while (counts.traces == before || (compare && counts.traces_b == before_b) ||
             counts.painted_after_trace == 0)
        g_main_context_iteration (NULL, TRUE);
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
      cpu[i] = sy_test_cpu_ms () - c0;
    }

  sy_test_sort_doubles (ms, N_KEYS);
  sy_test_sort_doubles (cpu, N_KEYS);
  printf ("model %s, %s, %d -> %d tokens, %d keystrokes at the end: keystroke to repainted heatmap "
          "median %.1f ms, p90 %.1f ms, worst %.1f ms; process CPU per keystroke median %.1f ms, p90 %.1f ms\n",
          path, compare ? "compare (A native, B topk:k=4)" : "one configuration",
          first_tokens, sy_worker_get_trace (worker, SY_SLOT_A)->n_tokens, N_KEYS,
          ms[N_KEYS / 2], ms[(N_KEYS * 9) / 10], ms[N_KEYS - 1], cpu[N_KEYS / 2], cpu[(N_KEYS * 9) / 10]);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autofree char *model = NULL;
  g_autoptr (SyApplication) app = NULL;
  g_autoptr (GError) error = NULL;
  const char *text = "The Fulton County Grand Jury said Friday an investigation of Atlanta's "
                     "recent primary election produced no evidence that any irregularities "
                     "took place. The jury further said in term-end presentments that the City "
                     "Executive Committee";
  gboolean compare = FALSE, q4km = FALSE;
  char *open_argv[3] = { argv[0], NULL, NULL };
  SyWindow *window;
  SyAnalysisView *view;

  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--compare") == 0)
      compare = TRUE;
    else if (strcmp (argv[i], "--olmoe-q4km") == 0)
      q4km = TRUE;
    else
      model = g_strdup (argv[i]);
  if (model == NULL && q4km && (model = olmoe_q4km ()) == NULL)
    return 1;
  open_argv[1] = model;

  window = sy_test_bench_open ("bench-keystroke", model ? 2 : 1, open_argv, 1400, 900, &app, &path);
  if (window == NULL)
    return 77;
  view = sy_window_get_analysis_view (window);
  sy_test_bench_count (window, &counts);

  sy_analysis_view_set_text (view, text);
  while (sy_worker_is_busy (sy_analysis_view_get_worker (view)) || counts.traces == 0)
    g_main_context_iteration (NULL, TRUE);
  type_keys (window, path, FALSE);

  if (compare)
    {
      int before, before_b;

      /* the same text again, then Compare on */
      before = counts.traces;
      sy_analysis_view_set_text (view, text);
      while (sy_worker_is_busy (sy_analysis_view_get_worker (view)) || counts.traces == before)
        g_main_context_iteration (NULL, TRUE);
      before = counts.traces;
      before_b = counts.traces_b;
      if (!gtk_widget_activate_action (GTK_WIDGET (window), "win.compare", NULL)
          || !sy_compare_pane_set_router_b (SY_COMPARE_PANE (sy_analysis_view_get_compare_pane (view)),
                                            "topk:k=4", &error))
        {
          g_printerr ("bench-keystroke: cannot turn Compare on: %s\n", error ? error->message : "no action");
          return 1;
        }
      while (sy_worker_is_busy (sy_analysis_view_get_worker (view)) || counts.traces == before ||
             counts.traces_b == before_b)
        g_main_context_iteration (NULL, TRUE);
      type_keys (window, path, TRUE);
    }
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
