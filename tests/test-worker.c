/* test-worker.c: the app's engine worker (background runs, newest edit
 * wins, failed loads keep the previous model)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sy-session.h"
#include "sy-test-util.h"
#include "sy-worker.h"

typedef struct
{
  GMainLoop *loop;
  int        ready[SY_N_SLOTS];
  int        failed;
  int        model_changed;
  GError    *error;
} Counters;

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

/* A worker with fixture model @arch loaded */
static SyWorker *
loaded_worker (Counters   *c,
               const char *arch)
{
  g_autofree char *path = sy_test_model_path (arch, "");
  SyWorker *worker = worker_new (c);

  load (worker, c, path);
  g_assert_no_error (c->error);
  return worker;
}

/* Runs @text at once (no debounce) and waits for its trace */
static void
run_text (SyWorker   *worker,
          Counters   *c,
          const char *text)
{
  sy_worker_set_debounce (worker, 0);
  sy_worker_set_text (worker, text);
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
  g_autoptr (SyWorker) worker = NULL;
  const char *final_text = "The jury said it did find that the election was conducted.";
  const SyTrace *trace;
  Counters c;

  worker = loaded_worker (&c, "olmoe");
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
  g_autoptr (SyWorker) worker = NULL;
  g_autoptr (SyRouterSpec) topk1 = NULL;
  g_autoptr (GError) error = NULL;
  const SyTrace *a, *b;
  Counters c;

  worker = loaded_worker (&c, "olmoe");
  run_text (worker, &c, "Fulton County Grand Jury said Friday.");
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
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-worker-XXXXXX");
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autoptr (SyWorker) worker = NULL;
  SyModel *before;
  Counters c;

  worker = loaded_worker (&c, "olmoe");
  before = sy_worker_get_model (worker);

  g_assert_true (g_file_set_contents (config, "{\"model_type\": \"frobnicator\"}", -1, NULL));
  load (worker, &c, dir);
  g_assert_error (c.error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_UNSUPPORTED_ARCH);
  g_assert_nonnull (strstr (c.error->message, "frobnicator"));
  g_assert_true (sy_worker_get_model (worker) == before);
  g_assert_cmpint (c.model_changed, ==, 1);

  /* and the kept model still runs */
  run_text (worker, &c, "Still here.");
  g_assert_nonnull (sy_worker_get_trace (worker, SY_SLOT_A));

  g_unlink (config);
  g_rmdir (dir);
  counters_clear (&c);
}

static void
on_calibrated (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  char **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = sy_worker_calibrate_finish (SY_WORKER (object), result, &error);
  g_assert_no_error (error);
}

/* "Match native cost": the calibrated top-p spec runs at the native average K. */
static void
test_worker_calibrate (void)
{
  g_autoptr (SyWorker) worker = NULL;
  g_autoptr (SyRouterSpec) base = sy_router_spec_parse ("topp:p=0.3", NULL);
  g_autoptr (SyRouterSpec) calibrated = NULL;
  g_autofree char *result = NULL;
  const SyTrace *trace;
  Counters c;
  int before;

  worker = loaded_worker (&c, "olmoe");
  run_text (worker, &c, "The jury said it did find that many of the voters were registered.");
  sy_worker_calibrate_async (worker, base, 2.0, NULL, on_calibrated, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("calibrated: %s", result);
  g_assert_true (g_str_has_prefix (result, "topp:"));

  calibrated = sy_router_spec_parse (result, NULL);
  g_assert_nonnull (calibrated);
  before = c.ready[SY_SLOT_A];
  g_assert_true (sy_worker_set_router (worker, SY_SLOT_A, calibrated, NULL));
  while (sy_worker_is_busy (worker) || c.ready[SY_SLOT_A] == before)
    g_main_context_iteration (NULL, TRUE);
  trace = sy_worker_get_trace (worker, SY_SLOT_A);
  g_assert_cmpfloat_with_epsilon (trace->avg_k, 2.0, 0.05);
  counters_clear (&c);
}

/* A load cancelled before it ends installs nothing: the model in use stays. */
static void
test_worker_cancelled_load (void)
{
  g_autofree char *mixtral = sy_test_model_path ("mixtral", "");
  g_autoptr (SyWorker) worker = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  SyModel *before;
  Counters c;

  worker = loaded_worker (&c, "olmoe");
  before = sy_worker_get_model (worker);

  sy_worker_load_model_async (worker, mixtral, cancellable, on_loaded, &c);
  g_cancellable_cancel (cancellable);
  g_main_loop_run (c.loop);
  g_assert_nonnull (c.error);
  g_assert_true (g_error_matches (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
                 g_error_matches (c.error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_CANCELLED));
  g_assert_true (sy_worker_get_model (worker) == before);
  g_assert_cmpint (c.model_changed, ==, 1);
  counters_clear (&c);
}

static void
wait_idle (SyWorker *worker)
{
  while (sy_worker_is_busy (worker) || sy_worker_is_generating (worker))
    g_main_context_iteration (NULL, TRUE);
}

/* Continue: greedy tokens as sy_generate() writes them, each one routed,
 * the text extended; A and B continue apart in compare mode; Stop and an
 * edit end it */
static void
test_worker_generate (void)
{
  g_autoptr (SyWorker) worker = NULL;
  g_autoptr (SyRouterSpec) ser = sy_router_spec_parse ("ser:kmin=1,t=0.3", NULL);
  g_autoptr (SyRouterSpec) topk1 = sy_router_spec_parse ("topk:k=1", NULL);
  g_autoptr (GError) error = NULL;
  const char *prompt = "The jury said it did find that";
  const SyTrace *a, *b;
  Counters c;
  int n_prompt, steps;

  worker = loaded_worker (&c, "olmoe");
  g_assert_true (sy_worker_set_router (worker, SY_SLOT_A, ser, &error));
  sy_worker_set_text (worker, prompt);
  wait_idle (worker);
  n_prompt = sy_worker_get_trace (worker, SY_SLOT_A)->n_tokens;
  g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_A), ==, 0);
  g_assert_cmpfloat (sy_worker_get_decode_rate (worker), ==, 0);

  steps = c.ready[SY_SLOT_A];
  g_assert_true (sy_worker_generate (worker, 6, NULL));
  g_assert_true (sy_worker_is_generating (worker));
  wait_idle (worker);
  g_assert_cmpint (c.failed, ==, 0);
  /* its decoding speed, for the status line (and bench-continue) */
  g_assert_cmpfloat (sy_worker_get_decode_rate (worker), >, 0);
  g_assert_true (isfinite (sy_worker_get_decode_rate (worker)));
  g_assert_cmpint (c.ready[SY_SLOT_A], >, steps);
  a = sy_worker_get_trace (worker, SY_SLOT_A);
  g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_A), ==, n_prompt);
  g_assert_cmpint (a->n_tokens, <=, n_prompt + 6);
  g_assert_cmpint (a->n_tokens, >, n_prompt);
  /* the text now ends with the continuation */
  {
    g_autofree char *want = g_strconcat (prompt, sy_worker_get_continuation (worker, SY_SLOT_A), NULL);

    g_assert_cmpstr (sy_worker_get_text (worker), ==, want);
  }
  /* the same tokens and routing as the engine's own loop */
  {
    SyModel *model = sy_worker_get_model (worker);
    g_autoptr (SySession) session = sy_session_new (model);
    g_autoptr (SyTrace) ref = NULL;
    const SyModelInfo *info = sy_model_get_info (model);
    SyGenerateRequest request = { .prompt = a->ids, .n_prompt = n_prompt,
                                  .max_new = a->n_tokens - n_prompt,
                                  .eos_ids = info->eos_token_ids, .n_eos = info->n_eos_token_ids };

    g_assert_true (sy_session_set_router (session, ser, &error));
    ref = sy_generate (session, &request, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (ref->n_tokens, ==, a->n_tokens);
    g_assert_cmpmem (ref->ids, sizeof (int32_t) * ref->n_tokens, a->ids, sizeof (int32_t) * a->n_tokens);
    for (int l = 0; l < a->n_moe_layers; l++)
      g_assert_cmpmem (ref->layers[l].k, sizeof (int) * a->n_tokens, a->layers[l].k, sizeof (int) * a->n_tokens);
  }

  /* compare: B writes its own continuation of the same prompt */
  sy_worker_set_text (worker, prompt);
  g_assert_true (sy_worker_set_router (worker, SY_SLOT_B, topk1, &error));
  sy_worker_set_compare (worker, TRUE);
  wait_idle (worker);
  g_assert_true (sy_worker_generate (worker, 5, NULL));
  wait_idle (worker);
  a = sy_worker_get_trace (worker, SY_SLOT_A);
  b = sy_worker_get_trace (worker, SY_SLOT_B);
  g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_B), ==, n_prompt);
  g_assert_cmpint (b->n_tokens, >, n_prompt);
  g_assert_cmpstr (b->router, ==, "topk:k=1");
  g_assert_cmpstr (a->router, ==, "ser:kmin=1,t=0.3");
  g_assert_cmpmem (a->ids, sizeof (int32_t) * n_prompt, b->ids, sizeof (int32_t) * n_prompt);
  sy_worker_set_compare (worker, FALSE);

  /* Stop: fewer tokens than asked */
  sy_worker_set_text (worker, prompt);
  wait_idle (worker);
  g_assert_true (sy_worker_generate (worker, 2000, NULL));
  while (c.ready[SY_SLOT_A] == steps || sy_worker_get_generated_from (worker, SY_SLOT_A) == 0)
    {
      steps = c.ready[SY_SLOT_A];
      g_main_context_iteration (NULL, TRUE);
    }
  sy_worker_stop_generation (worker);
  wait_idle (worker);
  a = sy_worker_get_trace (worker, SY_SLOT_A);
  g_assert_cmpint (a->n_tokens, <, n_prompt + 2000);
  g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_A), ==, n_prompt);

  /* an edit stops it and runs the text as usual */
  sy_worker_set_text (worker, prompt);
  wait_idle (worker);
  g_assert_true (sy_worker_generate (worker, 2000, NULL));
  g_main_context_iteration (NULL, TRUE);
  sy_worker_set_text (worker, "Another text.");
  wait_idle (worker);
  g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_A), ==, 0);
  g_assert_cmpstr (sy_worker_get_text (worker), ==, "Another text.");
  g_assert_null (sy_worker_get_continuation (worker, SY_SLOT_A));

  /* so does an edit back to the prompt's own text (the window's text had
   * the continuation after it, and the edit deleted that): the text stays
   * the prompt, no continuation is added to it */
  sy_worker_set_text (worker, prompt);
  wait_idle (worker);
  steps = c.ready[SY_SLOT_A];
  g_assert_true (sy_worker_generate (worker, 2000, NULL));
  while (c.ready[SY_SLOT_A] == steps || sy_worker_get_generated_from (worker, SY_SLOT_A) == 0)
    g_main_context_iteration (NULL, TRUE);
  sy_worker_set_text (worker, prompt);
  wait_idle (worker);
  g_assert_cmpstr (sy_worker_get_text (worker), ==, prompt);
  g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_A), ==, 0);
  g_assert_cmpint (sy_worker_get_trace (worker, SY_SLOT_A)->n_tokens, ==, n_prompt);
  counters_clear (&c);
}

static void
on_streamed (SyWorker *worker,
             int       slot,
             gpointer  data)
{
  int *n_checked = data;
  const SyTrace *trace = sy_worker_get_trace (worker, slot);
  int from = sy_worker_get_generated_from (worker, slot);
  const char *shown = sy_worker_get_continuation (worker, slot);
  g_autofree char *full = NULL;

  if (slot != SY_SLOT_A || from <= 0 || shown == NULL)
    return;
  full = sy_tokenizer_decode (sy_model_get_tokenizer (sy_worker_get_model (worker)),
                              trace->ids + from, trace->n_tokens - from, TRUE);
  /* the whole decode, or (a character waiting for its next bytes) a
   * prefix of it */
  if (strcmp (shown, full) != 0)
    {
      g_assert_true (g_str_has_prefix (full, shown));
      g_assert_cmpuint (strlen (full) - strlen (shown), <=, 64);
    }
  (*n_checked)++;
}

/* Continue decodes each new token's piece only: at every step the
 * continuation the views get is the decode of all generated tokens (up to
 * a character whose bytes are still coming), and at the end exactly it;
 * sampled at a high temperature, so that pieces split characters */
static void
test_worker_generate_text (void)
{
  g_autoptr (SyWorker) worker = NULL;
  SySampling sampling;
  const SyTrace *a;
  Counters c;
  int n_checked = 0, from;
  g_autofree char *full = NULL;

  worker = loaded_worker (&c, "olmoe");
  g_signal_connect (worker, "trace-ready", G_CALLBACK (on_streamed), &n_checked);
  for (guint64 seed = 1; seed <= 3; seed++)
    {
      sy_worker_set_text (worker, "Über die Brücke — 東京 ");
      wait_idle (worker);
      sy_sampling_init (&sampling);
      sampling.temperature = 2.0;
      sampling.seed = seed;
      g_assert_true (sy_worker_generate (worker, 60, &sampling));
      wait_idle (worker);
      g_assert_cmpint (c.failed, ==, 0);
      a = sy_worker_get_trace (worker, SY_SLOT_A);
      from = sy_worker_get_generated_from (worker, SY_SLOT_A);
      g_assert_cmpint (from, >, 0);
      full = sy_tokenizer_decode (sy_model_get_tokenizer (sy_worker_get_model (worker)),
                                  a->ids + from, a->n_tokens - from, TRUE);
      g_assert_cmpstr (sy_worker_get_continuation (worker, SY_SLOT_A), ==, full);
      g_clear_pointer (&full, g_free);
    }
  g_assert_cmpint (n_checked, >=, 3);
  counters_clear (&c);
}

static const SyTestCase tests[] = {
  { "/app/worker/newest-text-wins", test_worker_runs_newest_text },
  { "/app/worker/router-and-compare", test_worker_router_and_compare },
  { "/app/worker/failed-load-keeps-model", test_worker_failed_load_keeps_model },
  { "/app/worker/calibrate", test_worker_calibrate },
  { "/app/worker/generate", test_worker_generate },
  { "/app/worker/generate-text", test_worker_generate_text },
  { "/app/worker/cancelled-load", test_worker_cancelled_load },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
