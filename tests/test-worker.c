/* test-worker.c: the app's engine worker (background runs, newest edit
 * wins, failed loads keep the previous model)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sy-worker.h"

typedef struct
{
  GMainLoop *loop;
  int        ready[SY_N_SLOTS];
  int        failed;
  int        model_changed;
  GError    *error;
} Counters;

static char *
fixture (const char *arch)
{
  const char *root = g_getenv ("SY_FIXTURES");

  g_assert_nonnull (root);
  return g_build_filename (root, "models", arch, NULL);
}

static void
on_trace_ready (SyWorker *worker,
                int       slot,
                Counters *c)
{
  c->ready[slot]++;
  if (!sy_worker_is_busy (worker))
    g_main_loop_quit (c->loop);
}

static void
on_run_failed (SyWorker     *worker,
               int           slot,
               const GError *error,
               Counters     *c)
{
  c->failed++;
  g_clear_error (&c->error);
  c->error = g_error_copy (error);
  g_main_loop_quit (c->loop);
}

static void
on_model_changed (SyWorker *worker,
                  Counters *c)
{
  c->model_changed++;
}

static void
on_loaded (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Counters *c = user_data;

  g_clear_error (&c->error);
  sy_worker_load_model_finish (SY_WORKER (object), result, &c->error);
  g_main_loop_quit (c->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("the worker did not answer in time");
  return G_SOURCE_REMOVE;
}

static SyWorker *
worker_new (Counters *c)
{
  SyWorker *worker = sy_worker_new ();

  memset (c, 0, sizeof *c);
  c->loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (worker, "trace-ready", G_CALLBACK (on_trace_ready), c);
  g_signal_connect (worker, "run-failed", G_CALLBACK (on_run_failed), c);
  g_signal_connect (worker, "model-changed", G_CALLBACK (on_model_changed), c);
  g_timeout_add_seconds (60, on_timeout, NULL);
  return worker;
}

static void
load (SyWorker   *worker,
      Counters   *c,
      const char *path)
{
  sy_worker_load_model_async (worker, path, NULL, on_loaded, c);
  g_main_loop_run (c->loop);
}

static void
counters_clear (Counters *c)
{
  g_main_loop_unref (c->loop);
  g_clear_error (&c->error);
}

static void
test_worker_runs_newest_text (void)
{
  g_autofree char *path = fixture ("olmoe");
  g_autoptr (SyWorker) worker = NULL;
  const char *final_text = "The jury said it did find that the election was conducted.";
  const SyTrace *trace;
  Counters c;

  worker = worker_new (&c);
  load (worker, &c, path);
  g_assert_no_error (c.error);
  g_assert_cmpint (c.model_changed, ==, 1);
  g_assert_nonnull (sy_worker_get_model (worker));

  /* typing: many edits in a row, only the last one matters */
  sy_worker_set_debounce (worker, 5);
  for (gsize i = 1; i <= strlen (final_text); i++)
    {
      g_autofree char *prefix = g_strndup (final_text, i);
      sy_worker_set_text (worker, prefix);
      if (i % 7 == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  while (sy_worker_is_busy (worker) || c.ready[SY_SLOT_A] == 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpint (c.failed, ==, 0);
  trace = sy_worker_get_trace (worker, SY_SLOT_A);
  g_assert_nonnull (trace);
  /* the trace is the final text's: its token pieces spell it */
  {
    g_autoptr (GString) spelled = g_string_new (NULL);

    for (int t = 0; t < trace->n_tokens; t++)
      if (trace->token_text[t])
        g_string_append (spelled, trace->token_text[t]);
    g_assert_cmpstr (spelled->str, ==, final_text);
  }
  g_assert_null (sy_worker_get_trace (worker, SY_SLOT_B));
  counters_clear (&c);
}

static void
test_worker_router_and_compare (void)
{
  g_autofree char *path = fixture ("olmoe");
  g_autoptr (SyWorker) worker = NULL;
  g_autoptr (SyRouterSpec) topk1 = NULL;
  g_autoptr (GError) error = NULL;
  const SyTrace *a, *b;
  Counters c;

  worker = worker_new (&c);
  load (worker, &c, path);
  g_assert_no_error (c.error);
  sy_worker_set_debounce (worker, 0);
  sy_worker_set_text (worker, "Fulton County Grand Jury said Friday.");
  g_main_loop_run (c.loop);
  a = sy_worker_get_trace (worker, SY_SLOT_A);
  g_assert_nonnull (a);
  g_assert_cmpfloat_with_epsilon (a->avg_k, 4.0, 1e-9);   /* native top-4 */

  topk1 = sy_router_spec_parse ("topk:k=1", &error);
  g_assert_no_error (error);
  sy_worker_set_compare (worker, TRUE);
  g_assert_true (sy_worker_set_router (worker, SY_SLOT_B, topk1, &error));
  g_assert_no_error (error);
  while (sy_worker_is_busy (worker) || c.ready[SY_SLOT_B] == 0)
    g_main_context_iteration (NULL, TRUE);
  a = sy_worker_get_trace (worker, SY_SLOT_A);
  b = sy_worker_get_trace (worker, SY_SLOT_B);
  g_assert_nonnull (b);
  g_assert_cmpfloat_with_epsilon (a->avg_k, 4.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (b->avg_k, 1.0, 1e-9);
  g_assert_cmpint (a->n_tokens, ==, b->n_tokens);
  {
    int ta, va, tb, vb;
    g_assert_nonnull (sy_worker_get_logits (worker, SY_SLOT_A, &ta, &va));
    g_assert_nonnull (sy_worker_get_logits (worker, SY_SLOT_B, &tb, &vb));
    g_assert_cmpint (ta, ==, tb);
    g_assert_cmpint (va, ==, vb);
  }

  /* a spec that does not fit the model is refused, and changes nothing */
  {
    g_autoptr (SyRouterSpec) k99 = sy_router_spec_parse ("topk:k=99", NULL);
    g_assert_nonnull (k99);
    g_assert_false (sy_worker_set_router (worker, SY_SLOT_A, k99, &error));
    g_assert_nonnull (error);
    g_assert_null (sy_worker_get_router (worker, SY_SLOT_A));
  }
  counters_clear (&c);
}

static void
test_worker_failed_load_keeps_model (void)
{
  g_autofree char *path = fixture ("olmoe");
  g_autofree char *dir = g_dir_make_tmp ("sy-worker-XXXXXX", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autoptr (SyWorker) worker = NULL;
  SyModel *before;
  Counters c;

  worker = worker_new (&c);
  load (worker, &c, path);
  g_assert_no_error (c.error);
  before = sy_worker_get_model (worker);

  g_assert_true (g_file_set_contents (config, "{\"model_type\": \"frobnicator\"}", -1, NULL));
  load (worker, &c, dir);
  g_assert_error (c.error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH);
  g_assert_nonnull (strstr (c.error->message, "frobnicator"));
  g_assert_true (sy_worker_get_model (worker) == before);
  g_assert_cmpint (c.model_changed, ==, 1);

  /* and the kept model still runs */
  sy_worker_set_debounce (worker, 0);
  sy_worker_set_text (worker, "Still here.");
  g_main_loop_run (c.loop);
  g_assert_nonnull (sy_worker_get_trace (worker, SY_SLOT_A));

  g_unlink (config);
  g_rmdir (dir);
  counters_clear (&c);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/worker/newest-text-wins", test_worker_runs_newest_text);
  g_test_add_func ("/app/worker/router-and-compare", test_worker_router_and_compare);
  g_test_add_func ("/app/worker/failed-load-keeps-model", test_worker_failed_load_keeps_model);
  return g_test_run ();
}
