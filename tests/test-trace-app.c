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

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-compare-view.h"
#include "sy-router-controls.h"
#include "sy-model.h"
#include "sy-session.h"
#include "sy-session-file.h"
#include "sy-test-gui.h"
#include "sy-test-model.h"
#include "sy-test-trace.h"
#include "sy-test-util.h"
#include "sy-trace-view.h"
#include "sy-trace-window.h"
#include "sy-window.h"

static SyApplication *app;
static const char *tmp_dir;

#define TEXT "The service is pretty good, and the food was great."

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
  g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
  g_autoptr (SySession) session = sy_session_new (model);
  g_autoptr (SyTraceFile) tf = sy_test_record_run (session, TEXT, TEXT, NULL);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (tmp_dir, "run.json", NULL);

  g_assert_true (sy_trace_file_save (tf, path, NULL, &error));
  return path;
}

/* The trace window that comes next (asserted) */
static SyTraceWindow *
wait_trace_window (void)
{
  GtkWindow *window = sy_test_wait_for_toplevel (SY_TYPE_TRACE_WINDOW, NULL, FALSE, NULL, 6000);

  g_assert_nonnull (window);
  return SY_TRACE_WINDOW (window);
}

/* @tw closed, and the main loop run a little to let it go */
static void
close_trace_window (SyTraceWindow *tw)
{
  gtk_window_destroy (GTK_WINDOW (tw));
  sy_test_settle (50);
}

/* `switchyard PATH` (g_application_open, as the command line does): the
 * trace window it opens */
static SyTraceWindow *
app_open_trace (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);

  g_application_open (G_APPLICATION (app), &file, 1, "");
  return wait_trace_window ();
}

/* A trace window of the file at @path, shown at 1400 × 900 and drawn */
static SyTraceWindow *
open_trace_window (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  SyTraceWindow *tw = sy_trace_window_open (GTK_APPLICATION (app), file, &error);

  g_assert_no_error (error);
  gtk_window_set_default_size (GTK_WINDOW (tw), 1400, 900);
  gtk_window_present (GTK_WINDOW (tw));
  sy_test_settle (300);
  return tw;
}

/* @tw's state saved as the session @session_path, and read back */
static SySessionFile *
save_session (SyTraceWindow *tw,
              const char    *session_path)
{
  g_autoptr (GFile) file = g_file_new_for_path (session_path);
  g_autoptr (GError) error = NULL;
  SySessionFile *saved;

  g_assert_true (sy_trace_window_save_session (tw, file, &error));
  g_assert_no_error (error);
  saved = sy_session_file_load (session_path, &error);
  g_assert_no_error (error);
  return saved;
}

static void
test_open (void)
{
  g_autofree char *path = NULL;
  g_autofree char *saved = NULL;
  g_autoptr (GFile) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) back = NULL;
  SyTraceWindow *tw;
  double native_k;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  path = save_live_trace ();
  tw = app_open_trace (path);
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

  close_trace_window (tw);
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
  dialog = sy_test_wait_for_toplevel (GTK_TYPE_WINDOW, "sy-trace-error", TRUE, NULL, 4000);
  g_assert_nonnull (dialog);
  g_assert_null (sy_test_find_toplevel (SY_TYPE_TRACE_WINDOW, NULL, FALSE, NULL));
  gtk_window_destroy (dialog);
}

/* The main window with the olmoe fixture open. */
static SyWindow *
main_window_with_model (void)
{
  g_autofree char *dir = sy_test_model_path ("olmoe", "");
  g_autoptr (GFile) folder = g_file_new_for_path (dir);
  SyWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = SY_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  if (!SY_IS_WINDOW (window))
    {
      GList *l = gtk_application_get_windows (GTK_APPLICATION (app));

      for (; l != NULL && !SY_IS_WINDOW (l->data); l = l->next)
        ;
      g_assert_nonnull (l);
      window = SY_WINDOW (l->data);
    }
  if (sy_window_get_model_folder (window) != NULL &&
      g_file_equal (sy_window_get_model_folder (window), folder))
    return window;
  sy_test_open_model (window, dir);
  sy_test_wait_idle (sy_window_get_analysis_view (window));
  return window;
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Save Trace's accelerator, Ctrl+Shift+S, is its alone */
static void
assert_save_accel (void)
{
  g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.save-trace");
  g_auto (GStrv) owners = NULL;
  guint key = 0;
  GdkModifierType mods = 0;

  g_assert_nonnull (accels[0]);
  g_assert_true (gtk_accelerator_parse (accels[0], &key, &mods));
  g_assert_cmpuint (key, ==, GDK_KEY_s);
  g_assert_cmpuint (mods, ==, GDK_CONTROL_MASK | GDK_SHIFT_MASK);
  owners = gtk_application_get_actions_for_accel (GTK_APPLICATION (app), accels[0]);
  g_assert_cmpuint (g_strv_length (owners), ==, 1);
  g_assert_cmpstr (owners[0], ==, "win.save-trace");
}

/* The action shows the chooser, titled Save Trace, with the choice of
 * configuration on "both"; cancelled */
static void
check_save_chooser (SyWindow *window)
{
  GtkWindow *chooser;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.save-trace", NULL));
  chooser = sy_test_wait_for_toplevel (GTK_TYPE_FILE_CHOOSER, NULL, TRUE, NULL, 4000);
  g_assert_nonnull (chooser);
  g_assert_cmpstr (gtk_window_get_title (chooser), ==, "Save Trace");
  g_assert_cmpstr (gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (chooser), "configuration"), ==, "both");
  if (g_getenv ("SY_TEST_SHOT") != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("import -window root %s/save-trace-chooser.png",
                                              g_getenv ("SY_TEST_SHOT"));
      sy_test_settle (500);
      g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
    }
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_CANCEL);
  sy_test_settle (50);
}

static void
test_save_from_window (void)
{
  g_autofree char *path_a = g_build_filename (tmp_dir, "window-a.json", NULL);
  g_autoptr (GFile) file_a = g_file_new_for_path (path_a);
  g_autoptr (GFile) file_b = NULL;
  g_autofree char *path_b = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (SyTraceFile) back_a = NULL;
  g_autoptr (SyTraceFile) back_b = NULL;
  SyWindow *window;
  SyAnalysisView *view;
  SyWorker *worker;
  const SyTrace *live_a, *live_b;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  assert_save_accel ();

  window = main_window_with_model ();
  view = sy_window_get_analysis_view (window);
  worker = sy_analysis_view_get_worker (view);
  sy_analysis_view_set_text (view, TEXT);
  g_assert_true (sy_analysis_view_set_router (view, "topp:p=0.5", &error));
  g_assert_no_error (error);
  sy_analysis_view_set_compare (view, FALSE);
  sy_test_wait_idle (view);

  /* without Compare there is no B to save */
  g_assert_true (sy_window_can_save_trace (window, FALSE));
  g_assert_false (sy_window_can_save_trace (window, TRUE));
  g_assert_false (sy_window_save_trace (window, file_a, TRUE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_false (g_file_test (path_a, G_FILE_TEST_EXISTS));

  g_assert_true (sy_analysis_view_set_router_b (view, "topk:k=1", &error));
  g_assert_no_error (error);
  sy_analysis_view_set_compare (view, TRUE);
  sy_test_wait_idle (view);
  g_assert_true (sy_window_can_save_trace (window, TRUE));
  file_b = sy_window_trace_b_file (file_a);
  path_b = g_file_get_path (file_b);
  g_assert_true (g_str_has_suffix (path_b, "window-a-b.json"));
  g_assert_true (sy_window_save_trace (window, file_a, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (sy_window_save_trace (window, file_b, TRUE, &error));
  g_assert_no_error (error);

  /* read back: the live runs as the views draw them */
  live_a = sy_worker_get_trace (worker, SY_SLOT_A);
  live_b = sy_worker_get_trace (worker, SY_SLOT_B);
  back_a = sy_trace_file_load (path_a, &error);
  g_assert_no_error (error);
  back_b = sy_trace_file_load (path_b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back_a->source, ==, "switchyard");
  g_assert_cmpstr (back_a->text, ==, TEXT);
  g_assert_cmpint (back_a->values, ==, SY_TRACE_ROUTER_LOGITS);
  g_assert_true (back_a->has_nll);
  g_assert_cmpstr (back_a->trace->router, ==, live_a->router);
  g_assert_cmpstr (back_b->trace->router, ==, live_b->router);
  sy_test_assert_same_routing (back_a->trace, live_a);
  sy_test_assert_same_routing (back_b->trace, live_b);
  g_assert_cmpfloat (live_b->avg_k, ==, 1.0);
  g_assert_cmpfloat (back_a->trace->avg_k, !=, back_b->trace->avg_k);
  g_assert_cmpfloat_with_epsilon (back_a->trace->perplexity, live_a->perplexity, 1e-5 * live_a->perplexity);

  /* the attention received is recorded: da can be re-applied */
  g_assert_nonnull (back_a->recv);
  g_assert_nonnull (back_b->recv);
  {
    g_autoptr (SyRouterSpec) da = sy_router_spec_parse ("da:k=2", NULL);
    g_autoptr (SyTrace) re = sy_trace_file_apply (back_a, da, &error);

    g_assert_no_error (error);
    g_assert_nonnull (re);
    g_assert_cmpstr (re->router, ==, "da:k=2");
  }

  /* the chooser's way: in a thread */
  {
    g_autofree char *path_c = g_build_filename (tmp_dir, "window-async.json", NULL);
    g_autoptr (GFile) file_c = g_file_new_for_path (path_c);
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (SyTraceFile) back_c = NULL;

    sy_window_save_trace_async (window, file_c, FALSE, on_async_done, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (sy_window_save_trace_finish (window, result, &error));
    g_assert_no_error (error);
    back_c = sy_trace_file_load (path_c, &error);
    g_assert_no_error (error);
    sy_test_assert_same_routing (back_c->trace, live_a);
    g_assert_nonnull (back_c->recv);
    g_assert_cmpmem (back_c->recv, sizeof (float) * live_a->n_tokens * live_a->n_moe_layers,
                     back_a->recv, sizeof (float) * live_a->n_tokens * live_a->n_moe_layers);
  }

  /* A's policy re-applied to the saved trace gives the live picks */
  {
    g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("topp:p=0.5", &error);
    g_autoptr (SyTrace) again = NULL;

    g_assert_no_error (error);
    again = sy_trace_file_apply (back_a, spec, &error);
    g_assert_no_error (error);
    sy_test_assert_same_routing (again, live_a);
  }

  check_save_chooser (window);

  sy_analysis_view_set_compare (view, FALSE);
  sy_test_wait_idle (view);
}

/* @session_file (saved by test_session_and_recent) opened from @window:
 * a trace window of @path in the state it saved, drawn */
static void
assert_session_reopens (SyWindow   *window,
                        GFile      *session_file,
                        const char *path,
                        double      avg_k)
{
  g_autofree char *router_b = NULL;
  SyTraceWindow *back;

  g_assert_true (sy_window_open_session (window, session_file));
  back = wait_trace_window ();
  sy_test_settle (100);
  g_assert_cmpstr (sy_trace_window_get_path (back), ==, path);
  g_assert_cmpfloat (sy_trace_window_get_trace (back)->avg_k, ==, avg_k);
  router_b = sy_trace_window_get_router (back, TRUE);
  g_assert_cmpstr (router_b, ==, "topk:k=1");
  g_assert_cmpstr (sy_trace_window_get_view (back), ==, "inspector");
  g_assert_cmpstr (sy_trace_window_get_measure (back), ==, "entropy");
  g_assert_cmpint (sy_trace_window_get_selected_token (back), ==, 3);
  g_assert_cmpint (sy_trace_window_get_selected_layer (back), ==, 1);
  assert_drawn (GTK_WIDGET (back));
  close_trace_window (back);
}

/* Sessions that name a trace, and traces in Open Recent. */
static void
test_session_and_recent (void)
{
  g_autofree char *path = NULL;
  g_autofree char *session_path = g_build_filename (tmp_dir, "trace.switchyard", NULL);
  g_autoptr (GFile) session_file = g_file_new_for_path (session_path);
  g_autoptr (GError) error = NULL;
  g_autoptr (SySessionFile) saved = NULL;
  SyWindow *window;
  SyTraceWindow *tw, *back;
  double avg_k;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  window = main_window_with_model ();
  path = save_live_trace ();
  tw = app_open_trace (path);
  sy_test_settle (100);

  /* the trace is first in the recent list, shown as a trace */
  {
    g_autoptr (GSettings) settings = sy_settings_new ();
    g_auto (GStrv) recent = g_settings_get_strv (settings, "recent-models");

    g_assert_cmpstr (recent[0], ==, path);
  }

  /* a state, saved as a session */
  g_assert_true (sy_trace_window_set_router (tw, FALSE, "topp:p=0.5", &error));
  g_assert_true (sy_trace_window_set_router (tw, TRUE, "topk:k=1", &error));
  g_assert_no_error (error);
  sy_trace_window_set_view (tw, "inspector");
  g_assert_true (sy_trace_window_set_measure (tw, "entropy", &error));
  g_assert_false (sy_trace_window_set_measure (tw, "surprisal", NULL));
  sy_trace_window_select (tw, 3, 1);
  avg_k = sy_trace_window_get_trace (tw)->avg_k;
  saved = save_session (tw, session_path);
  g_assert_cmpstr (saved->trace, ==, path);
  g_assert_null (saved->model);
  g_assert_cmpstr (saved->router_a, ==, "topp:p=0.5");
  g_assert_cmpstr (saved->router_b, ==, "topk:k=1");
  g_assert_cmpstr (saved->view, ==, "inspector");
  g_assert_cmpstr (saved->measure, ==, "entropy");
  g_assert_cmpint (saved->token, ==, 3);
  g_assert_cmpint (saved->layer, ==, 1);
  close_trace_window (tw);

  /* opened from the main window: a trace window in that state */
  assert_session_reopens (window, session_file, path, avg_k);

  /* Open Recent on the trace: a trace window, the model stays */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.open-recent", "s", path));
  back = wait_trace_window ();
  g_assert_cmpstr (sy_trace_window_get_path (back), ==, path);
  g_assert_nonnull (sy_window_get_model_folder (window));
  close_trace_window (back);

  /* a session whose trace is gone: the error dialog, no window */
  g_assert_true (g_file_set_contents (session_path,
                                      "{\"format\": \"switchyard-session\", \"version\": 1,"
                                      " \"trace\": \"gone.json\"}", -1, NULL));
  g_assert_false (sy_window_open_session (window, session_file));
  {
    GtkWindow *dialog = sy_test_wait_for_toplevel (GTK_TYPE_WINDOW, "sy-session-error", FALSE, NULL, 2000);

    g_assert_nonnull (dialog);
    gtk_window_destroy (dialog);
  }
  g_assert_null (sy_test_find_toplevel (SY_TYPE_TRACE_WINDOW, NULL, FALSE, NULL));
}

static void
shoot (const char *name)
{
  if (g_getenv ("SY_TEST_SHOT") != NULL)
    {
      g_autofree char *cmd = g_strdup_printf ("import -window root %s/%s.png", g_getenv ("SY_TEST_SHOT"), name);

      sy_test_settle (400);
      g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
    }
}

/* The router controls of the main window drive A and B, limited to what
 * the trace can take. */
static void
test_controls (void)
{
  g_autofree char *path = NULL;
  g_autofree char *ids_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = NULL;
  SyRouterControls *ca, *cb;
  SyTraceWindow *tw, *ids_tw;
  GtkWidget *sw;
  double native_k;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  path = save_live_trace ();
  tw = open_trace_window (path);
  ca = SY_ROUTER_CONTROLS (sy_trace_window_get_controls (tw, FALSE));
  cb = SY_ROUTER_CONTROLS (sy_trace_window_get_controls (tw, TRUE));
  g_assert_true (sy_test_find_widget (GTK_WIDGET (tw), SY_TYPE_ROUTER_CONTROLS) == GTK_WIDGET (ca));
  native_k = sy_trace_window_get_trace (tw)->avg_k;
  shown = sy_router_controls_get_spec_string (ca);
  g_assert_cmpstr (shown, ==, "native");
  g_clear_pointer (&shown, g_free);

  /* the controls apply to the trace at once, and follow set_router */
  g_assert_true (sy_router_controls_set_spec_string (ca, "topk:k=2", &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (sy_trace_window_get_trace (tw)->avg_k, ==, 2.0);
  g_assert_nonnull (strstr (sy_trace_window_get_limits (tw), "not re-run"));
  g_assert_true (sy_trace_window_set_router (tw, FALSE, "minp:t=0.5", &error));
  shown = sy_router_controls_get_spec_string (ca);
  g_assert_true (g_str_has_prefix (shown, "minp:t=0.5"));
  g_clear_pointer (&shown, g_free);

  /* da needs recorded attention: not offered, and refused with the reason */
  g_assert_false (sy_router_controls_set_spec_string (ca, "da:k=4", &error));
  g_assert_nonnull (strstr (error->message, "attention"));
  g_clear_error (&error);

  /* Match Native Cost on the recorded probabilities */
  g_assert_true (sy_router_controls_set_spec_string (ca, "topp:p=0.2", &error));
  g_signal_emit_by_name (ca, "calibrate");
  {
    g_autofree char *calibrated = sy_trace_window_get_router (tw, FALSE);

    g_test_message ("calibrated: %s, average K %.3f (native %.0f)",
                    calibrated, sy_trace_window_get_trace (tw)->avg_k, native_k);
  }
  g_assert_cmpfloat (fabs (sy_trace_window_get_trace (tw)->avg_k - native_k), <, 0.5);

  /* B through its switch and controls */
  sw = sy_test_find_widget (GTK_WIDGET (tw), GTK_TYPE_SWITCH);
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (cb)));
  g_assert_true (sy_router_controls_set_spec_string (cb, "topk:k=1", &error));
  g_assert_null (sy_trace_window_get_router (tw, TRUE));
  gtk_switch_set_active (GTK_SWITCH (sw), TRUE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (cb)));
  shown = sy_trace_window_get_router (tw, TRUE);
  g_assert_cmpstr (shown, ==, "topk:k=1");
  g_assert_cmpstr (sy_trace_window_get_view (tw), ==, "compare");
  sy_test_settle (200);
  assert_drawn (GTK_WIDGET (tw));
  shoot ("trace-window-controls");
  gtk_switch_set_active (GTK_SWITCH (sw), FALSE);
  g_assert_null (sy_trace_window_get_router (tw, TRUE));

  /* an id-only trace: no policy, the reason said */
  {
    g_autoptr (SyTraceFile) tf = sy_trace_file_load (path, &error);

    g_assert_no_error (error);
    tf->values = SY_TRACE_ROUTER_NONE;
    g_free (tf->source);
    tf->source = g_strdup ("vllm");
    ids_path = g_build_filename (tmp_dir, "ids.json", NULL);
    g_assert_true (sy_trace_file_save (tf, ids_path, NULL, &error));
    g_assert_no_error (error);
  }
  ids_tw = open_trace_window (ids_path);
  ca = SY_ROUTER_CONTROLS (sy_trace_window_get_controls (ids_tw, FALSE));
  g_assert_false (sy_router_controls_set_spec_string (ca, "topk:k=2", &error));
  g_assert_nonnull (strstr (error->message, "expert ids only"));
  g_clear_error (&error);
  g_assert_nonnull (strstr (sy_trace_window_get_limits (ids_tw), "expert ids only"));
  assert_drawn (GTK_WIDGET (ids_tw));
  shoot ("trace-window-ids-only");
  close_trace_window (ids_tw);
  close_trace_window (tw);
}

/* Two recordings of the same text in one window, as compare --trace A
 * --trace-b B: the same numbers as the engine's compare of the two files. */
static void
test_two_traces (void)
{
  g_autofree char *path = NULL;
  g_autofree char *path_b = g_build_filename (tmp_dir, "topk2.json", NULL);
  g_autofree char *other = g_build_filename (tmp_dir, "other-text.json", NULL);
  g_autofree char *session_path = g_build_filename (tmp_dir, "two.switchyard", NULL);
  g_autoptr (GFile) file_b = g_file_new_for_path (path_b);
  g_autoptr (GFile) other_file = g_file_new_for_path (other);
  g_autoptr (GError) error = NULL;
  g_autoptr (SySessionFile) saved = NULL;
  g_autoptr (SyCompare) expect = NULL;
  g_autofree char *router_b = NULL;
  SyRouterControls *cb;
  SyTraceWindow *tw, *back;
  const SyCompare *cmp;
  GtkWidget *compare;

  SY_TEST_SKIP_WITHOUT_DISPLAY (app);
  path = save_live_trace ();
  {
    g_autoptr (SyModel) model = sy_test_load_model ("olmoe");
    g_autoptr (SySession) session = sy_session_new (model);
    g_autoptr (SyRouterSpec) spec = sy_router_spec_parse ("topk:k=2", NULL);
    g_autoptr (SyTraceFile) tf2 = NULL;
    g_autoptr (SyTraceFile) tf3 = NULL;
    SyTraceFileWriteOptions f16 = { .dtype = SY_TRACE_DTYPE_F16 };

    g_assert_true (sy_session_set_router (session, spec, &error));
    tf2 = sy_test_record_run (session, TEXT, NULL, NULL);
    /* B in the other precision */
    g_assert_true (sy_trace_file_save (tf2, path_b, &f16, &error));
    tf3 = sy_test_record_run (session, "Something else.", NULL, NULL);
    g_assert_true (sy_trace_file_save (tf3, other, NULL, &error));
  }
  tw = open_trace_window (path);

  /* another text is refused, B stays as it was */
  g_assert_false (sy_trace_window_open_b (tw, other_file, &error));
  g_assert_nonnull (strstr (error->message, "different texts"));
  g_clear_error (&error);
  g_assert_null (sy_trace_window_get_path_b (tw));

  g_assert_true (sy_trace_window_open_b (tw, file_b, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sy_trace_window_get_path_b (tw), ==, path_b);
  g_assert_cmpstr (sy_trace_window_get_view (tw), ==, "compare");
  router_b = sy_trace_window_get_router (tw, TRUE);
  g_assert_cmpstr (router_b, ==, "recorded");
  compare = sy_test_find_widget (GTK_WIDGET (tw), SY_TYPE_COMPARE_VIEW);
  cmp = sy_compare_view_get_compare (SY_COMPARE_VIEW (compare));
  g_assert_nonnull (cmp);
  {
    g_autoptr (SyTraceFile) a = sy_trace_file_load (path, NULL);
    g_autoptr (SyTraceFile) b = sy_trace_file_load (path_b, NULL);

    expect = sy_compare_new (a->trace, NULL, b->trace, NULL, 0, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (cmp->n_moe_layers, ==, expect->n_moe_layers);
  for (int l = 0; l < cmp->n_moe_layers; l++)
    for (int t = 0; t < cmp->n_tokens; t++)
      g_assert_cmpint (cmp->layers[l].dk[t], ==, expect->layers[l].dk[t]);
  /* native top-4 against top-2 */
  g_assert_cmpint (cmp->layers[0].dk[0], ==, -2);
  sy_test_settle (200);
  assert_drawn (GTK_WIDGET (tw));
  shoot ("trace-window-two-traces");

  /* B's policy goes to B's recording */
  cb = SY_ROUTER_CONTROLS (sy_trace_window_get_controls (tw, TRUE));
  g_assert_true (sy_router_controls_set_spec_string (cb, "topk:k=1", &error));
  g_assert_no_error (error);
  cmp = sy_compare_view_get_compare (SY_COMPARE_VIEW (compare));
  g_assert_cmpfloat (cmp->b->avg_k, ==, 1.0);

  /* a session keeps both traces */
  saved = save_session (tw, session_path);
  g_assert_cmpstr (saved->trace, ==, path);
  g_assert_cmpstr (saved->trace_b, ==, path_b);
  g_assert_cmpstr (saved->router_b, ==, "topk:k=1");
  back = sy_trace_window_open_session (GTK_APPLICATION (app), saved, session_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sy_trace_window_get_path_b (back), ==, path_b);
  g_assert_cmpfloat (sy_compare_view_get_compare (SY_COMPARE_VIEW (sy_test_find_widget (
                       GTK_WIDGET (back), SY_TYPE_COMPARE_VIEW)))->b->avg_k, ==, 1.0);
  gtk_window_destroy (GTK_WINDOW (back));

  /* B back on A's trace */
  sy_trace_window_clear_b (tw);
  g_assert_null (sy_trace_window_get_path_b (tw));
  cmp = sy_compare_view_get_compare (SY_COMPARE_VIEW (compare));
  g_assert_cmpint (cmp->layers[0].dk[0], ==, 0);
  close_trace_window (tw);
}

static const SyTestCase tests[] = {
  { "/app/trace/open", test_open },
  { "/app/trace/bad-file", test_bad_file },
  { "/app/trace/save-from-window", test_save_from_window },
  { "/app/trace/session-and-recent", test_session_and_recent },
  { "/app/trace/controls", test_controls },
  { "/app/trace/two-traces", test_two_traces },
  { NULL, NULL }
};

static void
setup (void)
{
  tmp_dir = sy_test_tmp_dir ();
}

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, "/nonexistent", &app, setup);
}
