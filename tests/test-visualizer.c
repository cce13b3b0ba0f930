/* test-visualizer.c: the live routing views in the real window, under a
 * display (suite 'app'): open a model, type a sentence, change p, and see
 * the views follow.
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-heatmap-view.h"
#include "sy-token-strip.h"
#include "sy-test-gui.h"
#include "sy-test-util.h"
#include "sy-views.h"
#include "sy-window.h"

static SyApplication *app;

#define SKIP_WITHOUT_DISPLAY() SY_TEST_SKIP_WITHOUT_DISPLAY (app)


static void
on_opened (SyWindow  *window,
           GFile     *folder,
           gboolean  *opened)
{
  *opened = TRUE;
}

static void
on_trace_changed (SyAnalysisView *view,
                  int            *count)
{
  (*count)++;
}

/* Iterates until the worker is idle and at least one new trace came. */
static void
wait_for_trace (SyAnalysisView *view,
                int            *count,
                int             before)
{
  SyWorker *worker = sy_analysis_view_get_worker (view);

  while (*count == before || sy_worker_is_busy (worker))
    g_main_context_iteration (NULL, TRUE);
  /* a few frames for the views to repaint */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Views keep their own copy of a trace: the same run shows the same ids and K. */
static gboolean
same_trace (const SyTrace *a,
            const SyTrace *b)
{
  if (a == NULL || b == NULL || a->n_tokens != b->n_tokens ||
      a->n_moe_layers != b->n_moe_layers || g_strcmp0 (a->router, b->router) != 0)
    return FALSE;
  if (memcmp (a->ids, b->ids, sizeof (int32_t) * a->n_tokens) != 0)
    return FALSE;
  for (int l = 0; l < a->n_moe_layers; l++)
    if (memcmp (a->layers[l].k, b->layers[l].k, sizeof (int) * a->n_tokens) != 0)
      return FALSE;
  return TRUE;
}



static GdkTexture *
render_widget (GtkWidget *widget)
{
  sy_test_settle (150);
  return sy_test_render_widget (widget);
}

/* Share of pixels that differ between two renderings of the same size. */
static double
pixel_difference (GdkTexture *a,
                  GdkTexture *b)
{
  int w = gdk_texture_get_width (a), h = gdk_texture_get_height (a);
  gsize stride = (gsize) w * 4;
  g_autofree guchar *pa = g_malloc (stride * h);
  g_autofree guchar *pb = g_malloc (stride * h);
  gsize differ = 0;

  g_assert_cmpint (gdk_texture_get_width (b), ==, w);
  g_assert_cmpint (gdk_texture_get_height (b), ==, h);
  gdk_texture_download (a, pa, stride);
  gdk_texture_download (b, pb, stride);
  for (gsize i = 0; i < stride * h; i += 4)
    differ += memcmp (pa + i, pb + i, 4) != 0;
  return (double) differ / ((double) w * h);
}

/* Every cell of a top-p trace follows routing.md's rule on its own probabilities. */
static void
check_topp (const SyTrace *trace,
            double         p)
{
  int E = trace->n_experts;

  g_assert_nonnull (trace->router);
  g_assert_true (g_str_has_prefix (trace->router, "topp"));
  for (int l = 0; l < trace->n_moe_layers; l++)
    for (int t = 0; t < trace->n_tokens; t++)
      {
        const float *pi = trace->layers[l].probs + (gsize) t * E;
        g_autofree float *sorted = g_memdup2 (pi, sizeof (float) * E);
        float cum = 0;
        int K = E;

        /* descending */
        for (int i = 0; i < E; i++)
          for (int j = i + 1; j < E; j++)
            if (sorted[j] > sorted[i])
              {
                float tmp = sorted[i];
                sorted[i] = sorted[j];
                sorted[j] = tmp;
              }
        for (int j = 0; j < E; j++)
          {
            cum += sorted[j];
            if (cum > (float) p)
              {
                K = j + 1;
                break;
              }
          }
        g_assert_cmpint (trace->layers[l].k[t], ==, K);
      }
}

/* The trace's tokens spell the view's whole text, which ends in @typed. */
static void
assert_shows_text (const SyTrace  *trace,
                   SyAnalysisView *view,
                   const char     *typed)
{
  g_autoptr (GString) spelled = g_string_new (NULL);
  g_autofree char *text = sy_analysis_view_get_text (view);

  for (int t = 0; t < trace->n_tokens; t++)
    if (trace->token_text[t])
      g_string_append (spelled, trace->token_text[t]);
  g_assert_cmpstr (spelled->str, ==, text);
  g_assert_true (g_str_has_suffix (text, typed));
}

/* Continue: the model writes on token by token; the views follow (more
 * columns), the text gets the continuation (italic, not an edit).
 * Returns the trace @heatmap shows then. */
static const SyTrace *
check_continue (SyWindow       *window,
                SyAnalysisView *view,
                GtkWidget      *heatmap,
                int            *traces)
{
  SyWorker *worker = sy_analysis_view_get_worker (view);
  g_autofree char *before_text = sy_analysis_view_get_text (view);
  g_autofree char *after_text = NULL;
  const SyTrace *trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  int n_before = trace->n_tokens, n = *traces;
  g_autoptr (GdkTexture) continued = NULL;

  sy_analysis_view_continue (view);
  g_assert_true (sy_worker_is_generating (worker));
  while (sy_worker_is_generating (worker) || sy_worker_is_busy (worker))
    g_main_context_iteration (NULL, TRUE);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (*traces, >, n);
  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  g_assert_cmpint (trace->n_tokens, >, n_before);
  g_assert_cmpint (sy_worker_get_generated_from (worker, SY_SLOT_A), ==, n_before);
  after_text = sy_analysis_view_get_text (view);
  g_assert_true (g_str_has_prefix (after_text, before_text));
  g_assert_cmpstr (after_text + strlen (before_text), ==, sy_worker_get_continuation (worker, SY_SLOT_A));
  g_assert_cmpstr (sy_worker_get_text (worker), ==, after_text);
  continued = render_widget (GTK_WIDGET (window));
  sy_test_save_png (continued, "test-visualizer-continued.png");
  return trace;
}

/* Every view shows the same trace as @heatmap, and each one draws
 * something. */
static void
check_every_view (SyAnalysisView *view,
                  GtkWidget      *heatmap,
                  const SyTrace  *trace)
{
  guint n_views;
  const SyViewInfo *views = sy_views (&n_views);

  /* the pages that draw one trace */
  for (guint i = 0; i < n_views; i++)
    {
      GtkStack *stack = GTK_STACK (gtk_widget_get_parent (heatmap));
      GtkWidget *page;
      g_autoptr (GdkTexture) shot = NULL;
      g_autofree char *name = g_strdup_printf ("test-visualizer-%s.png", views[i].name);

      if ((views[i].flags & (SY_VIEW_PAGE | SY_VIEW_RENDER)) != (SY_VIEW_PAGE | SY_VIEW_RENDER))
        continue;
      /* the summary's page is a scroller around it */
      page = sy_test_find_widget (gtk_stack_get_child_by_name (stack, views[i].name), SY_TYPE_TRACE_VIEW);
      sy_analysis_view_set_view (view, views[i].name);
      for (int f = 0; f < 30; f++)
        g_main_context_iteration (NULL, FALSE);
      g_assert_true (same_trace (sy_trace_view_get_trace (SY_TRACE_VIEW (page)), trace));
      shot = render_widget (page);
      sy_test_save_png (shot, name);
      g_assert_cmpuint (sy_test_count_colours (shot, 0, 0, gdk_texture_get_width (shot),
                                               gdk_texture_get_height (shot)), >, 16);
    }
}

/* Sets @spec as A's policy and waits for its trace. */
static void
set_router (SyAnalysisView *view,
            const char     *spec,
            int            *traces)
{
  g_autoptr (GError) error = NULL;
  int n = *traces;

  g_assert_true (sy_analysis_view_set_router (view, spec, &error));
  g_assert_no_error (error);
  wait_for_trace (view, traces, n);
}

/* Top-p at @p set: every cell follows the rule; the window's picture
 * (saved as test-visualizer-pNNN.png), and the trace's average K in
 * @avg_k. */
static GdkTexture *
topp_shot (SyWindow       *window,
           SyAnalysisView *view,
           GtkWidget      *heatmap,
           int            *traces,
           double          p,
           double         *avg_k)
{
  g_autofree char *spec = g_strdup_printf ("topp:p=%.2f", p);
  g_autofree char *name = g_strdup_printf ("test-visualizer-p%03d.png", (int) (p * 100 + 0.5));
  const SyTrace *trace;
  GdkTexture *shot;

  set_router (view, spec, traces);
  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  check_topp (trace, p);
  *avg_k = trace->avg_k;
  shot = render_widget (GTK_WIDGET (window));
  sy_test_save_png (shot, name);
  return shot;
}

/* SER in the policy list: the controls read back its spec, and K stays
 * within [kmin, native k] */
static void
check_ser (SyAnalysisView *view,
           GtkWidget      *heatmap,
           int            *traces)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *spec = NULL;
  const SyTrace *trace;
  int n = *traces;

  g_assert_true (sy_analysis_view_set_router (view, "ser:kmin=1,t=0.6", &error));
  g_assert_no_error (error);
  spec = sy_analysis_view_get_router (view);
  g_assert_cmpstr (spec, ==, "ser:kmin=1,t=0.60");
  wait_for_trace (view, traces, n);
  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  g_assert_cmpstr (trace->router, ==, "ser:kmin=1,t=0.6");
  for (int l = 0; l < trace->n_moe_layers; l++)
    for (int t = 0; t < trace->n_tokens; t++)
      {
        g_assert_cmpint (trace->layers[l].k[t], >=, 1);
        g_assert_cmpint (trace->layers[l].k[t], <=, trace->native_k);
      }
}

static void
test_visualizer_live (void)
{
  const char *sentence = " The jury further said in term-end presentments that the City Executive Committee deserves praise.";
  g_autofree char *path = NULL;
  g_autoptr (GdkTexture) before = NULL;
  g_autoptr (GdkTexture) typed = NULL;
  g_autoptr (GdkTexture) low_p = NULL;
  g_autoptr (GdkTexture) high_p = NULL;
  SyWindow *window;
  SyAnalysisView *view;
  GtkWidget *heatmap, *strip, *text_view;
  GtkTextBuffer *buffer;
  const SyTrace *trace;
  int traces = 0, n_tokens_before;
  double avg_low, avg_high;

  SKIP_WITHOUT_DISPLAY ();

  window = sy_test_activate_window (app, 1400, 900);
  view = sy_window_get_analysis_view (window);
  g_signal_connect (view, "trace-changed", G_CALLBACK (on_trace_changed), &traces);

  /* open the model: the views fill with the starting text */
  path = sy_test_model_path ("olmoe", "");
  sy_test_open_model (window, path);
  wait_for_trace (view, &traces, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (window)), ==, "views");

  heatmap = sy_test_find_widget (GTK_WIDGET (window), SY_TYPE_HEATMAP_VIEW);
  strip = sy_test_find_widget (GTK_WIDGET (window), SY_TYPE_TOKEN_STRIP);
  text_view = sy_test_find_widget (GTK_WIDGET (window), GTK_TYPE_TEXT_VIEW);
  g_assert_nonnull (heatmap);
  g_assert_nonnull (strip);
  g_assert_nonnull (text_view);
  g_assert_true (gtk_widget_get_mapped (heatmap));
  g_assert_cmpint (gtk_widget_get_width (heatmap), >, 300);
  g_assert_cmpint (gtk_widget_get_height (heatmap), >, 100);

  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  g_assert_nonnull (trace);
  g_assert_true (same_trace (trace, sy_trace_view_get_trace (SY_TRACE_VIEW (strip))));
  n_tokens_before = trace->n_tokens;
  before = render_widget (GTK_WIDGET (window));
  sy_test_save_png (before, "test-visualizer-start.png");

  /* type a sentence at the end, a character at a time, as a person does */
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
  gtk_widget_grab_focus (text_view);
  for (const char *c = sentence; *c; c = g_utf8_next_char (c))
    {
      GtkTextIter end;

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, c, g_utf8_next_char (c) - c);
      g_main_context_iteration (NULL, FALSE);
    }
  /* the newest edit wins: wait for the run of the whole sentence */
  while (sy_worker_is_busy (sy_analysis_view_get_worker (view)))
    g_main_context_iteration (NULL, TRUE);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  g_assert_cmpint (trace->n_tokens, >, n_tokens_before + 10);
  assert_shows_text (trace, view, sentence);
  typed = render_widget (GTK_WIDGET (window));
  sy_test_save_png (typed, "test-visualizer-typed.png");
  g_assert_cmpfloat (pixel_difference (before, typed), >, 0.01);

  /* top-p at a low p: K follows the rule everywhere, and the picture changes */
  low_p = topp_shot (window, view, heatmap, &traces, 0.20, &avg_low);
  g_assert_cmpfloat (pixel_difference (typed, low_p), >, 0.002);

  /* a higher p: more experts, and again a different picture */
  high_p = topp_shot (window, view, heatmap, &traces, 0.80, &avg_high);
  g_test_message ("average K: p=0.2 %.3f, p=0.8 %.3f", avg_low, avg_high);
  g_assert_cmpfloat (avg_high, >, avg_low);
  g_assert_cmpfloat (pixel_difference (low_p, high_p), >, 0.002);

  check_ser (view, heatmap, &traces);

  /* Continue: the model writes on token by token; the views follow */
  trace = check_continue (window, view, heatmap, &traces);

  check_every_view (view, heatmap, trace);

  /* export writes the view the user looks at, as valid SVG */
  {
    g_autofree char *dir = sy_test_make_tmp_dir ("sy-vis-XXXXXX");
    g_autofree char *svg = g_build_filename (dir, "summary.svg", NULL);
    g_autofree char *contents = sy_test_export_svg (view, svg);

    g_assert_nonnull (strstr (contents, "</svg>"));
    g_remove (svg);
    g_rmdir (dir);
  }
  /* the handlers point into this frame */
  g_signal_handlers_disconnect_by_data (view, &traces);
}

/* A GGUF file that llama.cpp's converter wrote, given on the command line
 * (switchyard FILE.gguf): it opens like a model folder, its tokenizer comes
 * from the file's metadata, and every view draws the typed text. */
static void
test_visualizer_gguf (void)
{
  const char *fixtures = g_getenv ("SY_FIXTURES");
  const char *sentence = " Experts in a GGUF file.";
  g_autofree char *path = NULL;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GdkTexture) shot = NULL;
  SyWindow *window;
  SyAnalysisView *view;
  GtkWidget *heatmap, *text_view;
  GtkTextBuffer *buffer;
  GtkTextIter end;
  const SyTrace *trace;
  gboolean opened = FALSE;
  int traces = 0, before;

  SKIP_WITHOUT_DISPLAY ();
  g_assert_nonnull (fixtures);

  window = sy_test_activate_window (app, 0, 0);
  view = sy_window_get_analysis_view (window);
  g_signal_connect (window, "model-opened", G_CALLBACK (on_opened), &opened);
  g_signal_connect (view, "trace-changed", G_CALLBACK (on_trace_changed), &traces);

  sy_analysis_view_set_view (view, "heatmap");
  path = g_build_filename (fixtures, "gguf-llamacpp", "olmoe.gguf", NULL);
  file = g_file_new_for_path (path);
  g_application_open (G_APPLICATION (app), &file, 1, "");
  while (!opened)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_file_equal (sy_window_get_model_folder (window), file));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (sy_window_get_stack (window)), ==, "views");

  text_view = sy_test_find_widget (GTK_WIDGET (window), GTK_TYPE_TEXT_VIEW);
  heatmap = sy_test_find_widget (GTK_WIDGET (window), SY_TYPE_HEATMAP_VIEW);
  g_assert_nonnull (text_view);
  g_assert_nonnull (heatmap);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
  before = traces;
  sy_analysis_view_set_text (view, "The jury said.");
  wait_for_trace (view, &traces, before);
  before = traces;
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_insert (buffer, &end, sentence, -1);
  wait_for_trace (view, &traces, before);

  trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
  g_assert_nonnull (trace);
  g_assert_cmpint (trace->n_layers, ==, 3);
  assert_shows_text (trace, view, sentence);
  sy_test_settle (600);   /* past the stack's crossfades */
  shot = render_widget (GTK_WIDGET (window));
  sy_test_save_png (shot, "test-visualizer-gguf.png");
  g_assert_cmpuint (sy_test_count_colours (shot, 0, 0, gdk_texture_get_width (shot),
                                           gdk_texture_get_height (shot)), >, 64);
  {
    g_autoptr (GdkTexture) map = render_widget (heatmap);

    g_assert_cmpuint (sy_test_count_colours (map, 0, 0, gdk_texture_get_width (map),
                                             gdk_texture_get_height (map)), >, 16);
  }

  /* every file that llama.cpp wrote opens in the window and is drawn: the
   * seven families in F32, the fourteen llama-quantize presets, and a split
   * model from its second part */
  {
    g_autofree char *dir = g_build_filename (fixtures, "gguf-llamacpp", NULL);
    g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;
    int n_files = 0;

    g_assert_nonnull (d);
    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *gguf = g_build_filename (dir, name, NULL);
        g_autoptr (GFile) f = g_file_new_for_path (gguf);

        if (!g_str_has_suffix (name, ".gguf") || g_file_equal (f, file))
          continue;
        sy_test_open_model (window, gguf);
        before = traces;
        sy_analysis_view_set_text (view, "The jury said it.");
        wait_for_trace (view, &traces, before);
        trace = sy_trace_view_get_trace (SY_TRACE_VIEW (heatmap));
        g_assert_nonnull (trace);
        g_test_message ("%s: %d tokens x %d layers, average K %.2f", name, trace->n_tokens,
                        trace->n_layers, trace->avg_k);
        g_assert_cmpint (trace->n_tokens, >=, 4);
        g_assert_cmpint (trace->n_layers, >=, 1);
        g_assert_cmpfloat (trace->avg_k, >=, 1.0);
        n_files++;
      }
    g_assert_cmpint (n_files, ==, 22);
  }
  g_signal_handlers_disconnect_by_data (window, &opened);
  g_signal_handlers_disconnect_by_data (view, &traces);
}

static const SyTestCase tests[] = {
  { "/app/visualizer/live", test_visualizer_live },
  { "/app/visualizer/gguf", test_visualizer_gguf },
  { NULL, NULL }
};

int
main (int    argc,
      char **argv)
{
  /* no demo model at start: the test opens the fixture itself */
  return sy_test_gui_main (argc, argv, tests, "/nonexistent", &app, NULL);
}
