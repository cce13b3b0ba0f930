/* test-session-app.c: Save Session and Open Session in the real window
 * (suite 'app', in-process, under a display)
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sets a state (model, text, routers A and B, view, measure, selection,
 * zoom), saves it, changes everything (another model included), opens the
 * session and finds the state back; the same through the command line and
 * drag and drop.  A session whose model is missing or does not load, or
 * that cannot be read, gives an error dialog and leaves the state alone; a
 * changed model gives a toast.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-session-file.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-window.h"

static SyApplication *app;
static const char *tmp_dir;

#define SKIP_WITHOUT_DISPLAY() SY_TEST_SKIP_WITHOUT_DISPLAY (app)

static gboolean
has_label (GtkWidget  *root,
           const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    if (has_label (child, text))
      return TRUE;
  return FALSE;
}

/* The view's state, in the fields a session file keeps of it (the model,
 * compare mode and trace fields left unset). */
static SySessionFile *
get_state (SyAnalysisView *view)
{
  SySessionFile *s = g_new0 (SySessionFile, 1);

  s->text = sy_analysis_view_get_text (view);
  s->router_a = sy_analysis_view_get_router (view);
  s->router_b = sy_analysis_view_get_router_b (view);
  s->view = g_strdup (sy_analysis_view_get_view (view));
  s->measure = g_strdup (sy_analysis_view_get_measure (view));
  s->token = sy_analysis_view_get_selected_token (view);
  s->layer = sy_analysis_view_get_selected_layer (view);
  s->heatmap_cell_width = sy_analysis_view_get_heatmap_zoom (view);
  return s;
}

static void
assert_state (SyAnalysisView      *view,
              const SySessionFile *expected)
{
  g_autoptr (SySessionFile) now = get_state (view);

  g_assert_cmpstr (now->text, ==, expected->text);
  g_assert_cmpstr (now->router_a, ==, expected->router_a);
  g_assert_cmpstr (now->router_b, ==, expected->router_b);
  g_assert_cmpstr (now->view, ==, expected->view);
  g_assert_cmpstr (now->measure, ==, expected->measure);
  g_assert_cmpint (now->token, ==, expected->token);
  g_assert_cmpint (now->layer, ==, expected->layer);
  g_assert_cmpfloat (now->heatmap_cell_width, ==, expected->heatmap_cell_width);
}

static char *
fixture (const char *arch)
{
  g_autofree char *path = sy_test_model_path (arch, "");

  return g_canonicalize_filename (path, NULL);
}

/* The window under test, its analysis view, and the files its last
 * ::model-opened and ::session-opened gave. */
typedef struct
{
  SyWindow       *window;
  SyAnalysisView *view;
  GFile          *opened;
  GFile          *session_opened;
} Watch;

static void
watch_start (Watch    *w,
             SyWindow *window)
{
  g_assert_nonnull (window);
  w->window = window;
  w->view = sy_window_get_analysis_view (window);
  g_signal_connect (window, "model-opened", G_CALLBACK (sy_test_store_file), &w->opened);
  g_signal_connect (window, "session-opened", G_CALLBACK (sy_test_store_file), &w->session_opened);
}

static void
watch_stop (Watch *w)
{
  g_signal_handlers_disconnect_by_data (w->window, &w->opened);
  g_signal_handlers_disconnect_by_data (w->window, &w->session_opened);
  g_clear_object (&w->opened);
  g_clear_object (&w->session_opened);
}

/* Opens the model at @path in @w's window and waits for ::model-opened. */
static void
open_model (Watch      *w,
            const char *path)
{
  g_autoptr (GFile) folder = g_file_new_for_path (path);

  g_clear_object (&w->opened);
  g_assert_true (sy_window_open_model (w->window, folder));
  sy_test_wait_for_pointer ((gpointer *) &w->opened);
}

/* A model that changed since @saved was saved: a toast says so, and
 * @state comes back. */
static void
check_changed_model (Watch         *w,
                     SySessionFile *saved,
                     SySessionFile *state)
{
  g_autofree char *changed_path = g_build_filename (tmp_dir, "changed.switchyard", NULL);
  g_autoptr (GFile) changed_file = g_file_new_for_path (changed_path);
  g_autoptr (GError) error = NULL;

  g_free (saved->model_fingerprint);
  saved->model_fingerprint = g_strdup_printf ("sha256:%064d", 0);
  g_assert_true (sy_session_file_save (saved, changed_path, &error));
  g_assert_false (has_label (GTK_WIDGET (sy_window_get_toast_overlay (w->window)),
                             "The model changed since this session was saved"));
  sy_analysis_view_set_text (w->view, "Before the changed one.");
  g_clear_object (&w->session_opened);
  g_assert_true (sy_window_open_session (w->window, changed_file));
  g_assert_nonnull (w->session_opened);
  sy_test_settle (100);
  g_assert_true (has_label (GTK_WIDGET (sy_window_get_toast_overlay (w->window)),
                            "The model changed since this session was saved"));
  assert_state (w->view, state);
}

static void
test_session_round_trip (void)
{
  g_autofree char *olmoe = NULL, *other = NULL;
  g_autofree char *path = g_build_filename (tmp_dir, "state.switchyard", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_autoptr (SySessionFile) saved = NULL;
  g_autoptr (SySessionFile) state = NULL;
  g_autoptr (SySessionFile) changed = NULL;
  Watch w = { 0 };

  SKIP_WITHOUT_DISPLAY ();
  olmoe = fixture ("olmoe");
  other = fixture ("qwen2_moe");

  watch_start (&w, sy_test_activate_window (app, 1400, 900));

  /* nothing to save before a model is open */
  g_assert_false (sy_window_save_session (w.window, file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);

  open_model (&w, olmoe);
  sy_test_wait_idle (w.view);

  /* a state in every part */
  sy_analysis_view_set_text (w.view, "The service is pretty good, said nobody.");
  g_assert_true (sy_analysis_view_set_router (w.view, "topk:k=1", &error));
  g_assert_no_error (error);
  g_assert_true (sy_analysis_view_set_router_b (w.view, "topp:p=0.6", &error));
  g_assert_no_error (error);
  sy_analysis_view_set_view (w.view, "inspector");
  g_assert_true (sy_analysis_view_set_measure (w.view, "entropy", &error));
  sy_analysis_view_select (w.view, 3, 1);
  sy_analysis_view_set_heatmap_zoom (w.view, 24);
  sy_test_wait_idle (w.view);
  state = get_state (w.view);
  g_assert_cmpstr (state->view, ==, "inspector");
  g_assert_cmpstr (state->measure, ==, "entropy");
  g_assert_true (g_str_has_prefix (state->router_a, "topk"));
  g_assert_true (g_str_has_prefix (state->router_b, "topp"));
  g_assert_cmpint (state->token, ==, 3);
  g_assert_cmpfloat (state->heatmap_cell_width, ==, 24);

  g_assert_true (sy_window_save_session (w.window, file, &error));
  g_assert_no_error (error);
  saved = sy_session_file_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (saved->model, ==, olmoe);
  g_assert_nonnull (saved->model_fingerprint);
  g_assert_cmpstr (saved->text, ==, state->text);
  g_assert_cmpstr (saved->router_a, ==, state->router_a);
  g_assert_cmpstr (saved->router_b, ==, state->router_b);
  g_assert_cmpstr (saved->view, ==, "inspector");
  g_assert_false (saved->compare);

  /* change everything, the model included */
  open_model (&w, other);
  sy_analysis_view_set_text (w.view, "Something else entirely.");
  g_assert_true (sy_analysis_view_set_router (w.view, "native", NULL));
  g_assert_true (sy_analysis_view_set_router_b (w.view, "topk:k=3", NULL));
  sy_analysis_view_set_view (w.view, "summary");
  g_assert_true (sy_analysis_view_set_measure (w.view, "k", NULL));
  sy_analysis_view_select (w.view, 0, 0);
  sy_analysis_view_set_heatmap_zoom (w.view, 0);
  sy_test_wait_idle (w.view);
  changed = get_state (w.view);
  g_assert_cmpstr (changed->text, !=, state->text);
  g_assert_cmpstr (changed->router_a, !=, state->router_a);
  g_assert_cmpstr (changed->router_b, !=, state->router_b);
  g_assert_cmpstr (changed->view, !=, state->view);
  g_assert_cmpstr (changed->measure, !=, state->measure);

  /* open the session: the model loads, then the rest comes back */
  g_clear_object (&w.opened);
  g_assert_true (sy_window_open_session (w.window, file));
  sy_test_wait_for_pointer ((gpointer *) &w.session_opened);
  g_assert_true (g_file_equal (w.session_opened, file));
  g_assert_nonnull (w.opened);
  {
    g_autofree char *model = g_file_get_path (sy_window_get_model_folder (w.window));

    g_assert_cmpstr (model, ==, olmoe);
  }
  sy_test_wait_idle (w.view);
  assert_state (w.view, state);

  /* the same model open: restored at once */
  sy_analysis_view_set_text (w.view, "Changed again.");
  sy_analysis_view_set_view (w.view, "heatmap");
  g_clear_object (&w.session_opened);
  g_assert_true (sy_window_open_session (w.window, file));
  g_assert_nonnull (w.session_opened);
  assert_state (w.view, state);

  /* compare mode comes back as the compare page */
  sy_analysis_view_set_compare (w.view, TRUE);
  g_assert_true (sy_window_save_session (w.window, file, &error));
  sy_analysis_view_set_compare (w.view, FALSE);
  g_assert_false (sy_analysis_view_get_compare (w.view));
  g_clear_object (&w.session_opened);
  g_assert_true (sy_window_open_session (w.window, file));
  g_assert_nonnull (w.session_opened);
  g_assert_true (sy_analysis_view_get_compare (w.view));
  g_assert_cmpstr (sy_analysis_view_get_view (w.view), ==, "compare");
  sy_analysis_view_set_compare (w.view, FALSE);
  sy_analysis_view_set_view (w.view, "inspector");
  g_assert_true (sy_window_save_session (w.window, file, &error));

  /* the command line (switchyard FILE.switchyard) and a drop do the same */
  sy_analysis_view_set_text (w.view, "From elsewhere.");
  g_clear_object (&w.session_opened);
  g_application_open (G_APPLICATION (app), &file, 1, "");
  sy_test_wait_for_pointer ((gpointer *) &w.session_opened);
  assert_state (w.view, state);

  sy_analysis_view_set_text (w.view, "Dropped.");
  g_clear_object (&w.session_opened);
  g_assert_true (sy_test_drop_file (GTK_WIDGET (w.window), file));
  sy_test_wait_for_pointer ((gpointer *) &w.session_opened);
  assert_state (w.view, state);

  check_changed_model (&w, saved, state);

  watch_stop (&w);
}

/* Sessions that cannot be opened: a dialog, and nothing changes. */
static void
test_session_errors (void)
{
  g_autofree char *olmoe = NULL;
  g_autofree char *missing_model = g_build_filename (tmp_dir, "no-such-model", NULL);
  g_autofree char *broken = sy_test_make_broken_model (tmp_dir, "broken-model");
  g_autoptr (GError) error = NULL;
  g_autoptr (SySessionFile) before = NULL;
  Watch w = { 0 };
  const char *text = "Keep this text.";
  struct
  {
    const char *name;
    const char *json;       /* NULL: a session naming @model */
    const char *model;
    const char *needle;     /* in the dialog's body */
    const char *dialog;     /* css class */
  } cases[] = {
    { "missing.switchyard", NULL, missing_model, "no-such-model", "sy-session-error" },
    { "garbage.switchyard", "{ not json", NULL, "not valid JSON", "sy-session-error" },
    { "newer.switchyard", "{\"format\": \"switchyard-session\", \"version\": 9, \"text\": \"x\"}", NULL,
      "key 'version'", "sy-session-error" },
    { "broken.switchyard", NULL, broken, "required key", "sy-load-error" },
  };

  SKIP_WITHOUT_DISPLAY ();
  olmoe = fixture ("olmoe");

  watch_start (&w, SY_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app))));
  sy_analysis_view_set_text (w.view, text);
  g_assert_true (sy_analysis_view_set_router (w.view, "topk:k=2", NULL));
  sy_test_wait_idle (w.view);
  before = get_state (w.view);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (tmp_dir, cases[i].name, NULL);
      g_autoptr (GFile) file = g_file_new_for_path (path);
      g_autofree char *model_path = NULL;
      GtkWindow *dialog;

      if (cases[i].json)
        g_assert_true (g_file_set_contents (path, cases[i].json, -1, NULL));
      else
        {
          g_autoptr (SySessionFile) s = sy_session_file_new ();

          s->model = g_strdup (cases[i].model);
          g_free (s->text);
          s->text = g_strdup ("A text that must not arrive.");
          g_assert_true (sy_session_file_save (s, path, &error));
          g_assert_no_error (error);
        }
      sy_window_open_session (w.window, file);
      dialog = sy_test_wait_for_toplevel (ADW_TYPE_MESSAGE_DIALOG, cases[i].dialog, TRUE, NULL, 0);
      g_test_message ("%s: %s", cases[i].name, adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)));
      g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), cases[i].needle));
      gtk_window_destroy (dialog);
      sy_test_settle (50);

      g_assert_null (w.session_opened);
      model_path = g_file_get_path (sy_window_get_model_folder (w.window));
      g_assert_cmpstr (model_path, ==, olmoe);
      g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (w.window)), ==, "views");
      assert_state (w.view, before);
    }

  sy_test_remove_tree (broken);
  watch_stop (&w);
}

static void
test_session_actions (void)
{
  SyWindow *window;
  g_auto (GStrv) save = NULL;
  g_auto (GStrv) open = NULL;

  SKIP_WITHOUT_DISPLAY ();
  window = SY_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  save = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.save-session");
  open = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.open-session");
  g_assert_cmpstr (save[0], ==, "<Control>s");
  g_assert_cmpstr (open[0], ==, "<Shift><Control>o");
  /* a model is open (the tests before): saving is possible */
  g_assert_true (sy_window_get_model_folder (window) != NULL);
}

/* The file chooser that @action brings up (GTK's own dialog: no portal
 * here), answered with @name in @folder and Accept. */
static void
choose_in_dialog (SyWindow   *window,
                  const char *action,
                  const char *folder,
                  const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  GtkWidget *dialog = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), action, NULL));
  dialog = GTK_WIDGET (sy_test_wait_for_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG, NULL, TRUE, NULL, 0));
  /* after the dialog has read its start folder, which would win */
  sy_test_settle (200);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (dialog)) == GTK_FILE_CHOOSER_ACTION_SAVE)
    {
      g_autoptr (GFile) dir = g_file_new_for_path (folder);

      g_assert_true (gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), dir, &error));
      sy_test_settle (200);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
    }
  else
    g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), file, &error));
  g_assert_no_error (error);
  sy_test_settle (200);
  {
    g_autoptr (GFile) now = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

    g_test_message ("chooser at %s", now ? g_file_peek_path (now) : "(none)");
  }
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* Save Session… and Open Session… through their choosers: a name without
 * an extension gets .switchyard, and the file chosen opens. */
static void
test_session_choosers (void)
{
  g_autofree char *saved = g_build_filename (tmp_dir, "chosen" SY_SESSION_FILE_EXTENSION, NULL);
  g_autoptr (GFile) session_opened = NULL;
  SyWindow *window;

  SKIP_WITHOUT_DISPLAY ();
  window = SY_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  g_assert_nonnull (sy_window_get_model_folder (window));

  choose_in_dialog (window, "win.save-session", tmp_dir, "chosen");
  while (!g_file_test (saved, G_FILE_TEST_IS_REGULAR))
    g_main_context_iteration (NULL, TRUE);

  g_signal_connect (window, "session-opened", G_CALLBACK (sy_test_store_file), &session_opened);
  choose_in_dialog (window, "win.open-session", tmp_dir, "chosen" SY_SESSION_FILE_EXTENSION);
  sy_test_wait_for_pointer ((gpointer *) &session_opened);
  {
    g_autofree char *path = g_file_get_path (session_opened);

    g_assert_cmpstr (path, ==, saved);
  }
  g_signal_handlers_disconnect_by_data (window, &session_opened);
}

static const SyTestCase tests[] = {
  { "/app/session/round-trip", test_session_round_trip },
  { "/app/session/errors", test_session_errors },
  { "/app/session/actions", test_session_actions },
  { "/app/session/choosers", test_session_choosers },
  { NULL, NULL }
};

static void
setup (void)
{
  g_autofree char *olmoe = sy_test_model_path ("olmoe", "");

  if (app != NULL && !g_file_test (olmoe, G_FILE_TEST_IS_DIR))
    g_clear_object (&app);
  tmp_dir = sy_test_tmp_dir ();
}

int
main (int    argc,
      char **argv)
{
  return sy_test_gui_main (argc, argv, tests, "/nonexistent", &app, setup);
}
