/* bench-continue.c: decoding speed of Continue in the real window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark (meson benchmark(), never a test): opens a model (argv[1],
 * or the demo model) in the window, routes a short prompt, then lets the
 * model continue it by N_GEN tokens (greedy, what Continue does) while
 * every view repaints, and prints the decode rate in tokens/s of wall
 * time and the process CPU time per token, to set against
 * `switchyard-cli bench`'s decode rate on the same model (issue 20: within
 * 10%).  Needs a display (Xvfb is fine).
 */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>
#include <time.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-test-gui.h"
#include "sy-window.h"

#define N_GEN 64

static int n_traces;

static void
on_trace (SyAnalysisView *view, gpointer data)
{
  n_traces++;
}

static double
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr (SyApplication) app = NULL;
  SyWindow *window;
  SyAnalysisView *view;
  SyWorker *worker;
  const SyTrace *trace;
  gint64 t0;
  double c0, wall, cpu;
  int n_prompt, n_gen, frames;

  window = sy_test_bench_open ("bench-continue", argc, argv, 0, 0, &app, &path);
  if (window == NULL)
    return 77;
  view = sy_window_get_analysis_view (window);
  g_signal_connect (view, "trace-changed", G_CALLBACK (on_trace), NULL);
  worker = sy_analysis_view_get_worker (view);

  n_traces = 0;
  sy_analysis_view_set_text (view, "The Fulton County Grand Jury said Friday an investigation of");
  while (sy_worker_is_busy (worker) || n_traces == 0)
    g_main_context_iteration (NULL, TRUE);
  n_prompt = sy_worker_get_trace (worker, SY_SLOT_A)->n_tokens;
  for (int k = 0; k < 20; k++)
    g_main_context_iteration (NULL, FALSE);

  n_traces = 0;
  t0 = g_get_monotonic_time ();
  c0 = cpu_s ();
  if (!sy_worker_generate (worker, N_GEN, NULL))
    {
      g_printerr ("bench-continue: nothing to continue\n");
      return 1;
    }
  while (sy_worker_is_generating (worker) || sy_worker_is_busy (worker))
    g_main_context_iteration (NULL, TRUE);
  wall = (g_get_monotonic_time () - t0) / 1e6;
  cpu = cpu_s () - c0;
  frames = n_traces;
  trace = sy_worker_get_trace (worker, SY_SLOT_A);
  n_gen = trace->n_tokens - sy_worker_get_generated_from (worker, SY_SLOT_A);
  printf ("bench-continue: %s: prompt %d tokens, generated %d in %.2f s wall, %.2f s CPU "
          "(%d view updates): %.1f tokens/s wall, %.1f ms CPU per token\n",
          path, n_prompt, n_gen, wall, cpu, frames, n_gen / wall, 1e3 * cpu / MAX (n_gen, 1));
  return 0;
}
