/* bench-continue.c: decoding speed of Continue in the real window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A benchmark (meson benchmark(), never a test): opens a model (argv[1],
 * or the demo model) in the window, routes a short prompt, then lets the
 * model continue it by N_GEN tokens (greedy, what Continue does) while
 * every view repaints.  In the same process, taking turns with the window
 * (N_ROUNDS each, so that a machine busy with other work slows both
 * alike), the engine alone decodes the same tokens from the same prompt
 * the way `switchyard-cli bench` times its decode steps: one
 * sy_session_run per token on a session of the same loaded model.  Prints
 * both decode rates (medians, tokens/s of wall time), their ratio (issue
 * 20: the window within 10% of bench), and the CPU time per token of the
 * window's main thread (the views) and of the decoding threads.  The
 * window's rate is given twice: its decoding loop as the worker times it
 * (sy_worker_get_decode_rate, what the status line shows: bench's decode
 * rate is of its loop too), and Continue from the click to the last view
 * update (adding a fixed cost per Continue: thread start, the prompt's
 * run, the last repaint).  Needs a display (Xvfb is fine).
 */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-generate.h"
#include "sy-session.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-window.h"

#define N_GEN 64             /* SY_BENCH_TOKENS changes it */
#define N_ROUNDS 6
#define PROMPT "The Fulton County Grand Jury said Friday an investigation of"

static int n_traces;
static int n_gen_asked = N_GEN;

static void
on_trace (SyAnalysisView *view, gpointer data)
{
  n_traces++;
}

static double
clock_s (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
median (double *v, int n)
{
  sy_test_sort_doubles (v, n);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct
{
  double wall, cpu_main, cpu_decode, loop_rate;
  int    n_gen, frames;
} Round;

/* One Continue in the window, from the prompt. */
static gboolean
window_round (SyAnalysisView *view,
              SyWorker       *worker,
              Round          *r)
{
  double t0, c0, m0;

  n_traces = 0;
  sy_analysis_view_set_text (view, PROMPT);
  while (sy_worker_is_busy (worker) || n_traces == 0)
    g_main_context_iteration (NULL, TRUE);
  for (int k = 0; k < 20; k++)
    g_main_context_iteration (NULL, FALSE);

  n_traces = 0;
  t0 = clock_s (CLOCK_MONOTONIC);
  c0 = clock_s (CLOCK_PROCESS_CPUTIME_ID);
  m0 = clock_s (CLOCK_THREAD_CPUTIME_ID);
  /* as the Continue button does: the text gets the continuation too */
  sy_analysis_view_set_continue_length (view, n_gen_asked);
  sy_analysis_view_continue (view);
  if (!sy_worker_is_generating (worker))
    return FALSE;
  while (sy_worker_is_generating (worker) || sy_worker_is_busy (worker))
    g_main_context_iteration (NULL, TRUE);
  r->wall = clock_s (CLOCK_MONOTONIC) - t0;
  r->cpu_main = clock_s (CLOCK_THREAD_CPUTIME_ID) - m0;
  r->cpu_decode = clock_s (CLOCK_PROCESS_CPUTIME_ID) - c0 - r->cpu_main;
  r->frames = n_traces;
  r->loop_rate = sy_worker_get_decode_rate (worker);
  r->n_gen = sy_worker_get_trace (worker, SY_SLOT_A)->n_tokens
             - sy_worker_get_generated_from (worker, SY_SLOT_A);
  return r->n_gen > 0;
}

/* The same decode by the engine alone, as `switchyard-cli bench` times
 * it: one sy_session_run per token after the prompt, greedy. */
static gboolean
engine_round (SySession          *session,
              const SyRouterSpec *spec,
              Round              *r,
              GError            **error)
{
  SyModel *model = sy_session_get_model (session);
  SyTokenizer *tokenizer = sy_model_get_tokenizer (model);
  const SyModelInfo *info = sy_model_get_info (model);
  g_autoptr (SyEncoding) encoding = sy_tokenizer_encode (tokenizer, PROMPT, -1, TRUE, error);
  g_autoptr (SySampler) sampler = NULL;
  g_autofree int32_t *ids = NULL;
  SyTrace *trace;
  double t0, c0;
  int n;

  sy_session_reset (session);
  if (encoding == NULL || !sy_session_set_router (session, spec, error))
    return FALSE;
  sy_session_set_extend_native (session, TRUE);
  sampler = sy_sampler_new (NULL);
  ids = g_new (int32_t, encoding->n + n_gen_asked);
  memcpy (ids, encoding->ids, sizeof (int32_t) * encoding->n);
  if (!(trace = sy_session_run (session, ids, encoding->n, NULL, NULL, error)))
    return FALSE;
  sy_trace_free (trace);

  t0 = clock_s (CLOCK_MONOTONIC);
  c0 = clock_s (CLOCK_PROCESS_CPUTIME_ID);
  for (n = 0; n < n_gen_asked; n++)
    {
      int T, V;
      const float *logits = sy_session_get_logits (session, &T, &V);
      int len = encoding->n + n + 1;

      ids[len - 1] = sy_sampler_pick (sampler, logits + (gsize) (T - 1) * V, V);
      if (!(trace = sy_session_run (session, ids, len, NULL, NULL, error)))
        return FALSE;
      sy_trace_free (trace);
      if (sy_model_info_is_eos (info, ids[len - 1]))
        {
          n++;
          break;
        }
    }
  r->wall = clock_s (CLOCK_MONOTONIC) - t0;
  r->cpu_decode = clock_s (CLOCK_PROCESS_CPUTIME_ID) - c0;
  r->cpu_main = 0;
  r->n_gen = n;
  r->frames = 0;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr (SyApplication) app = NULL;
  SyWindow *window;
  SyAnalysisView *view;
  SyWorker *worker;
  g_autoptr (SySession) session = NULL;
  double win_rate[N_ROUNDS], eng_rate[N_ROUNDS], ratio[N_ROUNDS], loop_rate[N_ROUNDS], loop_ratio[N_ROUNDS];
  double win_main[N_ROUNDS], win_decode[N_ROUNDS], eng_decode[N_ROUNDS];
  int frames = 0, n_gen = 0;
  char load[64] = "";
  FILE *f;

  if (g_getenv ("SY_BENCH_TOKENS"))
    n_gen_asked = CLAMP (atoi (g_getenv ("SY_BENCH_TOKENS")), 1, 400);
  window = sy_test_bench_open ("bench-continue", argc, argv, 0, 0, &app, &path);
  if (window == NULL)
    return 77;
  view = sy_window_get_analysis_view (window);
  g_signal_connect (view, "trace-changed", G_CALLBACK (on_trace), NULL);
  worker = sy_analysis_view_get_worker (view);
  /* the window's model: the engine's session borrows it (the worker keeps it) */
  session = sy_session_new (sy_worker_get_model (worker));

  for (int i = 0; i < N_ROUNDS; i++)
    {
      Round w = { 0, }, e = { 0, };

      /* each goes first in every other round */
      for (int k = 0; k < 2; k++)
        if ((k + i) % 2 == 0 && !window_round (view, worker, &w))
          {
            g_printerr ("bench-continue: nothing was generated\n");
            return 1;
          }
        else if ((k + i) % 2 == 1 &&
                 !engine_round (session, sy_worker_get_router (worker, SY_SLOT_A), &e, &error))
          {
            g_printerr ("bench-continue: %s\n", error->message);
            return 1;
          }
      win_rate[i] = w.n_gen / w.wall;
      eng_rate[i] = e.n_gen / e.wall;
      ratio[i] = win_rate[i] / eng_rate[i];
      loop_rate[i] = w.loop_rate;
      loop_ratio[i] = w.loop_rate / eng_rate[i];
      win_main[i] = 1e3 * w.cpu_main / w.n_gen;
      win_decode[i] = 1e3 * w.cpu_decode / w.n_gen;
      eng_decode[i] = 1e3 * e.cpu_decode / e.n_gen;
      frames += w.frames;
      n_gen = w.n_gen;
      if (g_getenv ("SY_BENCH_VERBOSE"))
        printf ("  round %d: window %d tokens %.3f s (its loop %.1f tokens/s), engine %d tokens %.3f s\n",
                i, w.n_gen, w.wall, w.loop_rate, e.n_gen, e.wall);
    }
  /* the window after its last Continue (SY_BENCH_SCREENSHOT=FILE.png) */
  if (g_getenv ("SY_BENCH_SCREENSHOT"))
    {
      g_autoptr (GdkTexture) shot = NULL;

      window_round (view, worker, &(Round) { 0, });
      shot = sy_test_render_widget (GTK_WIDGET (window));
      if (shot == NULL || !gdk_texture_save_to_png (shot, g_getenv ("SY_BENCH_SCREENSHOT")))
        g_printerr ("bench-continue: no screenshot written\n");
    }
  if ((f = fopen ("/proc/loadavg", "r")) != NULL)
    {
      if (fgets (load, sizeof load, f) == NULL)
        load[0] = '\0';
      load[strcspn (load, "\n")] = '\0';
      fclose (f);
    }
  printf ("bench-continue: %s: %d tokens generated, %d rounds (medians), load average %s\n"
          "  window, decoding loop: %.1f tokens/s wall (the status line's figure)\n"
          "  window, Continue as a whole: %.1f tokens/s wall, CPU per token %.2f ms decoding + %.2f ms main thread "
          "(%.1f view updates per round)\n"
          "  engine alone (as bench): %.1f tokens/s wall, CPU per token %.2f ms\n"
          "  window / engine: decoding loop %.3f, Continue as a whole %.3f\n",
          path, n_gen, N_ROUNDS, load,
          median (loop_rate, N_ROUNDS),
          median (win_rate, N_ROUNDS), median (win_decode, N_ROUNDS), median (win_main, N_ROUNDS),
          (double) frames / N_ROUNDS,
          median (eng_rate, N_ROUNDS), median (eng_decode, N_ROUNDS),
          median (loop_ratio, N_ROUNDS), median (ratio, N_ROUNDS));
  return 0;
}
