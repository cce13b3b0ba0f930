/* test-profiler-window.c: the Profiler window runs a small profile in its
 * thread, shows the charts, cancels, refuses bad input, exports, and is
 * rendered to a screenshot (test-profiler-window.png in the build folder)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Without a display every test is skipped (switchyard.sh test starts Xvfb).
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "sy-expert-view.h"
#include "sy-profile-render.h"
#include "sy-profiler-window.h"
#include "sy-test-gui.h"
#include "sy-test-model.h"
#include "sy-test-util.h"

static gboolean have_display;

typedef struct
{
  gboolean done;
  gboolean ok;
} Finished;

static void
on_finished (SyProfilerWindow *window,
             gboolean          ok,
             Finished         *f)
{
  (void) window;
  f->done = TRUE;
  f->ok = ok;
}

static void
iterate_until_flag (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static SyProfilerWindow *
new_window (void)
{
  g_autofree char *model = sy_test_model_path ("olmoe", "");
  SyProfilerWindow *w = sy_profiler_window_new (NULL, model, NULL, "topp:p=0.5");

  sy_profiler_window_set_corpus (w, "brown", SY_CORPUS_SPLIT_TEST, NULL);
  sy_profiler_window_set_limit (w, 3);
  sy_profiler_window_set_sweep (w, TRUE, "p=0.3:0.9:0.3");
  return w;
}

/* Clicks over the load chart until one lands on a cell: the card that
 * opens has the corpus half (top tokens over the corpus). */
static GtkWidget *
click_expert (SyProfilerWindow *w)
{
  sy_profiler_window_set_chart (w, SY_PROFILE_CHART_LOAD);
  sy_test_settle (100);
  for (int y = 100; y < 700; y += 25)
    for (int x = 60; x < 900; x += 25)
      {
        GtkWidget *card = sy_profiler_window_activate_at (w, x, y);

        if (card)
          {
            const SyProfileExpert *x_prof;

            g_assert_true (SY_IS_EXPERT_VIEW (card));
            x_prof = sy_expert_view_get_profile (SY_EXPERT_VIEW (card));
            g_assert_nonnull (x_prof);
            g_assert_cmpint (x_prof->moe, ==, sy_expert_view_get_layer (SY_EXPERT_VIEW (card)));
            g_assert_cmpint (x_prof->expert, ==, sy_expert_view_get_expert (SY_EXPERT_VIEW (card)));
            g_assert_cmpuint (x_prof->top_tokens->len, >, 0);
            g_assert_cmpuint (x_prof->top_tokens->len, <=, SY_PROFILE_TOP_TOKENS);
            g_assert_cmpstr (g_array_index (x_prof->top_tokens, SyProfileExpertToken, 0).text, !=, NULL);
            g_assert_cmpint (g_array_index (x_prof->top_tokens, SyProfileExpertToken, 0).count, >, 0);
            return card;
          }
      }
  g_error ("no click on the load chart opened an expert card");
  return NULL;
}

static void
card_screenshot (GtkWidget  *card,
                 const char *name)
{
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (card));
  g_autoptr (GdkTexture) texture = NULL;

  /* a loaded machine may take several frames to lay out a chart just
   * switched to: until then the window draws nothing (and
   * sy_test_render_widget waits) */
  sy_test_settle (300);
  texture = sy_test_render_widget (root);
  sy_test_save_png (texture, name);
  g_assert_cmpuint (sy_test_count_colours (texture, 0, 0, gdk_texture_get_width (texture),
                                           gdk_texture_get_height (texture)), >, 16);
}

static void
assert_close (double a,
              double b)
{
  g_assert_cmpint (isfinite (a), ==, isfinite (b));
  if (isfinite (a))
    g_assert_cmpfloat (fabs (a - b), <=, 1e-9 * MAX (1, fabs (a)));
}

static void
assert_same_groups (GHashTable *a,
                    GHashTable *b)
{
  GHashTableIter it;
  gpointer key, value;

  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&it, a);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const SyProfileGroup *gb = g_hash_table_lookup (b, key);

      g_assert_nonnull (gb);
      g_assert_cmpint (((SyProfileGroup *) value)->tokens, ==, gb->tokens);
      assert_close (sy_profile_group_avg_k (value), sy_profile_group_avg_k (gb));
      assert_close (sy_profile_group_perplexity (value), sy_profile_group_perplexity (gb));
    }
}

/* What each chart draws from @b (read from @a's profile.json) is @a's. */
static void
assert_same_charts (const SyProfile *a,
                    const SyProfile *b)
{
  g_assert_cmpint (a->n_layers, ==, b->n_layers);
  g_assert_cmpstr (a->corpus_kind, ==, b->corpus_kind);
  g_assert_cmpstr (a->split, ==, b->split);
  g_assert_cmpint (a->n_texts, ==, b->n_texts);
  g_assert_cmpuint (a->sweep->len, ==, b->sweep->len);
  for (guint i = 0; i < a->sweep->len; i++)
    {
      const SyProfileSweepPoint *pa = &g_array_index (a->sweep, SyProfileSweepPoint, i);
      const SyProfileSweepPoint *pb = &g_array_index (b->sweep, SyProfileSweepPoint, i);

      assert_close (pa->p, pb->p);
      assert_close (pa->avg_k, pb->avg_k);
      assert_close (pa->perplexity, pb->perplexity);
      g_assert_cmpint (pa->pareto, ==, pb->pareto);
    }
  g_assert_cmpint (a->have_native_point, ==, b->have_native_point);
  if (a->have_native_point)
    assert_close (a->native_point.perplexity, b->native_point.perplexity);
  for (guint i = 0; i < a->runs->len; i++)
    {
      const SyProfileRun *ra = g_ptr_array_index (a->runs, i), *rb = g_ptr_array_index (b->runs, i);

      g_assert_cmpstr (ra->router, ==, rb->router);
      g_assert_cmpint (ra->tokens, ==, rb->tokens);
      assert_close (sy_profile_run_avg_k (ra), sy_profile_run_avg_k (rb));
      assert_close (sy_profile_run_perplexity (ra), sy_profile_run_perplexity (rb));
      assert_close (sy_profile_run_tagged_avg_k (ra), sy_profile_run_tagged_avg_k (rb));
      assert_close (ra->total_time_s, rb->total_time_s);
      for (int o = 0; o < SY_N_OPS; o++)
        assert_close (ra->op_time_s[o], rb->op_time_s[o]);
      assert_same_groups (ra->by_genre, rb->by_genre);
      assert_same_groups (ra->by_pos, rb->by_pos);
      for (int l = 0; l < ra->n_layers; l++)
        {
          g_assert_cmpint (ra->layers[l].layer, ==, rb->layers[l].layer);
          assert_close (sy_profile_layer_avg_k (ra, l), sy_profile_layer_avg_k (rb, l));
          assert_close (sy_profile_layer_entropy_mean (ra, l), sy_profile_layer_entropy_mean (rb, l));
          assert_close (ra->layers[l].time_s, rb->layers[l].time_s);
          for (int o = 0; o < SY_N_OPS; o++)
            assert_close (ra->layers[l].op_time_s[o], rb->layers[l].op_time_s[o]);
          g_assert_cmpmem (ra->layers[l].entropy_hist, sizeof ra->layers[l].entropy_hist,
                           rb->layers[l].entropy_hist, sizeof rb->layers[l].entropy_hist);
        }
    }
}

/* A profile.json without the sweep, the POS groups, the times and the
 * layers' mean K (an older one): those charts say so instead */
static void
check_missing (const char *json)
{
  g_autofree char *dir = sy_test_make_tmp_dir ("sy-profiler-missing-XXXXXX");
  g_autofree char *file = g_build_filename (dir, "profile.json", NULL);
  g_autoptr (GError) error = NULL;
  json_object *root = json_object_from_file (json), *runs;
  SyProfilerWindow *w = sy_profiler_window_new (NULL, NULL, NULL, NULL);
  const SyProfileChart missing[] = { SY_PROFILE_CHART_SWEEP, SY_PROFILE_CHART_K_BY_POS,
                                     SY_PROFILE_CHART_TIME, SY_PROFILE_CHART_K_BY_LAYER };
  const SyProfileChart present[] = { SY_PROFILE_CHART_LOAD, SY_PROFILE_CHART_COACTIVATION,
                                     SY_PROFILE_CHART_K_BY_GENRE, SY_PROFILE_CHART_PPL_BY_GENRE,
                                     SY_PROFILE_CHART_ENTROPY };

  g_assert_nonnull (root);
  json_object_object_del (root, "sweep");
  json_object_object_del (root, "sweep_native");
  runs = json_object_object_get (root, "runs");
  for (size_t i = 0; i < json_object_array_length (runs); i++)
    {
      json_object *run = json_object_array_get_idx (runs, i);
      json_object *layers = json_object_object_get (run, "layers");

      json_object_object_del (run, "by_pos");
      json_object_object_del (run, "time");
      for (size_t l = 0; l < json_object_array_length (layers); l++)
        {
          json_object_object_del (json_object_array_get_idx (layers, l), "avg_k");
          json_object_object_del (json_object_array_get_idx (layers, l), "time");
        }
    }
  g_assert_cmpint (json_object_to_file (file, root), ==, 0);
  json_object_put (root);

  g_assert_true (sy_profiler_window_open_profile (w, file, &error));
  g_assert_no_error (error);
  gtk_window_present (GTK_WINDOW (w));
  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      sy_profiler_window_set_chart (w, missing[i]);
      g_assert_nonnull (sy_profiler_window_get_missing (w));
    }
  card_screenshot (GTK_WIDGET (w), "test-profiler-opened-missing.png");
  for (gsize i = 0; i < G_N_ELEMENTS (present); i++)
    {
      sy_profiler_window_set_chart (w, present[i]);
      g_assert_null (sy_profiler_window_get_missing (w));
    }
  gtk_window_destroy (GTK_WINDOW (w));
  g_remove (file);
  g_rmdir (dir);
}

static void
test_run_and_screenshot (void)
{
  SyProfilerWindow *w;
  Finished f = { FALSE, FALSE };
  const SyProfile *prof;
  g_autoptr (GdkTexture) texture = NULL;
  int width, height;

  SY_TEST_SKIP_WITHOUT_DISPLAY (have_display);
  w = new_window ();
  g_signal_connect (w, "finished", G_CALLBACK (on_finished), &f);
  gtk_window_present (GTK_WINDOW (w));
  sy_test_settle (300);

  g_assert_true (sy_profiler_window_run (w));
  g_assert_true (sy_profiler_window_is_running (w));
  g_assert_false (sy_profiler_window_run (w));     /* one run at a time */
  iterate_until_flag (&f.done);
  if (!f.ok)
    g_error ("the profile failed: %s", sy_profiler_window_get_error (w));
  g_assert_false (sy_profiler_window_is_running (w));
  prof = sy_profiler_window_get_profile (w);
  g_assert_nonnull (prof);
  g_assert_cmpint (prof->n_texts, ==, 3);
  g_assert_cmpint (prof->runs->len, ==, 2);
  g_assert_cmpstr (((SyProfileRun *) g_ptr_array_index (prof->runs, 1))->router, ==, "topp:p=0.5");
  g_assert_cmpint (prof->sweep->len, ==, 3);
  g_assert_cmpstr (prof->split, ==, "test");
  sy_test_settle (300);

  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (w)), >=, 600);
  texture = sy_test_render_widget (GTK_WIDGET (w));
  sy_test_save_png (texture, "test-profiler-window.png");
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  /* the charts in the lower half: many colours */
  g_assert_cmpuint (sy_test_count_colours (texture, 0, height / 2, width, height / 2 - 10), >, 64);

  /* export */
  {
    g_autofree char *dir = sy_test_make_tmp_dir ("sy-profiler-window-XXXXXX");
    g_autofree char *svg = g_build_filename (dir, "chart.svg", NULL);
    g_autofree char *json = g_build_filename (dir, "profile.json", NULL);
    g_autofree char *trace = g_build_filename (dir, "trace.json", NULL);
    g_autofree char *csv = g_build_filename (dir, "by_pos.csv", NULL);
    g_autoptr (GError) error = NULL;

    g_assert_true (sy_profiler_window_export_chart (w, svg, &error));
    g_assert_no_error (error);
    g_assert_true (sy_profiler_window_export_data (w, dir, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_test (svg, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (json, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (trace, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));

    /* expert cards: from the profile run here, then from its profile.json */
    {
      GtkWidget *card = click_expert (w);
      SyProfilerWindow *w2 = sy_profiler_window_new (NULL, NULL, NULL, NULL);
      g_autoptr (SyProfileExpert) other = NULL;
      int n_top = (int) sy_expert_view_get_profile (SY_EXPERT_VIEW (card))->top_tokens->len;

      card_screenshot (card, "test-profiler-expert-card.png");
      g_assert_null (sy_profiler_window_get_expert (w, "another-model", 0, 0, &error));
      g_assert_error (error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_INVALID_VALUE);
      g_clear_error (&error);
      other = sy_profiler_window_get_expert (w, prof->model, 0, 0, &error);
      g_assert_no_error (error);
      g_assert_nonnull (other);
      gtk_window_destroy (GTK_WINDOW (gtk_widget_get_root (card)));

      g_assert_false (sy_profiler_window_open_profile (w2, svg, &error));
      g_assert_nonnull (error);
      g_clear_error (&error);
      g_assert_true (sy_profiler_window_open_profile (w2, dir, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (sy_profiler_window_get_profile (w2)->model, ==, prof->model);
      g_assert_cmpint (sy_profiler_window_get_profile (w2)->runs->len, ==, prof->runs->len);
      assert_same_charts (prof, sy_profiler_window_get_profile (w2));
      gtk_window_present (GTK_WINDOW (w2));
      sy_test_settle (300);
      /* every chart drawn from the profile.json, for the eye */
      for (int c = 0; c < SY_PROFILE_N_CHARTS; c++)
        {
          g_autofree char *name = g_strdup_printf ("test-profiler-opened-%s.png",
                                                   sy_profile_chart_name (c));

          sy_profiler_window_set_chart (w2, c);
          g_assert_null (sy_profiler_window_get_missing (w2));
          card_screenshot (GTK_WIDGET (w2), name);
        }
      check_missing (json);
      card = click_expert (w2);
      {
        const SyProfileExpert *a = sy_expert_view_get_profile (SY_EXPERT_VIEW (card));
        g_autoptr (SyProfileExpert) b = sy_profile_get_expert (prof, 0, a->moe, a->expert, &error);

        g_assert_no_error (error);
        g_assert_cmpint (a->assignments, ==, b->assignments);
        g_assert_cmpuint (a->top_tokens->len, ==, b->top_tokens->len);
        g_assert_cmpstr (g_array_index (a->top_tokens, SyProfileExpertToken, 0).text, ==,
                         g_array_index (b->top_tokens, SyProfileExpertToken, 0).text);
      }
      g_assert_cmpint (n_top, >, 0);
      gtk_window_destroy (GTK_WINDOW (w2));
    }
    sy_test_remove_tree (dir);
  }
  gtk_window_destroy (GTK_WINDOW (w));
}

static void
test_cancel_and_errors (void)
{
  SyProfilerWindow *w;
  Finished f = { FALSE, TRUE };

  SY_TEST_SKIP_WITHOUT_DISPLAY (have_display);
  w = new_window ();
  g_signal_connect (w, "finished", G_CALLBACK (on_finished), &f);
  sy_profiler_window_set_limit (w, 0);    /* every test file: long enough to cancel */
  gtk_window_present (GTK_WINDOW (w));
  g_assert_true (sy_profiler_window_run (w));
  sy_profiler_window_cancel (w);
  iterate_until_flag (&f.done);
  g_assert_false (f.ok);
  g_assert_false (sy_profiler_window_is_running (w));
  g_assert_null (sy_profiler_window_get_profile (w));
  g_assert_nonnull (strstr (sy_profiler_window_get_error (w), "cancelled"));

  /* bad input is refused before any thread starts */
  sy_profiler_window_set_routers (w, "native; bogus:x=1");
  g_assert_false (sy_profiler_window_run (w));
  g_assert_nonnull (strstr (sy_profiler_window_get_error (w), "bogus"));
  sy_profiler_window_set_routers (w, " ; ");
  g_assert_false (sy_profiler_window_run (w));
  sy_profiler_window_set_routers (w, "native");
  sy_profiler_window_set_sweep (w, TRUE, "p=5:1:1");
  g_assert_false (sy_profiler_window_run (w));
  g_assert_nonnull (strstr (sy_profiler_window_get_error (w), "sweep"));
  g_assert_false (sy_profiler_window_is_running (w));
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (sy_profiler_window_export_data (w, "/tmp", &error));
    g_assert_nonnull (error);
  }
  gtk_window_destroy (GTK_WINDOW (w));
}

/* closed while its profile runs (as a user closes it): the run is
 * cancelled, and the window, kept alive by the job, goes when the job
 * ends; its queued progress updates find it alive */
static void
test_close_while_running (void)
{
  SyProfilerWindow *w;
  GWeakRef gone;
  Finished f = { FALSE, TRUE };

  SY_TEST_SKIP_WITHOUT_DISPLAY (have_display);
  w = new_window ();
  g_weak_ref_init (&gone, w);
  g_signal_connect (w, "finished", G_CALLBACK (on_finished), &f);
  sy_profiler_window_set_limit (w, 0);
  gtk_window_present (GTK_WINDOW (w));
  g_assert_true (sy_profiler_window_run (w));
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);
  gtk_window_close (GTK_WINDOW (w));
  iterate_until_flag (&f.done);
  g_assert_false (f.ok);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (g_weak_ref_get (&gone));
  g_weak_ref_clear (&gone);
}

/* the main window's model is shared, not loaded again: a path that does
 * not exist beside it is never read */
static void
test_shared_model (void)
{
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  SyProfilerWindow *w;
  Finished f = { FALSE, FALSE };

  SY_TEST_SKIP_WITHOUT_DISPLAY (have_display);
  w = sy_profiler_window_new (NULL, "/nonexistent/model", model, "topp:p=0.5");
  sy_profiler_window_set_corpus (w, "brown", SY_CORPUS_SPLIT_TEST, NULL);
  sy_profiler_window_set_limit (w, 2);
  g_signal_connect (w, "finished", G_CALLBACK (on_finished), &f);
  g_assert_true (sy_profiler_window_run (w));
  iterate_until_flag (&f.done);
  if (!f.ok)
    g_error ("the profile failed: %s", sy_profiler_window_get_error (w));
  g_assert_cmpint (sy_profiler_window_get_profile (w)->n_texts, ==, 2);
  gtk_window_destroy (GTK_WINDOW (w));
}

static const SyTestCase tests[] = {
  { "/app/profiler/run-screenshot", test_run_and_screenshot },
  { "/app/profiler/cancel-errors", test_cancel_and_errors },
  { "/app/profiler/close-while-running", test_close_while_running },
  { "/app/profiler/shared-model", test_shared_model },
  { NULL, NULL }
};

static void
setup (void)
{
  sy_test_ensure_brown ();
  have_display = sy_test_gui_init_display ("test-profiler-window");
  if (have_display)
    adw_init ();
}

int
main (int    argc,
      char **argv)
{
  return sy_test_main (argc, argv, tests, setup, NULL);
}
