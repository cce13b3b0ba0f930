/* test-trace-app.c: a recorded trace file in the window
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `switchyard FILE.json` (g_application_open, as the command line does)
 * opens a trace window whose views are drawn; policies A and B are
 * re-applied to the recorded probabilities; a bad policy or a bad file is
 * the error dialog and the trace stays; Save Trace writes a file that reads
 * back with A's routing.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sy-model.h"
#include "sy-session.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-trace-view.h"
#include "sy-trace-window.h"

static SyApplication *app;
static char *tmp_dir;

static SyTraceWindow *
find_trace_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (SY_IS_TRACE_WINDOW (w))
        return SY_TRACE_WINDOW (w);
    }
  return NULL;
}

static GtkWindow *
find_error_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (toplevels, i);

      if (gtk_widget_has_css_class (GTK_WIDGET (w), "sy-trace-error") &&
          gtk_widget_get_visible (GTK_WIDGET (w)))
        return w;
    }
  return NULL;
}

static void
assert_drawn (GtkWidget *root)
{
  /* every trace view below @root has the trace and paints more than a background */
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      if (SY_IS_TRACE_VIEW (c) && gtk_widget_get_mapped (c))
        {
          g_autoptr (GdkTexture) tex = NULL;
          int w = gtk_widget_get_width (c), h = gtk_widget_get_height (c);

          g_assert_nonnull (sy_trace_view_get_trace (SY_TRACE_VIEW (c)));
          g_assert_cmpint (w, >, 100);
          g_assert_cmpint (h, >, 50);
          tex = sy_test_render_widget (c);
          g_assert_cmpuint (sy_test_count_colours (tex, 0, 0, gdk_texture_get_width (tex),
                                                   gdk_texture_get_height (tex)), >, 8);
        }
      assert_drawn (c);
    }
}

static char *
save_live_trace (void)
{
  g_autofree char *dir = sy_test_model_path ("olmoe", "");
  g_autoptr (GError) error = NULL;
  g_autoptr (SyModel) model = sy_model_load (dir, NULL, NULL, &error);
  g_autoptr (SySession) session = NULL;
  g_autoptr (SyTrace) trace = NULL;
  g_autoptr (SyTraceFile) tf = NULL;
  char *path = g_build_filename (tmp_dir, "run.json", NULL);
  const SyModelInfo *info;

  g_assert_no_error (error);
  info = sy_model_get_info (model);
  session = sy_session_new (model);
  trace = sy_session_run_text (session, "The service is pretty good, and the food was great.",
                               NULL, NULL, &error);
  g_assert_no_error (error);
  tf = sy_trace_file_new (trace, sy_model_get_router_info (model), info->model_type,
                          info->vocab_size, "The service is pretty good, and the food was great.");
  g_assert_true (sy_trace_file_save (tf, path, NULL, &error));
  return path;
}

static void
test_open (void)
{
  g_autofree char *path = NULL;
  g_autofree char *saved = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFile) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) back = NULL;
  SyTraceWindow *tw;
  double native_k;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  path = save_live_trace ();
  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (app), &file, 1, "");
  for (int i = 0; i < 200 && (tw = find_trace_window ()) == NULL; i++)
    sy_test_settle (20);
  g_assert_nonnull (tw);
  sy_test_settle (300);
  native_k = sy_trace_window_get_trace (tw)->avg_k;
  g_assert_cmpfloat (native_k, ==, 4.0);
  assert_drawn (GTK_WIDGET (tw));
  for (const char *const *v = (const char *const[]) { "inspector", "summary", NULL }; *v; v++)
    {
      sy_trace_window_set_view (tw, *v);
      sy_test_settle (150);
      assert_drawn (GTK_WIDGET (tw));
    }

  /* policy A re-applied: the banner says what is not re-run */
  g_assert_true (sy_trace_window_set_router (tw, FALSE, "topp:p=0.5", &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (sy_trace_window_get_trace (tw)->avg_k, <, native_k);
  g_assert_nonnull (strstr (sy_trace_window_get_limits (tw), "not re-run"));
  g_assert_nonnull (strstr (sy_trace_window_get_limits (tw), "perplexity"));

  /* a bad policy keeps the trace */
  g_assert_false (sy_trace_window_set_router (tw, FALSE, "topk:k=99", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (sy_trace_window_set_router (tw, FALSE, "da", &error));
  g_assert_nonnull (strstr (error->message, "attention"));
  g_clear_error (&error);
  g_assert_cmpfloat (sy_trace_window_get_trace (tw)->avg_k, <, native_k);

  /* compare A/B */
  g_assert_true (sy_trace_window_set_router (tw, TRUE, "topk:k=1", &error));
  sy_trace_window_set_view (tw, "compare");
  sy_test_settle (200);
  assert_drawn (GTK_WIDGET (tw));

  /* save: A's routing */
  saved = g_build_filename (tmp_dir, "saved.json", NULL);
  out = g_file_new_for_path (saved);
  g_assert_true (sy_trace_window_save (tw, out, &error));
  g_assert_no_error (error);
  back = sy_trace_file_load (saved, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (back->trace->avg_k, sy_trace_window_get_trace (tw)->avg_k, 1e-9);
  g_assert_false (back->has_nll);

  gtk_window_destroy (GTK_WINDOW (tw));
  sy_test_settle (50);
}

static void
test_bad_file (void)
{
  g_autofree char *path = NULL;
  g_autoptr (GFile) file = NULL;
  GtkWindow *dialog = NULL;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  path = g_build_filename (tmp_dir, "cut.json", NULL);
  g_assert_true (g_file_set_contents (path, "{\"format\": \"switchyard-trace\", \"version\": 1, ", -1,
                                      NULL));
  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (app), &file, 1, "");
  for (int i = 0; i < 200 && (dialog = find_error_dialog ()) == NULL; i++)
    sy_test_settle (20);
  g_assert_nonnull (dialog);
  g_assert_null (find_trace_window ());
  gtk_window_destroy (dialog);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  app = sy_test_gui_init ("test-trace-app", "/nonexistent");
  tmp_dir = g_dir_make_tmp ("sy-trace-app-XXXXXX", &error);
  g_assert_no_error (error);
  g_test_add_func ("/app/trace/open", test_open);
  g_test_add_func ("/app/trace/bad-file", test_bad_file);
  status = g_test_run ();
  sy_test_remove_tree (tmp_dir);
  g_free (tmp_dir);
  g_clear_object (&app);
  return status;
}
