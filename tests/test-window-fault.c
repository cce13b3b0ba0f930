/* test-window-fault.c: the window and a model that does not fit in memory
 * (suite 'app', under a display)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SY_MEM_AVAILABLE pretends the machine has 1 MB free, so the fixture
 * model is too large for memory: its load page says that the weights
 * will be read from disk as needed, and the model stays mapped.  The
 * weights file is then truncated on disk: the next run stops with an
 * error naming the file, the text stays, and a toast offers to reload;
 * with the file back, Reload loads the model again and the views show
 * the text.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>
#include <unistd.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-heatmap-view.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-window.h"
#include "sy-worker.h"

static SyApplication *app;

static void
on_opened (SyWindow *window,
           GFile    *folder,
           int      *opened)
{
  (*opened)++;
}

static void
on_trace_changed (SyAnalysisView *view,
                  int            *count)
{
  (*count)++;
}

static void
on_load_progress (SyAnalysisView *view,
                  double          fraction,
                  const char     *text,
                  GPtrArray      *texts)
{
  if (text != NULL)
    g_ptr_array_add (texts, g_strdup (text));
}

static void
on_run_failed (SyWorker     *worker,
               int           slot,
               const GError *error,
               GError      **out)
{
  g_clear_error (out);
  *out = g_error_copy (error);
}

/* Iterates until the worker is idle and @flag moved past @before. */
static void
wait_for (SyAnalysisView *view,
          int            *flag,
          int             before)
{
  SyWorker *worker = sy_analysis_view_get_worker (view);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (*flag == before || sy_worker_is_busy (worker))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
}

static GtkWidget *
find_by_class (GtkWidget  *root,
               const char *css_class)
{
  if (gtk_widget_has_css_class (root, css_class))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_by_class (c, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The tokens of the trace the heatmap shows spell the view's text. */
static void
assert_views_show_text (SyWindow       *window,
                        SyAnalysisView *view)
{
  GtkWidget *heatmap = sy_test_find_widget (GTK_WIDGET (window), SY_TYPE_HEATMAP_VIEW);
  const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  g_autoptr (GString) spelled = g_string_new (NULL);
  g_autofree char *text = sy_analysis_view_get_text (view);

  g_assert_nonnull (trace);
  for (int t = 0; t < trace->n_tokens; t++)
    if (trace->token_text[t])
      g_string_append (spelled, trace->token_text[t]);
  g_assert_cmpstr (spelled->str, ==, text);
}

static void
test_truncated_reload (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *weights = NULL;
  g_autofree char *weights_data = NULL;
  g_autoptr (GFile) folder = NULL;
  g_autoptr (GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) run_error = NULL;
  const char *text = "The jury said the city deserves praise.";
  SyWindow *window;
  SyAnalysisView *view;
  GtkWidget *note;
  gsize weights_len = 0;
  int opened = 0, traces = 0, before;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);

  dir = sy_test_copy_model ("olmoe", "sy-window-fault-XXXXXX");
  weights = g_build_filename (dir, "model.safetensors", NULL);
  folder = g_file_new_for_path (dir);
  g_assert_true (g_file_get_contents (weights, &weights_data, &weights_len, NULL));

  window = sy_test_activate_window (app, 0, 0);
  view = sy_window_get_analysis_view (window);
  g_signal_connect (window, "model-opened", G_CALLBACK (on_opened), &opened);
  g_signal_connect (view, "trace-changed", G_CALLBACK (on_trace_changed), &traces);
  g_signal_connect (view, "load-progress", G_CALLBACK (on_load_progress), texts);
  g_signal_connect (sy_analysis_view_get_worker (view), "run-failed",
                    G_CALLBACK (on_run_failed), &run_error);

  /* too large for the memory: the loading page says so, up front */
  g_assert_true (sy_window_open_model (window, folder));
  note = find_by_class (GTK_WIDGET (window), "sy-load-note");
  g_assert_nonnull (note);
  wait_for (view, &opened, 0);
  {
    gboolean said = FALSE;

    for (guint i = 0; i < texts->len; i++)
      said |= strstr (g_ptr_array_index (texts, i), "do not fit in the memory available") != NULL;
    g_assert_true (said);
  }
  g_assert_true (strstr (gtk_label_get_text (GTK_LABEL (note)), "read from disk as needed") != NULL);
  g_assert_true (strstr (gtk_label_get_text (GTK_LABEL (note)), dir) != NULL);
  g_assert_true (gtk_widget_get_visible (note));

  before = traces;
  sy_analysis_view_set_text (view, text);
  wait_for (view, &traces, before);
  assert_views_show_text (window, view);
  g_assert_null (sy_window_get_reload_toast (window));

  /* the file shrinks on disk (a download starting over): the next run
   * fails naming it, the text stays, a toast offers to reload */
  g_assert_cmpint (truncate (weights, (off_t) weights_len / 2), ==, 0);
  sy_analysis_view_set_text (view, "The jury said the city deserves more praise.");
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while (run_error == NULL || sy_worker_is_busy (sy_analysis_view_get_worker (view)))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, TRUE);
      }
  }
  g_assert_error (run_error, SY_ENGINE_ERROR, SY_ENGINE_ERROR_TRUNCATED);
  g_assert_true (strstr (run_error->message, weights) != NULL);
  g_assert_nonnull (sy_window_get_reload_toast (window));
  g_assert_cmpstr (adw_toast_get_action_name (sy_window_get_reload_toast (window)), ==,
                   "win.reload-model");
  {
    g_autofree char *now = sy_analysis_view_get_text (view);

    g_assert_cmpstr (now, ==, "The jury said the city deserves more praise.");
  }
  g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (window)), ==, "views");
  /* more edits fail the same way: still one toast */
  {
    AdwToast *toast = sy_window_get_reload_toast (window);

    g_clear_error (&run_error);
    sy_analysis_view_set_text (view, "The jury said the city deserves much more praise.");
    while (run_error == NULL || sy_worker_is_busy (sy_analysis_view_get_worker (view)))
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (sy_window_get_reload_toast (window) == toast);
  }

  /* the download finished (a new file in its place): Reload */
  g_assert_true (g_file_set_contents (weights, weights_data, (gssize) weights_len, NULL));
  before = traces;
  gtk_widget_activate_action (GTK_WIDGET (window), "win.reload-model", NULL);
  wait_for (view, &opened, 1);
  wait_for (view, &traces, before);
  g_assert_null (sy_window_get_reload_toast (window));
  {
    g_autofree char *now = sy_analysis_view_get_text (view);

    g_assert_cmpstr (now, ==, "The jury said the city deserves much more praise.");
  }
  assert_views_show_text (window, view);

  g_signal_handlers_disconnect_by_data (window, &opened);
  g_signal_handlers_disconnect_by_data (view, &traces);
  g_signal_handlers_disconnect_by_data (view, texts);
  g_signal_handlers_disconnect_by_data (sy_analysis_view_get_worker (view), &run_error);
  sy_test_remove_tree (dir);
}

static const SyTestCase tests[] = {
  { "/app/window-fault/truncated-reload", test_truncated_reload },
  { NULL, NULL }
};

static void
setup (void)
{
  /* every model is too large for this pretend machine */
  g_setenv ("SY_MEM_AVAILABLE", "1000000", TRUE);
}

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, "/nonexistent", &app, setup);
}
