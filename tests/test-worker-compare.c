/* test-worker-compare.c: the worker's logits in Compare, copied only where
 * they changed, and the KL the compare pane computes from them with its
 * cache, against fresh sessions, over edits at the end, in the middle,
 * B's router changed and runs dropped for a newer edit
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "sy-compare.h"
#include "sy-session.h"
#include "sy-test-compare.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-worker.h"

static const char *text =
  "The jury further said in term-end presentments that the City Executive Committee, "
  "which had over-all charge of the election, deserves the praise";

typedef struct
{
  SyWorker  *worker;
  SyModel   *model;
  SyKlCache *cache;
  int        ready_a;
  int        ready_b;
} Fixture;

static void
on_trace_ready (SyWorker *worker,
                int       slot,
                Fixture  *fx)
{
  if (slot == SY_SLOT_B)
    fx->ready_b++;
  else
    fx->ready_a++;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("the worker did not answer in time");
  return G_SOURCE_REMOVE;
}

static void
wait_b (Fixture *fx,
        int      before)
{
  while (sy_worker_is_busy (fx->worker) || fx->ready_b == before)
    g_main_context_iteration (NULL, TRUE);
}

static SySession *
fresh_session (SyModel    *model,
               const char *spec_text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = spec_text ? sy_router_spec_parse (spec_text, &error) : NULL;
  SySession *s = sy_session_new (model);

  g_assert_no_error (error);
  g_assert_true (sy_session_set_router (s, spec, &error));
  g_assert_no_error (error);
  return s;
}

/* The worker's traces and logits of the current text, against two fresh
 * sessions; the comparison with the cache as the compare pane makes it,
 * against the fresh one.  Returns the positions the cache gave. */
static int
check (Fixture    *fx,
       const char *t,
       const char *spec_b)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SySession) fa = fresh_session (fx->model, NULL);
  g_autoptr (SySession) fb = fresh_session (fx->model, spec_b);
  g_autoptr (SyCompare) fresh = NULL;
  g_autoptr (SyCompare) cached = NULL;
  const SyTrace *ta = sy_worker_get_trace (fx->worker, SY_SLOT_A);
  const SyTrace *tb = sy_worker_get_trace (fx->worker, SY_SLOT_B);
  const float *la, *lb, *ra, *rb;
  SyCompareSide side_a, side_b;
  int T, V, Tb, Vb, Tr, Vr;

  fresh = sy_compare_run_text (fa, fb, t, &error);
  g_assert_no_error (error);
  ra = sy_session_get_logits (fa, &Tr, &Vr);
  rb = sy_session_get_logits (fb, NULL, NULL);

  g_assert_nonnull (ta);
  g_assert_nonnull (tb);
  la = sy_worker_get_logits (fx->worker, SY_SLOT_A, &T, &V);
  lb = sy_worker_get_logits (fx->worker, SY_SLOT_B, &Tb, &Vb);
  g_assert_nonnull (la);
  g_assert_nonnull (lb);
  g_assert_cmpint (T, ==, Tr);
  g_assert_cmpint (Tb, ==, Tr);
  g_assert_cmpint (V, ==, Vr);
  g_assert_cmpint (Vb, ==, Vr);
  /* every row as a fresh run computes it (the cache's prefix rows within
   * the engine's 1e-5; a row left from another text differs far more) */
  for (int i = 0; i < T; i++)
    {
      gsize o = (gsize) i * V;

      g_assert_cmpfloat (sy_test_max_abs_diff (la + o, ra + o, V), <=, 1e-5);
      g_assert_cmpfloat (sy_test_max_abs_diff (lb + o, rb + o, V), <=, 1e-5);
    }

  side_a = (SyCompareSide) { ta, la, sy_worker_get_logits_stamps (fx->worker, SY_SLOT_A) };
  side_b = (SyCompareSide) { tb, lb, sy_worker_get_logits_stamps (fx->worker, SY_SLOT_B) };
  cached = sy_compare_new_cached (&side_a, &side_b, V, fx->cache, &error);
  g_assert_no_error (error);
  sy_test_assert_compare_close (cached, fresh);
  return sy_kl_cache_get_n_reused (fx->cache);
}

static void
set_text (Fixture    *fx,
          const char *t)
{
  int before = fx->ready_b;

  sy_worker_set_text (fx->worker, t);
  wait_b (fx, before);
}

static void
set_b (Fixture    *fx,
       const char *spec_text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (spec_text, &error);
  int before = fx->ready_b;

  g_assert_no_error (error);
  g_assert_true (sy_worker_set_router (fx->worker, SY_SLOT_B, spec, &error));
  g_assert_no_error (error);
  wait_b (fx, before);
}

static void
test_edits (void)
{
  g_autofree char *path = sy_test_model_path ("olmoe", "");
  g_autofree char *middle = g_strdup (text);
  Fixture fx = { 0 };
  GString *typed = g_string_new (text);
  const char *more = " and thanks of the city";
  int before;

  fx.worker = sy_worker_new ();
  fx.cache = sy_kl_cache_new ();
  g_signal_connect (fx.worker, "trace-ready", G_CALLBACK (on_trace_ready), &fx);
  g_timeout_add_seconds (100, on_timeout, NULL);
  sy_test_worker_load (fx.worker, path);
  fx.model = sy_worker_get_model (fx.worker);
  sy_worker_set_compare (fx.worker, TRUE);
  sy_worker_set_text (fx.worker, text);
  set_b (&fx, "topk:k=1");
  g_assert_cmpint (check (&fx, text, "topk:k=1"), ==, 0);

  /* typing at the end, a character at a time */
  for (const char *c = more; *c != '\0'; c++)
    {
      g_string_append_c (typed, *c);
      set_text (&fx, typed->str);
      g_assert_cmpint (check (&fx, typed->str, "topk:k=1"), >, 20);
    }

  /* an edit in the middle */
  memcpy (strstr (middle, "Executive"), "Dxecutive", 9);
  set_text (&fx, middle);
  g_assert_cmpint (check (&fx, middle, "topk:k=1"), <, 30);

  /* B's router changed, then back */
  set_b (&fx, "topk:k=2");
  g_assert_cmpint (check (&fx, middle, "topk:k=2"), ==, 0);
  set_b (&fx, "topk:k=1");
  g_assert_cmpint (check (&fx, middle, "topk:k=1"), ==, 0);

  /* edits faster than the runs: the runs dropped for a newer one hand
   * their buffers on; what arrives is the newest text's */
  before = fx.ready_b;
  sy_worker_set_text (fx.worker, text);
  for (int i = 0; i < 3; i++)
    g_main_context_iteration (NULL, FALSE);
  sy_worker_set_text (fx.worker, typed->str);
  for (int i = 0; i < 3; i++)
    g_main_context_iteration (NULL, FALSE);
  sy_worker_set_text (fx.worker, middle);
  wait_b (&fx, before);
  check (&fx, middle, "topk:k=1");
  set_text (&fx, typed->str);
  check (&fx, typed->str, "topk:k=1");

  /* Compare off and on again */
  sy_worker_set_compare (fx.worker, FALSE);
  before = fx.ready_a;
  sy_worker_set_text (fx.worker, text);
  while (sy_worker_is_busy (fx.worker) || fx.ready_a == before)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (sy_worker_get_logits (fx.worker, SY_SLOT_A, NULL, NULL));
  before = fx.ready_b;
  sy_worker_set_compare (fx.worker, TRUE);
  wait_b (&fx, before);
  check (&fx, text, "topk:k=1");

  g_string_free (typed, TRUE);
  sy_kl_cache_free (fx.cache);
  g_object_unref (fx.worker);
}

static const SyTestCase tests[] = {
  { "/worker-compare/edits", test_edits },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, NULL, NULL);
}
