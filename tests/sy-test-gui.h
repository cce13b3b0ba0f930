/* sy-test-gui.h: what the GUI tests share
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "sy-application.h"

G_BEGIN_DECLS

/* After g_test_init(): memory settings, software rendering, no a11y bus;
 * @demo_model is what SWITCHYARD_MODEL is set to (NULL: left as it is).
 * Returns a registered, non-unique SyApplication, or NULL when there is no
 * display (the tests then skip); a display that is named but does not
 * open ends the program with an error. */
SyApplication *sy_test_gui_init        (const char *program,
                                        const char *demo_model);

/* Skips the current test when sy_test_gui_init() found no display. */
#define SY_TEST_SKIP_WITHOUT_DISPLAY(app)                               \
  G_STMT_START {                                                        \
    if ((app) == NULL)                                                  \
      {                                                                 \
        g_test_skip ("no display (DISPLAY/WAYLAND_DISPLAY unset)");     \
        return;                                                         \
      }                                                                 \
  } G_STMT_END

/* Depth-first search for the first widget of @type below @root (included). */
GtkWidget     *sy_test_find_widget     (GtkWidget  *root,
                                        GType       type);
/* Runs the main loop for @ms milliseconds (layout, a few frames). */
void           sy_test_settle          (guint       ms);
/* @widget as the renderer of its window draws it now. */
GdkTexture    *sy_test_render_widget   (GtkWidget  *widget);
/* Distinct pixel values in a rectangle of @texture. */
guint          sy_test_count_colours   (GdkTexture *texture,
                                        int         x,
                                        int         y,
                                        int         width,
                                        int         height);

G_END_DECLS
