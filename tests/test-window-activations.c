/* test-window-activations.c: the 8-bit activations preference (suite 'app')
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * - the worker: exact (f32) by default; set to q8 it reruns the text (a
 *   new trace, router logits that differ from the exact run's on a
 *   llama.cpp Q4_K_M file) and back to f32 it gives the exact run's
 *   router logits again, bit for bit;
 * - the window (with a display): the q8-activations key is off by
 *   default, the primary menu's win.q8-activations toggles it, and the
 *   window's worker follows the key.
 */
#include "config.h"

#include <gtk/gtk.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-window.h"
#include "sy-worker.h"

static SyApplication *app;

static void
on_trace_ready (SyWorker *worker,
                int       slot,
                int      *ready)
{
  (*ready)++;
}

/* runs until a trace newer than @ready came and the worker is idle */
static const SyTrace *
wait_trace (SyWorker *worker,
            int      *ready,
            int       before)
{
  while (*ready <= before || sy_worker_is_busy (worker))
    g_main_context_iteration (NULL, TRUE);
  return sy_worker_get_trace (worker, SY_SLOT_A);
}

static float *
router_logits (const SyTrace *trace)
{
  return g_memdup2 (trace->layers[0].logits, sizeof (float) * trace->n_tokens * trace->n_experts);
}

static void
test_worker (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("SY_FIXTURES"), "gguf-llamacpp",
                                            "olmoe256-Q4_K_M.gguf", NULL);
  g_autoptr (SyWorker) worker = sy_worker_new ();
  g_autofree float *exact = NULL;
  g_autofree float *q8 = NULL;
  const SyTrace *trace;
  int ready = 0, before;
  gsize n;

  g_signal_connect (worker, "trace-ready", G_CALLBACK (on_trace_ready), &ready);
  g_assert_cmpint (sy_worker_get_activations (worker), ==, SY_ACTIVATIONS_F32);
  sy_test_worker_load (worker, path);
  sy_worker_set_text (worker, "The jury said it did find that the election was conducted.");
  trace = wait_trace (worker, &ready, 0);
  g_assert_nonnull (trace);
  n = (gsize) trace->n_tokens * trace->n_experts;
  exact = router_logits (trace);

  before = ready;
  sy_worker_set_activations (worker, SY_ACTIVATIONS_Q8);
  g_assert_cmpint (sy_worker_get_activations (worker), ==, SY_ACTIVATIONS_Q8);
  trace = wait_trace (worker, &ready, before);
  q8 = router_logits (trace);
  g_assert_cmpint (memcmp (exact, q8, sizeof (float) * n), !=, 0);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (fabsf (exact[i] - q8[i]), <, 0.5f);

  /* the same mode again: no run */
  before = ready;
  sy_worker_set_activations (worker, SY_ACTIVATIONS_Q8);
  g_assert_false (sy_worker_is_busy (worker));

  sy_worker_set_activations (worker, SY_ACTIVATIONS_F32);
  trace = wait_trace (worker, &ready, before);
  g_assert_cmpint (memcmp (exact, trace->layers[0].logits, sizeof (float) * n), ==, 0);
}

static void
test_window (void)
{
  SyWindow *window;
  SyWorker *worker;
  g_autoptr (GSettings) settings = NULL;
  GAction *action;
  g_autoptr (GVariant) state = NULL;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  window = sy_window_new (app);
  worker = sy_analysis_view_get_worker (sy_window_get_analysis_view (window));
  settings = sy_settings_new ();
  g_assert_false (g_settings_get_boolean (settings, "q8-activations"));
  g_assert_cmpint (sy_worker_get_activations (worker), ==, SY_ACTIVATIONS_F32);

  action = g_action_map_lookup_action (G_ACTION_MAP (window), "q8-activations");
  g_assert_nonnull (action);
  state = g_action_get_state (action);
  g_assert_false (g_variant_get_boolean (state));
  g_action_activate (action, NULL);
  g_assert_true (g_settings_get_boolean (settings, "q8-activations"));
  g_assert_cmpint (sy_worker_get_activations (worker), ==, SY_ACTIVATIONS_Q8);

  g_settings_set_boolean (settings, "q8-activations", FALSE);
  g_assert_cmpint (sy_worker_get_activations (worker), ==, SY_ACTIVATIONS_F32);
  gtk_window_destroy (GTK_WINDOW (window));
}

static const SyTestCase tests[] = {
  { "/app/activations/worker", test_worker },
  { "/app/activations/window", test_window },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, NULL, &app, NULL);
}
