/* test-window-soak.c: thousands of edits in the real window (suite 'app',
 * under a display)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A seeded random walk over what a person does in the window: edits of
 * the text at random places (inserts of words, punctuation, accents and
 * CJK, deletes of a few characters, now and then a new text), policy and
 * parameter changes for A and B, view and measure switches, compare on and
 * off, Continue started and stopped, and model reloads (the demo model,
 * the OLMoE fixture folder and its GGUF file), without waiting for the
 * runs in between: the newest edit must win.  At checkpoints (every 50
 * steps, and at the end) the worker is let finish, and every view that
 * shows a trace shows one of the newest text: its token ids decode to
 * the text in the buffer.  Under ASan/LSan (switchyard.sh test) it also
 * checks that nothing crashes or leaks.
 *
 * SY_SOAK_STEPS sets the number of steps (default 5000: about 25 s in a
 * release build, 90 s under ASan on a busy 2-core machine); SY_SOAK_SEED
 * the seed (default 18); SY_SOAK_VERBOSE prints each step's texts.
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
#include "sy-tokenizer.h"
#include "sy-trace-view.h"
#include "sy-views.h"
#include "sy-window.h"
#include "sy-worker.h"

#define DEFAULT_STEPS 5000

static SyApplication *app;

static const char *const snippets[] = {
  " the", " jury", " said", " experts", " route", "s", ",", ".", "!", " 42", "1999",
  " ", "  ", "\n", "\t", "-", "'s", " café", "é", "ü", "ß", "你好", "世界", "🦙",
  " Mixture", " of", " Experts", "The", " a", "?", "\"", "(", ")",
};
static const char *const texts[] = {
  "The jury said the city deserves praise.",
  "Experts route tokens.",
  "A",
  "Grüße aus Köln, 你好!",
  "one two three four five six seven eight nine ten",
};
static const char *const policies[] = {
  "native", "topk:k=1", "topk:k=2", "topp:p=0.3", "topp:p=0.5", "topp:p=0.9",
  "topp:p=0.6,kmin=1,kmax=2", "minp:t=0.3", "minp:t=0.6", "quantile:q=0.5",
};

typedef struct
{
  SyWindow       *window;
  SyAnalysisView *view;
  SyWorker       *worker;
  GtkTextBuffer  *buffer;
  GRand          *rand;
  int             opened;
  int             failed;
  guint           n_edits, n_policies, n_views, n_compare, n_continue, n_reloads, n_checks;
} Soak;

static void
on_opened (SyWindow *window,
           GFile    *folder,
           Soak     *s)
{
  s->opened++;
}

static void
on_load_failed (SyAnalysisView *view,
                const char     *path,
                const GError   *error,
                Soak           *s)
{
  g_printerr ("load of %s failed: %s\n", path, error->message);
  s->failed++;
}

static void
on_run_failed (SyWorker     *worker,
               int           slot,
               const GError *error,
               Soak         *s)
{
  g_printerr ("run of slot %d failed: %s\n", slot, error->message);
}

static void
iterate (guint n)
{
  for (guint i = 0; i < n; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Until no load, run or continuation is in flight. */
static void
settle (Soak *s)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  if (sy_worker_is_generating (s->worker))
    sy_analysis_view_stop (s->view);
  while (sy_worker_is_busy (s->worker) || sy_worker_is_generating (s->worker)
         || g_strcmp0 (gtk_stack_get_visible_child_name (sy_window_get_stack (s->window)), "loading") == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  iterate (20);
}

static void
collect_views (GtkWidget *root,
               GPtrArray *out)
{
  if (SY_IS_TRACE_VIEW (root))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    collect_views (c, out);
}

/* Every view that shows a trace shows one of the text in the buffer (B's
 * views only while compare is on); the main views show one. */
static void
check_views (Soak       *s,
             const char *where)
{
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) list = g_ptr_array_new ();
  SyTokenizer *tok;
  GtkWidget *compare = sy_analysis_view_get_compare_pane (s->view);
  gboolean compare_on = sy_analysis_view_get_compare (s->view);
  guint shown = 0;

  settle (s);
  text = sy_analysis_view_get_text (s->view);
  tok = sy_model_get_tokenizer (sy_worker_get_model (s->worker));
  g_assert_nonnull (tok);
  s->n_checks++;
  if (text[0] == '\0')
    return;   /* nothing to run: the views keep the last picture */
  collect_views (GTK_WIDGET (s->view), list);
  g_assert_cmpuint (list->len, >, 0);
  for (guint i = 0; i < list->len; i++)
    {
      GtkWidget *w = g_ptr_array_index (list, i);
      const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (w));
      g_autofree char *decoded = NULL;

      if (!compare_on && gtk_widget_is_ancestor (w, compare))
        continue;
      if (trace == NULL)
        continue;
      /* two continuations (Continue in compare): B's heatmap shows B's
       * own, after the same prompt as A's */
      if (compare_on && w == sy_compare_pane_get_heatmap (SY_COMPARE_PANE (compare), SY_SLOT_B) &&
          sy_worker_get_generated_from (s->worker, SY_SLOT_B) > 0)
        {
          const SyTrace *wa = sy_worker_get_trace (s->worker, SY_SLOT_A);
          const SyTrace *wb = sy_worker_get_trace (s->worker, SY_SLOT_B);
          int from = sy_worker_get_generated_from (s->worker, SY_SLOT_B);
          g_autofree char *prompt = NULL;

          g_assert_nonnull (wa);
          g_assert_nonnull (wb);
          g_assert_cmpmem (trace->ids, sizeof (int32_t) * trace->n_tokens, wb->ids, sizeof (int32_t) * wb->n_tokens);
          g_assert_cmpint (from, ==, sy_worker_get_generated_from (s->worker, SY_SLOT_A));
          g_assert_cmpint (wa->n_tokens, >=, from);
          g_assert_cmpmem (wa->ids, sizeof (int32_t) * from, wb->ids, sizeof (int32_t) * from);
          prompt = sy_tokenizer_decode (tok, wa->ids, wa->n_tokens, TRUE);
          g_assert_cmpstr (prompt, ==, text);
          shown++;
          continue;
        }
      decoded = sy_tokenizer_decode (tok, trace->ids, trace->n_tokens, TRUE);
      if (g_strcmp0 (decoded, text) != 0)
        {
          const SyTrace *wt = sy_worker_get_trace (s->worker, SY_SLOT_A);
          g_autofree char *wd = wt ? sy_tokenizer_decode (tok, wt->ids, wt->n_tokens, TRUE) : NULL;

          g_error ("%s: %s shows a trace of \"%s\", the text is \"%s\" (worker: text \"%s\", trace \"%s\")",
                   where, G_OBJECT_TYPE_NAME (w), decoded, text, sy_worker_get_text (s->worker), wd);
        }
      shown++;
    }
  g_assert_cmpuint (shown, >, 0);
}

static void
random_edit (Soak *s)
{
  GtkTextIter a, b;
  int n = gtk_text_buffer_get_char_count (s->buffer);
  guint32 r = g_rand_int_range (s->rand, 0, 100);

  s->n_edits++;
  if (r < 2)
    {
      gtk_text_buffer_set_text (s->buffer, texts[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (texts))], -1);
      return;
    }
  if (r < 55 && n < 400)
    {
      const char *snip = snippets[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (snippets))];

      gtk_text_buffer_get_iter_at_offset (s->buffer, &a, g_rand_int_range (s->rand, 0, n + 1));
      gtk_text_buffer_insert (s->buffer, &a, snip, -1);
      return;
    }
  if (n == 0)
    return;
  {
    int start = g_rand_int_range (s->rand, 0, n);
    int len = g_rand_int_range (s->rand, 1, n > 400 ? 40 : 8);

    gtk_text_buffer_get_iter_at_offset (s->buffer, &a, start);
    gtk_text_buffer_get_iter_at_offset (s->buffer, &b, MIN (n, start + len));
    gtk_text_buffer_delete (s->buffer, &a, &b);
  }
}

static void
reload (Soak *s,
        guint which)
{
  g_autoptr (GError) error = NULL;

  s->n_reloads++;
  if (which % 3 == 0)
    {
      g_assert_true (sy_window_open_default_model (s->window, &error));
      g_assert_no_error (error);
    }
  else
    {
      g_autofree char *path = which % 3 == 1
        ? sy_test_model_path ("olmoe", "")
        : g_build_filename (g_getenv ("SY_FIXTURES"), "gguf-llamacpp", "olmoe.gguf", NULL);
      g_autoptr (GFile) file = g_file_new_for_path (path);

      g_assert_true (sy_window_open_model (s->window, file));
    }
}

static void
test_soak (void)
{
  const char *steps_env = g_getenv ("SY_SOAK_STEPS");
  const char *seed_env = g_getenv ("SY_SOAK_SEED");
  guint n_steps = steps_env ? (guint) atoi (steps_env) : DEFAULT_STEPS;
  guint32 seed = seed_env ? (guint32) atoi (seed_env) : 18;
  GtkWidget *text_view;
  guint reloads = 0;
  gint64 t0 = g_get_monotonic_time ();
  Soak s = { 0 };
  /* the views the window shows and every measure of "Colour by", from the tables */
  g_autoptr (GPtrArray) views = g_ptr_array_new ();
  guint n_views, n_measures;
  const SyViewInfo *all_views = sy_views (&n_views);
  const SyMeasureInfo *measures = sy_measures (&n_measures);

  for (guint i = 0; i < n_views; i++)
    if (all_views[i].flags & SY_VIEW_WINDOW)
      g_ptr_array_add (views, (gpointer) all_views[i].name);

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  g_assert_nonnull (g_getenv ("SY_FIXTURES"));

  s.window = sy_test_activate_window (app, 1200, 800);
  s.view = sy_window_get_analysis_view (s.window);
  s.worker = sy_analysis_view_get_worker (s.view);
  s.rand = g_rand_new_with_seed (seed);
  g_signal_connect (s.window, "model-opened", G_CALLBACK (on_opened), &s);
  g_signal_connect (s.view, "load-failed", G_CALLBACK (on_load_failed), &s);
  g_signal_connect (s.worker, "run-failed", G_CALLBACK (on_run_failed), &s);
  text_view = sy_test_find_widget (GTK_WIDGET (s.view), GTK_TYPE_TEXT_VIEW);
  g_assert_nonnull (text_view);
  s.buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));

  reload (&s, reloads++);
  settle (&s);
  g_assert_cmpint (s.opened, ==, 1);
  sy_analysis_view_set_text (s.view, texts[0]);
  check_views (&s, "start");

  for (guint i = 1; i <= n_steps; i++)
    {
      guint32 r = g_rand_int_range (s.rand, 0, 1000);

      if (g_getenv ("SY_SOAK_VERBOSE"))
        {
          g_autofree char *bt = sy_analysis_view_get_text (s.view);

          g_printerr ("step %u: r=%u busy=%d gen=%d buffer=\"%s\" worker=\"%s\"\n", i, r,
                      sy_worker_is_busy (s.worker), sy_worker_is_generating (s.worker), bt,
                      sy_worker_get_text (s.worker));
        }

      if (r < 880)
        random_edit (&s);
      else if (r < 930)
        {
          const char *spec = policies[g_rand_int_range (s.rand, 0, G_N_ELEMENTS (policies))];

          s.n_policies++;
          /* a policy that does not fit the model is refused; nothing changes */
          if (g_rand_boolean (s.rand))
            sy_analysis_view_set_router (s.view, spec, NULL);
          else
            sy_analysis_view_set_router_b (s.view, spec, NULL);
        }
      else if (r < 955)
        {
          s.n_views++;
          if (g_rand_boolean (s.rand))
            sy_analysis_view_set_view (s.view, g_ptr_array_index (views, g_rand_int_range (s.rand, 0, views->len)));
          else
            sy_analysis_view_set_measure (s.view, measures[g_rand_int_range (s.rand, 0, n_measures)].name, NULL);
        }
      else if (r < 970)
        {
          s.n_compare++;
          sy_analysis_view_set_compare (s.view, !sy_analysis_view_get_compare (s.view));
        }
      else if (r < 995)
        {
          s.n_continue++;
          if (sy_worker_is_generating (s.worker))
            sy_analysis_view_stop (s.view);
          else
            sy_analysis_view_continue (s.view);
        }
      else if (r < 997 || i % 1000 == 0)
        reload (&s, reloads++);
      iterate (g_rand_int_range (s.rand, 0, 4));
      if (i % 50 == 0)
        {
          g_autofree char *where = g_strdup_printf ("step %u", i);

          check_views (&s, where);
        }
    }
  check_views (&s, "end");
  g_assert_cmpint (s.failed, ==, 0);
  g_assert_cmpint (s.opened, >=, 1);
  g_test_message ("%u steps (seed %u) in %.1f s: %u edits, %u policy changes, %u view/measure switches, "
                  "%u compare toggles, %u continue/stop, %u model loads, %u checkpoints",
                  n_steps, seed, (g_get_monotonic_time () - t0) / 1e6, s.n_edits, s.n_policies,
                  s.n_views, s.n_compare, s.n_continue, s.n_reloads, s.n_checks);

  g_signal_handlers_disconnect_by_data (s.window, &s);
  g_signal_handlers_disconnect_by_data (s.view, &s);
  g_signal_handlers_disconnect_by_data (s.worker, &s);
  g_rand_free (s.rand);
}

/* Typing at the end right after Continue, before the generation starts:
 * the typing is part of the text it continues, and the continuation is
 * written after it (it was written over it, the worker's text apart). */
static void
test_continue_then_type (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  GtkTextIter end;
  Soak s = { 0 };

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  s.window = sy_test_activate_window (app, 0, 0);
  s.view = sy_window_get_analysis_view (s.window);
  s.worker = sy_analysis_view_get_worker (s.view);
  s.buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (sy_test_find_widget (GTK_WIDGET (s.view), GTK_TYPE_TEXT_VIEW)));
  if (sy_worker_get_model (s.worker) == NULL)
    g_assert_true (sy_window_open_default_model (s.window, &error));
  g_assert_no_error (error);
  sy_analysis_view_set_compare (s.view, FALSE);
  settle (&s);
  sy_analysis_view_set_text (s.view, "The jury said");
  settle (&s);

  sy_analysis_view_continue (s.view);
  gtk_text_buffer_get_end_iter (s.buffer, &end);
  gtk_text_buffer_insert (s.buffer, &end, " it did", -1);
  while (sy_worker_is_busy (s.worker) || sy_worker_is_generating (s.worker))
    g_main_context_iteration (NULL, TRUE);
  iterate (20);
  text = sy_analysis_view_get_text (s.view);
  g_assert_nonnull (sy_worker_get_continuation (s.worker, SY_SLOT_A));
  g_assert_true (g_str_has_prefix (text, "The jury said it did"));
  g_assert_cmpstr (text, ==, sy_worker_get_text (s.worker));
  check_views (&s, "continue-then-type");

  /* and in compare: B's heatmap shows B's own continuation */
  sy_analysis_view_set_compare (s.view, TRUE);
  sy_analysis_view_set_text (s.view, "The jury said");
  settle (&s);
  sy_analysis_view_continue (s.view);
  while (sy_worker_is_busy (s.worker) || sy_worker_is_generating (s.worker))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (sy_worker_get_generated_from (s.worker, SY_SLOT_B), >, 0);
  check_views (&s, "continue in compare");
  sy_analysis_view_set_compare (s.view, FALSE);
}

static const SyTestCase tests[] = {
  { "/app/window-soak", test_soak },
  { "/app/window-soak/continue-then-type", test_continue_then_type },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, NULL, &app, NULL);
}
