/* test-compare-cache.c: the window's Compare keeps the KL of unchanged
 * positions (sy_compare_new_cached, the sessions' logits stamps), and
 * never a stale one
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each step runs A and B as the window's worker does (A keeps its hidden
 * states, B shares A's layers; both keep their caches from the step
 * before), compares with one cache kept across the steps, and checks the
 * result against sy_compare_new() over the same logits (bit for bit) and
 * against a comparison of two fresh sessions (a from-scratch run), and
 * how many positions the cache gave.
 */
#include "config.h"

#include <string.h>

#include "sy-compare.h"
#include "sy-model.h"
#include "sy-router.h"
#include "sy-session.h"
#include "sy-test-compare.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static const char *text =
  "The jury further said in term-end presentments that the City Executive Committee, "
  "which had over-all charge of the election, deserves the praise";

static void
set_router (SySession  *s,
            const char *spec_text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyRouterSpec) spec = sy_router_spec_parse (spec_text, &error);

  g_assert_no_error (error);
  g_assert_true (sy_session_set_router (s, spec, &error));
  g_assert_no_error (error);
}

static SyTrace *
run (SySession  *s,
     const char *t)
{
  g_autoptr (GError) error = NULL;
  SyTrace *trace = sy_session_run_text (s, t, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (trace);
  return trace;
}

static void
assert_same_compare (const SyCompare *x,
                     const SyCompare *y)
{
  g_assert_cmpint (x->n_tokens, ==, y->n_tokens);
  g_assert_nonnull (x->kl_row);
  g_assert_nonnull (y->kl_row);
  g_assert_true (memcmp (x->kl_row, y->kl_row, sizeof (float) * x->n_tokens) == 0);
  g_assert_true (memcmp (x->agree, y->agree, x->n_tokens) == 0);
  g_assert_cmpfloat (x->kl, ==, y->kl);
  g_assert_cmpfloat (x->greedy_agreement, ==, y->greedy_agreement);
}

typedef struct
{
  SyModel   *model;
  SySession *a;
  SySession *b;
  SyKlCache *cache;
} Fixture;

/* A and B over @t as the worker runs them, compared with the cache;
 * checked against the uncached comparison of the same logits and against
 * two fresh sessions.  Returns the positions the cache gave. */
static int
step (Fixture    *fx,
      const char *t,
      const char *spec_a,
      const char *spec_b)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTrace) ta = NULL;
  g_autoptr (SyTrace) tb = NULL;
  g_autoptr (SyCompare) cached = NULL;
  g_autoptr (SyCompare) plain = NULL;
  g_autoptr (SyCompare) fresh = NULL;
  g_autoptr (SySession) fa = sy_session_new (fx->model);
  g_autoptr (SySession) fb = sy_session_new (fx->model);
  const float *la, *lb;
  const guint64 *sa, *sb;
  SyCompareSide side_a, side_b;
  int T, Tsa, Tsb, V;

  set_router (fx->a, spec_a);
  set_router (fx->b, spec_b);
  sy_session_set_capture_hidden (fx->a, TRUE);
  sy_session_set_share_source (fx->b, fx->a);
  ta = run (fx->a, t);
  tb = run (fx->b, t);
  la = sy_session_get_logits (fx->a, &T, &V);
  lb = sy_session_get_logits (fx->b, NULL, NULL);
  sa = sy_session_get_logits_stamps (fx->a, &Tsa);
  sb = sy_session_get_logits_stamps (fx->b, &Tsb);
  g_assert_nonnull (sa);
  g_assert_nonnull (sb);
  g_assert_cmpint (Tsa, ==, T);
  g_assert_cmpint (Tsb, ==, T);
  for (int i = 0; i < T; i++)
    {
      g_assert_cmpuint (sa[i], !=, 0);
      g_assert_cmpuint (sb[i], !=, 0);
      /* the rows a run kept hold the stamps of an earlier run */
      g_assert_true ((i < sy_session_get_n_reused (fx->a)) == (sa[i] != sa[T - 1]));
      g_assert_true ((i < sy_session_get_n_reused (fx->b)) == (sb[i] != sb[T - 1]));
    }

  side_a = (SyCompareSide) { ta, la, sa };
  side_b = (SyCompareSide) { tb, lb, sb };
  cached = sy_compare_new_cached (&side_a, &side_b, V, fx->cache, &error);
  g_assert_no_error (error);
  plain = sy_compare_new (ta, la, tb, lb, V, &error);
  g_assert_no_error (error);
  assert_same_compare (cached, plain);

  /* from scratch: two sessions that never ran before */
  set_router (fa, spec_a);
  set_router (fb, spec_b);
  fresh = sy_compare_run_text (fa, fb, t, &error);
  g_assert_no_error (error);
  sy_test_assert_compare_close (cached, fresh);
  return sy_kl_cache_get_n_reused (fx->cache);
}

/* Fixture model @arch, sessions A and B on it and a KL cache */
static void
fixture_setup (Fixture       *fx,
               gconstpointer  arch)
{
  fx->model = sy_test_load_model (arch);
  fx->a = sy_session_new (fx->model);
  fx->b = sy_session_new (fx->model);
  fx->cache = sy_kl_cache_new ();
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  arch)
{
  g_clear_pointer (&fx->cache, sy_kl_cache_free);
  g_clear_pointer (&fx->a, sy_session_free);
  g_clear_pointer (&fx->b, sy_session_free);
  g_clear_pointer (&fx->model, sy_model_unref);
}

/* Typing at the end, an edit in the middle, B's router changed, A's
 * router changed, back: the cache gives the unchanged positions only. */
static void
test_edits (Fixture       *fx,
           gconstpointer  arch)
{
  g_autofree char *longer = g_strconcat (text, " and", NULL);
  g_autofree char *middle = g_strdup (text);
  int n, T;

  /* the first comparison: nothing cached */
  g_assert_cmpint (step (fx, text, "native", "topk:k=1"), ==, 0);

  /* the same again: every position from the cache but the last (a run
   * computes its last token again) */
  n = step (fx, text, "native", "topk:k=1");
  sy_session_get_logits (fx->a, &T, NULL);
  g_assert_cmpint (n, ==, T - 1);

  /* typing at the end: the prefix from the cache, the new tail computed */
  n = step (fx, longer, "native", "topk:k=1");
  sy_session_get_logits (fx->a, &T, NULL);
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (n, <, T);
  g_assert_cmpint (n, ==, MIN (sy_session_get_n_reused (fx->a), sy_session_get_n_reused (fx->b)));

  /* an edit in the middle: the positions after it are computed again */
  memcpy (strstr (middle, "Executive"), "Dxecutive", 9);
  n = step (fx, middle, "native", "topk:k=1");
  g_assert_cmpint (n, >, 0);
  g_assert_cmpint (n, <, 30);
  g_assert_cmpint (n, ==, MIN (sy_session_get_n_reused (fx->a), sy_session_get_n_reused (fx->b)));

  /* B's router changed: B runs from the start, nothing is taken */
  g_assert_cmpint (step (fx, middle, "native", "topk:k=2"), ==, 0);
  g_assert_cmpint (step (fx, middle, "native", "topk:k=2"), >, 0);
  /* A's router changed */
  g_assert_cmpint (step (fx, middle, "topk:k=3", "topk:k=2"), ==, 0);
  /* back to an earlier configuration: the rows are new, so is the KL */
  g_assert_cmpint (step (fx, middle, "native", "topk:k=1"), ==, 0);
}

/* A run stopped half way leaves no stale stamp: the rows it may have
 * written are new to the cache. */
static gboolean
stop_at_once (double      fraction,
              const char *what,
              gpointer    user_data)
{
  return fraction <= 0 || fraction >= 1;
}

static void
test_stopped_run (Fixture       *fx,
                 gconstpointer  arch)
{
  g_autofree char *middle = g_strdup (text);
  g_autoptr (GError) error = NULL;
  const guint64 *s;
  guint64 *before;
  int T, Tb;

  step (fx, text, "native", "topk:k=1");
  s = sy_session_get_logits_stamps (fx->a, &T);
  before = g_memdup2 (s, sizeof (guint64) * T);
  memcpy (strstr (middle, "Executive"), "Dxecutive", 9);
  g_assert_null (sy_session_run_text (fx->a, middle, stop_at_once, NULL, &error));
  g_assert_nonnull (error);
  s = sy_session_get_logits_stamps (fx->a, &Tb);
  g_assert_cmpint (Tb, ==, T);
  /* the rows the stopped run started from on are no longer the old ones */
  g_assert_cmpuint (s[T - 1], !=, before[T - 1]);
  g_assert_cmpuint (s[0], ==, before[0]);
  g_free (before);
  /* and the comparison after it is still right */
  step (fx, middle, "native", "topk:k=1");
  step (fx, text, "native", "topk:k=1");
}

/* Another model: its sessions' stamps are new. */
static void
test_other_model (Fixture       *fx,
                 gconstpointer  arch)
{
  g_autoptr (SyModel) other = sy_test_load_model ("qwen2_moe");
  SyKlCache *cache;

  step (fx, text, "native", "topk:k=1");
  g_assert_cmpint (sy_kl_cache_get_n_reused (fx->cache), ==, 0);
  /* the same cache on the other model's sessions */
  cache = g_steal_pointer (&fx->cache);
  fixture_teardown (fx, NULL);
  fx->model = g_steal_pointer (&other);
  fx->a = sy_session_new (fx->model);
  fx->b = sy_session_new (fx->model);
  fx->cache = cache;
  g_assert_cmpint (step (fx, text, "native", "topk:k=1"), ==, 0);
  g_assert_cmpint (step (fx, text, "native", "topk:k=1"), >, 0);
}

/* the tests on a Fixture of olmoe */
static void
add_fixture_tests (void)
{
  static const struct
  {
    const char *path;
    void      (*func) (Fixture      *fx,
                       gconstpointer arch);
  } fixture_tests[] = {
    { "/compare-cache/edits", test_edits },
    { "/compare-cache/stopped-run", test_stopped_run },
    { "/compare-cache/other-model", test_other_model },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fixture_tests); i++)
    g_test_add (fixture_tests[i].path, Fixture, "olmoe", fixture_setup, fixture_tests[i].func, fixture_teardown);
}

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, NULL, add_fixture_tests, NULL);
}
