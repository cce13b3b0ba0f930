/* sy-token-strip.h: the token strip widget
 *
 * Copyright 2026 The Switchyard authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws with sy_strip_render(); asks for the height its wrapped text needs
 * at a given width (height-for-width).
 */
#pragma once

#include "sy-strip-render.h"
#include "sy-trace-view.h"

G_BEGIN_DECLS

#define SY_TYPE_TOKEN_STRIP (sy_token_strip_get_type ())

G_DECLARE_FINAL_TYPE (SyTokenStrip, sy_token_strip, SY, TOKEN_STRIP, SyTraceView)

GtkWidget  *sy_token_strip_new         (void);

G_END_DECLS
