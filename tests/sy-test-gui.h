/* sy-test-gui.h: what the GUI tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "sy-analysis-view.h"
#include "sy-application.h"
#include "sy-test-util.h"
#include "sy-window.h"

G_BEGIN_DECLS

/* After g_test_init(): memory settings, software rendering, no a11y bus,
 * and GTK initialised; FALSE when there is no display (the tests then
 * skip); a display that is named but does not open ends the program with
 * an error. */
gboolean       sy_test_gui_init_display (const char *program);

/* sy_test_gui_init_display(); @demo_model is what SWITCHYARD_MODEL is set
 * to (NULL: left as it is).  Returns a registered, non-unique
 * SyApplication, or NULL when there is no display. */
SyApplication *sy_test_gui_init        (const char *program,
                                        const char *demo_model);

/* The main () of a GUI test program: sy_test_main() on @cases, its setup
 * setting *@app to sy_test_gui_init (the program's name, @demo_model)
 * and then running @setup (may be NULL), its teardown clearing *@app. */
int            sy_test_gui_main        (int                argc,
                                        char             **argv,
                                        const SyTestCase  *cases,
                                        const char        *demo_model,
                                        SyApplication    **app,
                                        SyTestHook         setup);

/* sy_analysis_view_export (@view, @svg, FALSE), asserted, and the file
 * read back, asserted to hold "<svg": its contents. */
char          *sy_test_export_svg      (SyAnalysisView  *view,
                                        const char      *svg);

/* @app activated: its active window (asserted), its default size set to
 * @width x @height when @width > 0. */
SyWindow      *sy_test_activate_window (SyApplication   *app,
                                        int              width,
                                        int              height);

/* Skips the current test when sy_test_gui_init() found no display (@app
 * NULL, or FALSE from sy_test_gui_init_display()). */
#define SY_TEST_SKIP_WITHOUT_DISPLAY(app)                               \
  G_STMT_START {                                                        \
    if (!(app))                                                         \
      {                                                                 \
        g_test_skip ("no display (DISPLAY/WAYLAND_DISPLAY unset)");     \
        return;                                                         \
      }                                                                 \
  } G_STMT_END

/* For the benchmarks (no g_test): memory settings, no accessibility bus,
 * the application activated, its window @width × @height (0: as it is)
 * and the model at argv[1] (else the default model) open in it.  Returns
 * the window, with the application in @app and the model's path in @path;
 * or NULL, having said why on stderr after "@program: ", when there is no
 * display or no model (the benchmark then exits 77). */
SyWindow      *sy_test_bench_open      (const char      *program,
                                        int              argc,
                                        char           **argv,
                                        int              width,
                                        int              height,
                                        SyApplication  **app,
                                        char           **path);

/* What the benchmarks count: the traces that reached the views (and B's,
 * with Compare on), the frames painted, and those painted after the last
 * trace (reset to 0 by each). */
typedef struct
{
  int traces;
  int traces_b;
  int painted;
  int painted_after_trace;
} SyTestBenchCounts;

/* Counts into @counts from now on: @window's analysis view's
 * ::trace-changed, its worker's ::trace-ready for slot B, and the frames
 * its frame clock paints. */
void           sy_test_bench_count     (SyWindow          *window,
                                        SyTestBenchCounts *counts);

/* The first toplevel window that is a @type (an interface too), has the
 * CSS class @css_class (NULL: any), is visible where @visible asks it and
 * is not @other (NULL: any); NULL where there is none. */
GtkWindow     *sy_test_find_toplevel   (GType            type,
                                        const char      *css_class,
                                        gboolean         visible,
                                        gpointer         other);
/* The same, running the main loop until it comes: NULL after @timeout_ms
 * (0: no limit but the meson timeout). */
GtkWindow     *sy_test_wait_for_toplevel (GType          type,
                                        const char      *css_class,
                                        gboolean         visible,
                                        gpointer         other,
                                        guint            timeout_ms);
/* Runs the main loop until *@pointer is set (the meson timeout bounds it). */
void           sy_test_wait_for_pointer (gpointer       *pointer);
/* A handler for SyWindow's ::model-opened and ::session-opened: keeps
 * the file in the GFile * @out points to. */
void           sy_test_store_file      (SyWindow        *window,
                                        GFile           *file,
                                        GFile          **out);
/* sy_worker_load_model_async (@worker, @path), the main loop run until it
 * finished; asserts that it loaded. */
void           sy_test_worker_load     (SyWorker        *worker,
                                        const char      *path);
/* sy_window_open_model (@window, the file at @path), asserted to start,
 * then the main loop run until @window's ::model-opened. */
void           sy_test_open_model      (SyWindow        *window,
                                        const char      *path);
/* Runs the main loop until @view's worker is idle (50 ms at a time). */
void           sy_test_wait_idle       (SyAnalysisView  *view);

/* A new folder @name in @parent (asserted) that looks like a model (its
 * config.json names a model_type) but fails to load: the other keys a
 * model needs are missing.  Returns its path. */
char          *sy_test_make_broken_model (const char *parent,
                                          const char *name);

/* Drops @file on @widget through its GtkDropTarget (asserted to have
 * one) at (10, 10); whether the target accepted it. */
gboolean       sy_test_drop_file       (GtkWidget       *widget,
                                        GFile           *file);

/* Depth-first search for the first widget of @type below @root (included). */
GtkWidget     *sy_test_find_widget     (GtkWidget  *root,
                                        GType       type);
/* Runs the main loop for @ms milliseconds (layout, a few frames). */
void           sy_test_settle          (guint       ms);
/* @widget as the renderer of its window draws it now. */
GdkTexture    *sy_test_render_widget   (GtkWidget  *widget);
/* Saves @texture as @name.png beside the test programs
 * (G_TEST_BUILT) and says where in the test log. */
void           sy_test_save_png        (GdkTexture *texture,
                                        const char *name);
/* Distinct pixel values in a rectangle of @texture. */
guint          sy_test_count_colours   (GdkTexture *texture,
                                        int         x,
                                        int         y,
                                        int         width,
                                        int         height);

G_END_DECLS
